import type { AtomStats } from './classes.ts';
import { parsePattern } from './pattern.ts';

/** A comparison rule that would absorb one atom's differences, as the config writes it. */
export interface Suggestion {
  readonly rule: 'ignore' | 'timestamps' | 'tolerance' | 'unordered';
  /** The rule's path pattern (array positions as `[*]`). */
  readonly path: string;
  /** The rule's value under its path (`ignore` has none): numbers in ms for timestamps. */
  readonly value?: Readonly<Record<string, number | string>> | 'multiset';
  /** The rule as a YAML snippet of the comparison's `compare` section. */
  readonly yaml: string;
  /** Why this rule: what was seen. */
  readonly because: string;
  /** The atoms it absorbs, and the discrepancies that differ by them. */
  readonly atoms: readonly string[];
  readonly differences: number;
}

/** Tolerances offered for timestamps, ms: the smallest at least twice the widest distance seen (a processing spread is under an hour). */
const TIMESTAMP_STEPS = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 900_000, 3_600_000, 7_200_000];

/** A duration as the config writes it: 250ms, 2s, 5m, 1h. */
function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** A key a rule's pattern can write as it is: no dot, bracket, quote, space, `=`, `*`, `?` or `…`. */
const PLAIN_KEY = '[^.[\\]"\\s=*?…]+';
/** A path a rule may name: plain keys and `[*]` only, never a wildcard that would reach other fields. */
const PLAIN_PATH = new RegExp(`^${PLAIN_KEY}(?:\\.${PLAIN_KEY}|\\[\\*\\])*$`);

/** A path as a rule's pattern, or undefined when no pattern names exactly it: `["x-request-id"]` becomes `x-request-id`. */
function asPattern(display: string): string | undefined {
  const path = display.replace(/(^|)\["((?:[^"\\]|\\.)*)"\]/g, (whole, _start: string, quoted: string, offset: number) => {
    let key: string;
    try {
      key = JSON.parse(`"${quoted}"`) as string;
    } catch {
      return whole;
    }
    return new RegExp(`^${PLAIN_KEY}$`).test(key) ? `${offset === 0 ? '' : '.'}${key}` : whole;
  });
  if (!PLAIN_PATH.test(path)) return undefined;
  try {
    parsePattern(path);
    return path;
  } catch {
    return undefined;
  }
}

/** A value as YAML flow: durations for timestamps' ms, numbers as JavaScript writes them. */
function flow(rule: Suggestion['rule'], value: Suggestion['value']): string {
  if (value === undefined || typeof value === 'string') return value ?? '';
  const entries = Object.entries(value).map(([k, v]) => (rule === 'timestamps' && k === 'toleranceMs' ? `tolerance: ${duration(v as number)}` : `${k}: ${String(v)}`));
  return `{ ${entries.join(', ')} }`;
}

function snippet(rule: Suggestion['rule'], path: string, value: Suggestion['value']): string {
  if (rule === 'ignore') return `compare:\n  ignore: [${JSON.stringify(path)}]\n`;
  return `compare:\n  ${rule}:\n    ${JSON.stringify(path)}: ${flow(rule, value)}\n`;
}

/** The rule that would absorb an atom, when one would; undefined when only a fix would. */
export function suggestionFor(stats: AtomStats): Suggestion | undefined {
  const { atom } = stats;
  const path = asPattern(atom.path);
  if (path === undefined) return undefined;
  const make = (rule: Suggestion['rule'], value: Suggestion['value'], because: string): Suggestion => ({
    rule,
    path,
    ...(value === undefined ? {} : { value }),
    yaml: snippet(rule, path, value),
    because,
    atoms: [atom.id],
    differences: stats.count,
  });
  const [change, parameter] = atom.change.split(/:(.*)/s) as [string, string | undefined];
  switch (change) {
    case 'generated_id':
      return make('ignore', undefined, `${path} holds a generated identifier that differs between the two runs`);
    case 'random':
      return make('ignore', undefined, `${path} holds random numbers that differ between the two runs`);
    case 'timestamp': {
      const widest = stats.measure ?? 0;
      const toleranceMs = TIMESTAMP_STEPS.find((s) => s >= 2 * widest) ?? Math.ceil((2 * widest) / 3_600_000) * 3_600_000;
      const value: Record<string, number | string> = parameter === 's' ? { toleranceMs, epochUnit: 's' } : { toleranceMs };
      return make('timestamps', value, `${path} is stamped while processing; the widest distance seen is ${Math.round(widest)} ms`);
    }
    case 'float_noise':
      return make('tolerance', { relative: 1e-9 }, `${path} differs only by floating-point noise`);
    case 'rounded': {
      // Half a unit of the d-th place covers rounding to nearest; a whole unit only when truncation was seen.
      // The measure is in units of that place: 0.5 at most is rounding to nearest.
      const unit = 10 ** -Number(parameter);
      const absolute = (stats.measure ?? 1) <= 0.5 + 1e-9 ? unit / 2 : unit;
      return make('tolerance', { absolute: Number(absolute.toPrecision(6)) }, `${path} is rounded to ${parameter} decimal place(s) on one side; the widest difference seen is ${stats.measure ?? 'unknown'}`);
    }
    case 'order_only':
      return make('unordered', 'multiset', `${path} holds the same items in another order (only if order means nothing to your consumers)`);
    default:
      return undefined;
  }
}

/**
 * Every suggestion as one `compare` section. Two suggestions of one rule on one path (a float-noise
 * class and a rounding class on `subtotal`) become one entry with the wider of each value, since
 * the config refuses a key twice.
 */
export function rulesYaml(suggestions: readonly Suggestion[]): string {
  if (suggestions.length === 0) return '';
  const merged = new Map<string, Suggestion>();
  for (const s of suggestions) {
    const key = `${s.rule}\u0000${s.path}`;
    const seen = merged.get(key);
    if (seen === undefined || typeof seen.value !== 'object' || typeof s.value !== 'object') {
      if (seen === undefined) merged.set(key, s);
      continue;
    }
    const texts = (v: Readonly<Record<string, number | string>>) => JSON.stringify(Object.entries(v).filter(([, x]) => typeof x === 'string'));
    if (texts(seen.value) !== texts(s.value)) {
      // Values that cannot both hold (epoch seconds and milliseconds on one path): the one behind more discrepancies.
      if (s.differences > seen.differences) merged.set(key, s);
      continue;
    }
    const value: Record<string, number | string> = { ...seen.value };
    for (const [k, v] of Object.entries(s.value)) value[k] = typeof v === 'number' && typeof value[k] === 'number' ? Math.max(v, value[k]) : (value[k] ?? v);
    merged.set(key, { ...seen, value });
  }
  const all = [...merged.values()];
  const ignore = all.filter((s) => s.rule === 'ignore').map((s) => JSON.stringify(s.path));
  let out = 'compare:\n';
  if (ignore.length > 0) out += `  ignore: [${ignore.join(', ')}]\n`;
  for (const rule of ['timestamps', 'tolerance', 'unordered'] as const) {
    const of = all.filter((s) => s.rule === rule);
    if (of.length === 0) continue;
    out += `  ${rule}:\n`;
    for (const s of of) out += `    ${JSON.stringify(s.path)}: ${flow(rule, s.value)}\n`;
  }
  return out;
}
