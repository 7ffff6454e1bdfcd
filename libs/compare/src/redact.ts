import type { Json } from './difference.ts';
import { matchesPattern, parsePattern, type PathPattern, type Segment } from './pattern.ts';

export const REDACTED = '***';

export interface Redactor {
  /** Whether any path is redacted at all. */
  readonly active: boolean;
  /** Whether the value at `path` (or an ancestor of it) is redacted. */
  covers(path: readonly Segment[]): boolean;
  /** A copy of `value` with every redacted path replaced by "***". */
  value(value: Json): Json;
  /**
   * The same for a value that sits at `path` inside a payload (a difference's old or new value):
   * the patterns are matched against `path` + the path inside the value, so a redacted field is
   * masked whether the difference is at the field, at a parent that was removed, nulled or changed
   * type, or at an array item that held it.
   */
  valueAt(value: Json, path: readonly Segment[]): Json;
}

/**
 * The redact patterns as the old side names its fields: `compare.rename` maps old paths to new
 * ones before comparing, and a pattern is written against either naming, so each pattern that
 * starts with a renamed path is also given under the other name.
 */
export function withRenamedPatterns(patterns: readonly string[], rename: Readonly<Record<string, string>>): string[] {
  const out = new Set(patterns);
  for (const pattern of patterns) {
    for (const [from, to] of Object.entries(rename)) {
      for (const [a, b] of [[to, from], [from, to]] as const) {
        if (pattern === a || pattern.startsWith(`${a}.`) || pattern.startsWith(`${a}[`)) out.add(`${b}${pattern.slice(a.length)}`);
      }
    }
  }
  return [...out];
}

/** Masks values at the `redact` paths of a comparison in everything stored or emitted. */
export function createRedactor(patterns: readonly string[]): Redactor {
  const compiled: PathPattern[] = patterns.map(parsePattern);
  const hit = (path: readonly Segment[]) => compiled.some((p) => matchesPattern(p, path));
  const covers = (path: readonly Segment[]) => {
    for (let n = 1; n <= path.length; n += 1) if (hit(path.slice(0, n))) return true;
    return false;
  };
  const walk = (value: Json, path: Segment[]): Json => {
    if (path.length > 0 && hit(path)) return REDACTED;
    if (Array.isArray(value)) return value.map((v, i) => walk(v, [...path, i]));
    if (value !== null && typeof value === 'object') {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value)) {
        const child = walk(v, [...path, k]);
        if (k === '__proto__') Object.defineProperty(out, k, { value: child, enumerable: true, writable: true, configurable: true });
        else out[k] = child;
      }
      return out;
    }
    return value;
  };
  return {
    active: compiled.length > 0,
    covers,
    value: compiled.length === 0 ? (v) => v : (v) => walk(v, []),
    valueAt: compiled.length === 0 ? (v) => v : (v, path) => (covers(path) ? REDACTED : walk(v, [...path])),
  };
}
