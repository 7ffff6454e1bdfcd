/**
 * `shadowdiff report <comparison>`: what the API knows of a comparison over a range, as a table,
 * JSON or Markdown (for a pull-request comment), and a gate for CI: `--fail-on` conditions
 * (fail-on.ts) make it exit 3 when one holds. Exit codes: 0 no condition held; 1 an error (the
 * API could not be asked or refused, or a value the command cannot use: a condition, a time);
 * 2 a command line commander cannot parse (an unknown flag, a missing argument); 3 a condition held.
 */
import { parseDuration } from '@shadowdiff/config';
import { comparisonApi } from './api-client.ts';
import { CliError, CliErrorCode } from './errors.ts';
import { evaluate, parseConditions, type Measures } from './fail-on.ts';
import { renderReport, type Report, type ReportClass } from './report-render.ts';

export const EXIT_CONDITION_HELD = 3;

const DAY_MS = 86_400_000;

export interface ReportOptions {
  readonly since?: string;
  readonly until?: string;
  readonly format: 'table' | 'json' | 'markdown';
  readonly failOn?: readonly string[];
  readonly examples: string;
  readonly api: string;
  readonly token?: string;
}

/** z of a two-sided 95 % interval. */
const Z95 = 1.96;

/** The two-sided 95 % Wilson score interval of `successes` in `trials` (null without trials). */
export function wilsonInterval(successes: number, trials: number): { low: number; high: number } | null {
  if (trials === 0) return null;
  const p = successes / trials;
  const z2 = Z95 * Z95;
  const centre = p + z2 / (2 * trials);
  const margin = Z95 * Math.sqrt((p * (1 - p)) / trials + z2 / (4 * trials * trials));
  const scale = 1 + z2 / trials;
  return { low: Math.max(0, (centre - margin) / scale), high: Math.min(1, (centre + margin) / scale) };
}

/** An instant given as ISO 8601, or as a duration back from `now` (`1h`, `30m`). */
export function instantOf(text: string, flag: string, now = Date.now()): string {
  const back = parseDuration(text);
  if (back !== undefined) return new Date(now - back).toISOString();
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new CliError(CliErrorCode.USAGE, `${flag} "${text}": expected an ISO 8601 time (2026-12-01T10:00:00Z) or a duration back from now (1h)`);
  return new Date(ms).toISOString();
}

interface Summary {
  since: string;
  until: string;
  counts: Record<string, number>;
  total: number;
}
interface Fields {
  complete: boolean;
  fields: { path: string; count: number; share: number }[];
}
interface Readiness {
  ready: boolean;
  promotion: string | null;
  criteria: { name: string; limit: number; value: number | null; upperBound?: number | null; pass: boolean }[];
}
interface Discrepancies {
  items: { pairId: string; key: string | null; verdict: string; reason: string | null; decidedAt: string; paths: string[] }[];
}

export async function runReport({ comparison, options }: { comparison: string; options: ReportOptions }, out: (text: string) => void): Promise<number> {
  const conditions = parseConditions(options.failOn ?? []);
  const examples = Number(options.examples);
  if (!Number.isInteger(examples) || examples < 0 || examples > 100) throw new CliError(CliErrorCode.USAGE, `--examples takes a whole number from 0 to 100, got ${options.examples}`);
  const now = Date.now();
  // One range for every question (the API's default, the last 24 hours, unless given), so that
  // the counts, the fields and the examples are of the same verdicts.
  const until = options.until === undefined ? new Date(now).toISOString() : instantOf(options.until, '--until', now);
  const since = options.since === undefined ? new Date(Date.parse(until) - DAY_MS).toISOString() : instantOf(options.since, '--since', now);
  const range = new URLSearchParams({ since, until });

  const get = comparisonApi(options.api, comparison, options.token);
  const examplesQuery = new URLSearchParams(range);
  examplesQuery.set('limit', String(Math.max(1, examples)));
  const [summary, fields, readiness, discrepancies, classes] = await Promise.all([
    get<Summary>(`/summary?${range}`),
    get<Fields>(`/fields?${range}`),
    get<Readiness>('/readiness'),
    examples > 0 ? get<Discrepancies>(`/discrepancies?${examplesQuery}`) : Promise.resolve({ items: [] }),
    get<{ classes: ReportClass[] }>('/classes'),
  ]);

  // A gate on a field needs every discrepancy of the range counted: the API counts at most 100,000.
  if (!fields.complete && conditions.some((c) => c.kind === 'field')) {
    throw new CliError(CliErrorCode.API_ANSWER, 'the range holds more discrepancies than the API counts fields over (100,000): a field: condition cannot be judged on it; give a shorter --since/--until');
  }
  const count = (kind: string) => summary.counts[kind] ?? 0;
  const pairs = count('match') + count('mismatch');
  const missing = count('missing_old') + count('missing_new');
  const rates: Measures['rates'] = {
    match_rate: pairs === 0 ? null : count('match') / pairs,
    mismatch_rate: pairs === 0 ? null : count('mismatch') / pairs,
    missing_rate: pairs + missing === 0 ? null : missing / (pairs + missing),
  };
  const measures: Measures = {
    rates,
    fields: Object.fromEntries(fields.fields.map((f) => [f.path, f.count])),
    ready: readiness.promotion === null ? null : readiness.ready,
    pairs,
  };
  const judged = conditions.map((condition) => ({ condition: condition.text, ...evaluate(condition, measures) }));
  const report: Report = {
    comparison,
    since: summary.since,
    until: summary.until,
    total: summary.total,
    counts: summary.counts,
    pairs,
    rates,
    matchRateInterval: wilsonInterval(count('match'), pairs),
    fields: fields.fields.slice(0, 10),
    fieldsComplete: fields.complete,
    classes: classes.classes.slice(0, 10).map(({ id, count, share, trend, explanation, causes }) => ({ id, count, share, trend, explanation, causes: causes.slice(0, 1) })),
    examples: discrepancies.items.slice(0, examples),
    readiness,
    conditions: judged,
  };
  out(renderReport(report, options.format));
  return judged.some((j) => j.holds) ? EXIT_CONDITION_HELD : 0;
}
