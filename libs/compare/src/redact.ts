import type { Json } from './difference.ts';
import { matchesPattern, parsePattern, type PathPattern, type Segment } from './pattern.ts';

export const REDACTED = '***';

export interface Redactor {
  /** Whether the value at `path` (or an ancestor of it) is redacted. */
  covers(path: readonly Segment[]): boolean;
  /** A copy of `value` with every redacted path replaced by "***". */
  value(value: Json): Json;
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
  return { covers, value: compiled.length === 0 ? (v) => v : (v) => walk(v, []) };
}
