import type { Json } from './difference.ts';
import type { Segment } from './pattern.ts';
import type { CompiledRules } from './rules.ts';

type JsonObject = { [key: string]: Json };

/**
 * Stands in for an ignored array element, so that ignoring a position does not shift the ones
 * after it; it equals anything (see comparator.ts).
 */
export const IGNORED = Symbol('ignored') as unknown as Json;

function isObject(value: Json | undefined): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Moves each renamed path of the old value to its new name; copies only what it changes. */
export function applyRenames(value: Json, renames: CompiledRules['renames']): Json {
  let root = value;
  for (const { from, to } of renames) {
    const found = take(root, from, 0);
    if (!found) continue;
    root = put(found.rest, to, 0, found.value);
  }
  return root;
}

function take(value: Json, path: readonly string[], i: number): { value: Json; rest: Json } | undefined {
  if (!isObject(value)) return undefined;
  const key = path[i] as string;
  if (!Object.hasOwn(value, key)) return undefined;
  if (i === path.length - 1) {
    const { [key]: taken, ...rest } = value;
    return { value: taken as Json, rest };
  }
  const inner = take(value[key] as Json, path, i + 1);
  return inner && { value: inner.value, rest: { ...value, [key]: inner.rest } };
}

function put(value: Json, path: readonly string[], i: number, leaf: Json): Json {
  const base: JsonObject = isObject(value) ? value : {};
  const key = path[i] as string;
  if (i === path.length - 1) return { ...base, [key]: leaf };
  return { ...base, [key]: put(base[key] ?? {}, path, i + 1, leaf) };
}

/** A canonical text of a value, independent of object key order: the multiset sort key. */
export function canonical(value: Json): string {
  if (value === IGNORED) return '\u0000';
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (isObject(value)) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${canonical(value[k] as Json)}`)
      .join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The key of an entry of a keyed unordered array, or undefined when it has none usable. */
export function entryKey(value: Json, by: string): string | undefined {
  if (!isObject(value)) return undefined;
  const key = value[by];
  return typeof key === 'string' || typeof key === 'number' ? String(key) : undefined;
}

/**
 * Applies the rules that change values before the equality check: ignored paths are dropped,
 * null-valued keys dropped when null equals missing, strings trimmed or lower-cased, unordered
 * arrays sorted (by key field, or canonically for multisets). Returns undefined for an ignored root.
 */
export function normalize(value: Json, rules: CompiledRules, path: Segment[] = []): Json | undefined {
  if (path.length > 0 && rules.isIgnored(path)) return undefined;
  if (typeof value === 'string') {
    const rule = rules.stringsAt(path);
    if (!rule) return value;
    const trimmed = rule.trim ? value.trim() : value;
    return rule.lower ? trimmed.toLowerCase() : trimmed;
  }
  if (Array.isArray(value)) {
    const out: Json[] = [];
    for (let i = 0; i < value.length; i += 1) {
      path.push(i);
      const child = normalize(value[i] as Json, rules, path);
      path.pop();
      out.push(child === undefined ? IGNORED : child);
    }
    const unordered = rules.unorderedAt(path);
    if (unordered === undefined) return out;
    if (unordered !== 'multiset') {
      const keys = out.map((v) => entryKey(v, unordered.by));
      if (keys.every((k) => k !== undefined)) {
        const order = out.map((v, i) => [keys[i] as string, v] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        return order.map(([, v]) => v);
      }
    }
    const keyed = out.map((v) => [canonical(v), v] as const).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return keyed.map(([, v]) => v);
  }
  if (isObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value)) {
      const raw = value[key] as Json;
      if (rules.nullEqualsMissing && raw === null) continue;
      path.push(key);
      const child = normalize(raw, rules, path);
      path.pop();
      if (child === undefined || (rules.nullEqualsMissing && child === null)) continue;
      // A key named __proto__ must stay an ordinary key: assignment would set the prototype.
      if (key === '__proto__') Object.defineProperty(out, key, { value: child, enumerable: true, writable: true, configurable: true });
      else out[key] = child;
    }
    return out;
  }
  return value;
}
