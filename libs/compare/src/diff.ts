import equal from 'fast-deep-equal';
import type { Difference, Json } from './difference.ts';
import { childPath, indexPath } from './path.ts';

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function typeOf(value: Json): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/**
 * Structural comparison of two decoded payloads. Equal inputs take the fast path (one
 * fast-deep-equal pass, no diff built) and return an empty list shared by all callers.
 * Differences come out in a stable order: depth first, object keys in old's order then new-only
 * keys in new's order, array indices ascending.
 */
export function diff(oldValue: Json, newValue: Json): readonly Difference[] {
  if (fastEqual(oldValue, newValue)) return NO_DIFFERENCES;
  const out: Difference[] = [];
  walk(oldValue, newValue, '', out);
  return out;
}

const NO_DIFFERENCES: readonly Difference[] = Object.freeze([]);

/**
 * fast-deep-equal calls `valueOf()` / `toString()` when an object's own property shadows them, so a
 * payload with a field named `valueOf` or `toString` (JSON.parse makes them own properties) throws.
 * Such values take the walk, which treats every key alike.
 */
function fastEqual(a: Json, b: Json): boolean {
  try {
    return equal(a, b);
  } catch {
    return false;
  }
}

function walk(a: Json, b: Json, path: string, out: Difference[]): void {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) {
    out.push({ path, kind: 'type_changed', old: a, new: b });
    return;
  }
  if (ta === 'array') {
    const left = a as Json[];
    const right = b as Json[];
    const shared = Math.min(left.length, right.length);
    for (let i = 0; i < shared; i += 1) walk(left[i] as Json, right[i] as Json, indexPath(path, i), out);
    for (let i = shared; i < left.length; i += 1) out.push({ path: indexPath(path, i), kind: 'removed', old: left[i] as Json });
    for (let i = shared; i < right.length; i += 1) out.push({ path: indexPath(path, i), kind: 'added', new: right[i] as Json });
    return;
  }
  if (ta === 'object') {
    const left = a as Record<string, Json>;
    const right = b as Record<string, Json>;
    for (const key of Object.keys(left)) {
      const child = childPath(path, key);
      if (Object.hasOwn(right, key)) walk(left[key] as Json, right[key] as Json, child, out);
      else out.push({ path: child, kind: 'removed', old: left[key] as Json });
    }
    for (const key of Object.keys(right)) {
      if (!Object.hasOwn(left, key)) out.push({ path: childPath(path, key), kind: 'added', new: right[key] as Json });
    }
    return;
  }
  if (a !== b && !(Number.isNaN(a) && Number.isNaN(b))) out.push({ path, kind: 'changed', old: a, new: b });
}
