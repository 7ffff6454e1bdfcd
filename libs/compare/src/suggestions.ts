import type { AtomStats } from './classes.ts';
import { parsePattern } from './pattern.ts';

/** A comparison rule that would absorb one atom's differences, as the config writes it. */
export interface Suggestion {
  readonly rule: 'ignore' | 'timestamps' | 'tolerance' | 'unordered';
  /** The rule's path pattern (array positions as `[*]`). */
  readonly path: string;
  /** The rule's value under its path (`ignore` has none). */
  readonly value?: Record<string, unknown> | string;
  /** The rule as a YAML snippet of the comparison's `compare` section. */
  readonly yaml: string;
  /** Why this rule: what was seen. */
  readonly because: string;
  /** The atoms it absorbs, and the discrepancies that differ by them. */
  readonly atoms: readonly string[];
  readonly differences: number;
}

/** Tolerances offered for timestamps, ms: the smallest at least twice the widest distance seen. */
const TIMESTAMP_STEPS = [100, 250, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000, 300_000, 3_600_000];

/** A duration as the config writes it: 250ms, 2s, 5m, 1h. */
function duration(ms: number): string {
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000}h`;
  if (ms % 60_000 === 0) return `${ms / 60_000}m`;
  if (ms % 1000 === 0) return `${ms / 1000}s`;
  return `${ms}ms`;
}

/** Whether a generalised path can be written as a rule's pattern (plain keys and `[*]`). */
function asPattern(path: string): string | undefined {
  if (path === '' || /["=\s]/.test(path)) return undefined;
  try {
    parsePattern(path);
    return path;
  } catch {
    return undefined;
  }
}

/** YAML for a path as a map key: plain when it is a plain dotted name, quoted otherwise. */
const yamlKey = (path: string) => (/^[A-Za-z_][\w.]*$/.test(path) ? path : JSON.stringify(path));

function snippet(rule: Suggestion['rule'], path: string, value: Suggestion['value']): string {
  if (rule === 'ignore') return `compare:\n  ignore: [${JSON.stringify(path)}]\n`;
  const flow = typeof value === 'string' ? value : `{ ${Object.entries(value ?? {}).map(([k, v]) => `${k}: ${String(v)}`).join(', ')} }`;
  return `compare:\n  ${rule}:\n    ${yamlKey(path)}: ${flow}\n`;
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
      return make('timestamps', { tolerance: duration(toleranceMs) }, `${path} is stamped while processing; the widest distance seen is ${Math.round(widest)} ms`);
    }
    case 'float_noise':
      return make('tolerance', { relative: '1e-9' }, `${path} differs only by floating-point noise`);
    case 'rounded':
      return make('tolerance', { absolute: String(10 ** -Number(parameter)) }, `${path} is rounded to ${parameter} decimal place(s) on one side`);
    case 'order_only':
      return make('unordered', 'multiset', `${path} holds the same items in another order (only if order means nothing to your consumers)`);
    default:
      return undefined;
  }
}

/** Every suggestion as one `compare` section. */
export function rulesYaml(suggestions: readonly Suggestion[]): string {
  if (suggestions.length === 0) return '';
  const ignore = suggestions.filter((s) => s.rule === 'ignore').map((s) => JSON.stringify(s.path));
  let out = 'compare:\n';
  if (ignore.length > 0) out += `  ignore: [${ignore.join(', ')}]\n`;
  for (const rule of ['timestamps', 'tolerance', 'unordered'] as const) {
    const of = suggestions.filter((s) => s.rule === rule);
    if (of.length === 0) continue;
    out += `  ${rule}:\n`;
    for (const s of of) out += snippet(rule, s.path, s.value).split('\n')[2] + '\n';
  }
  return out;
}
