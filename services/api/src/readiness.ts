/**
 * Readiness of a promotion: each criterion with its measured value and pass/fail. Rates are judged
 * by the upper bound of a one-sided Wilson score interval at the configured confidence, so a small
 * sample cannot pass on luck: 0 mismatches in 50 pairs bounds the rate at 5.1% (95%), not 0%.
 */
export interface Criterion {
  readonly name: string;
  readonly limit: number;
  readonly value: number | null;
  /** For rates: the upper confidence bound the limit is compared with. */
  readonly upperBound?: number | null;
  readonly pass: boolean;
}

/** z for a one-sided bound at the confidences the config allows. */
const Z: Record<number, number> = { 0.9: 1.2816, 0.95: 1.6449, 0.99: 2.3263 };

/** Upper bound of the one-sided Wilson score interval of `successes` in `trials`. */
export function wilsonUpper(successes: number, trials: number, confidence: number): number {
  if (trials === 0) return 1;
  const z = Z[confidence] ?? 1.6449;
  const p = successes / trials;
  const z2 = z * z;
  const centre = p + z2 / (2 * trials);
  const margin = z * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  return Math.min(1, (centre + margin) / (1 + z2 / trials));
}

export interface Measured {
  readonly pairs: number;
  readonly mismatches: number;
  readonly missing: number;
  readonly timeInModeMs: number | null;
  /** path → verdicts that differ there */
  readonly fields: Readonly<Record<string, number>>;
}

export interface ReadinessCriteria {
  readonly minPairs: number;
  readonly minTimeInMode: number;
  readonly maxMismatchRate: number;
  readonly maxMissingRate: number;
  readonly fields: Readonly<Record<string, number>>;
  readonly confidence: 0.9 | 0.95 | 0.99;
}

function rate(name: string, count: number, trials: number, limit: number, confidence: number): Criterion {
  const upperBound = trials === 0 ? null : wilsonUpper(count, trials, confidence);
  return { name, limit, value: trials === 0 ? null : count / trials, upperBound, pass: upperBound !== null && upperBound <= limit };
}

export function evaluateReadiness(criteria: ReadinessCriteria, measured: Measured): { ready: boolean; criteria: Criterion[] } {
  const { confidence } = criteria;
  const list: Criterion[] = [
    { name: 'minPairs', limit: criteria.minPairs, value: measured.pairs, pass: measured.pairs >= criteria.minPairs },
    {
      name: 'minTimeInMode',
      limit: criteria.minTimeInMode,
      value: measured.timeInModeMs,
      pass: measured.timeInModeMs !== null && measured.timeInModeMs >= criteria.minTimeInMode,
    },
    rate('maxMismatchRate', measured.mismatches, measured.pairs, criteria.maxMismatchRate, confidence),
    rate('maxMissingRate', measured.missing, measured.pairs + measured.missing, criteria.maxMissingRate, confidence),
    ...Object.entries(criteria.fields).map(([path, limit]) => rate(`fields.${path}`, measured.fields[path] ?? 0, measured.pairs, limit, confidence)),
  ];
  return { ready: list.every((c) => c.pass), criteria: list };
}
