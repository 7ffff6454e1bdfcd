import type { Json } from './difference.ts';
import { formatPath, type Segment } from './pattern.ts';

/**
 * How deep a payload may nest (objects and arrays inside each other) before it is refused at
 * decode: deeper values would exhaust the call stack of every recursive step after it (compare,
 * diff, redact, serialise). 128 is serde_json's default recursion limit; real payloads rarely pass
 * a dozen levels.
 */
export const DEFAULT_MAX_DEPTH = 128;

/** The most `maxDepth` may be set to: every step after decode is tested at this depth. */
export const MAX_MAX_DEPTH = 1000;

/**
 * Whether `value` nests deeper than `maxDepth` levels (a scalar is depth 0, `[]` and `{}` are 1).
 * The walk stops at the limit, so it never recurses deeper than `maxDepth` itself.
 */
export function exceedsDepth(value: unknown, maxDepth: number): boolean {
  if (value === null || typeof value !== 'object') return false;
  if (maxDepth <= 0) return true;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i += 1) if (exceedsDepth(value[i], maxDepth - 1)) return true;
    return false;
  }
  for (const key in value) if (exceedsDepth((value as Record<string, unknown>)[key], maxDepth - 1)) return true;
  return false;
}

function describe(value: unknown): string | null {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return null;
    case 'number':
      return Number.isFinite(value) ? null : `the number ${String(value)}`;
    case 'bigint':
      return 'a bigint';
    case 'undefined':
      return 'undefined';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    default:
      return null;
  }
}

/**
 * Why `value` is not a plain JSON value of at most `maxDepth` levels (a bigint, a function,
 * undefined, NaN, a Map or Date or other class instance, a cycle, too deep), naming the path; null
 * when it is one. For values that come from code the project does not control (a normaliser).
 */
export function jsonProblem(value: unknown, maxDepth: number): string | null {
  const path: Segment[] = [];
  const where = () => (path.length === 0 ? 'at the top' : `at ${formatPath(path)}`);
  const walk = (v: unknown, room: number): string | null => {
    if (v === null) return null;
    if (typeof v !== 'object') {
      const what = describe(v);
      return what === null ? null : `${what} ${where()}`;
    }
    if (room <= 0) return `nesting deeper than ${maxDepth} levels ${where()}`;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i += 1) {
        path.push(i);
        const problem = walk(v[i], room - 1);
        path.pop();
        if (problem !== null) return problem;
      }
      return null;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      const name = (v as { constructor?: { name?: unknown } }).constructor?.name;
      return `${typeof name === 'string' && name !== '' ? `a ${name}` : 'a class instance'} ${where()}`;
    }
    for (const key of Object.keys(v)) {
      path.push(key);
      const problem = walk((v as Record<string, unknown>)[key], room - 1);
      path.pop();
      if (problem !== null) return problem;
    }
    return null;
  };
  return walk(value, maxDepth);
}

/** `value` as Json once jsonProblem found nothing wrong with it. */
export function isJson(value: unknown, maxDepth: number): value is Json {
  return jsonProblem(value, maxDepth) === null;
}
