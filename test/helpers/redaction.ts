import { matchesPattern, parsePattern, type Json, type Segment } from '@shadowdiff/compare';
import fc from 'fast-check';

// Random payload pairs for the redaction property tests of the joiner and the API.
export const MARK = 'S3CR3T';
export const PATTERNS = ['card.number', 'card', 'items[*].card.number', '**.number', 'a.b', 'items[1]', '*.x', 'items[*]', '**.card'];

const key = fc.constantFrom('a', 'b', 'card', 'number', 'items', 'x');
const leaf = fc.oneof(fc.integer({ min: -3, max: 3 }), fc.constantFrom('p', 'q', true, null));
export const { node: tree } = fc.letrec<{ node: Json; obj: Json; arr: Json }>((tie) => ({
  node: fc.oneof({ depthSize: 'small' }, leaf, tie('obj'), tie('arr')),
  obj: fc.dictionary(key, tie('node'), { maxKeys: 4 }) as fc.Arbitrary<Json>,
  arr: fc.array(tie('node'), { maxLength: 3 }) as fc.Arbitrary<Json>,
}));

const isObject = (v: Json): v is Record<string, Json> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** new from old: kept, replaced, nulled, retyped, or merged key by key / item by item (items dropped). */
export function derive(a: Json, b: Json, choices: readonly number[], at = { i: 0 }): Json {
  const c = choices[at.i++ % choices.length] as number;
  if (c === 0) return a;
  if (c === 1) return b;
  if (c === 2) return null;
  if (c === 3) return 'retyped';
  if (isObject(a)) {
    const out: Record<string, Json> = {};
    const other = isObject(b) ? b : {};
    for (const k of new Set([...Object.keys(a), ...Object.keys(other)])) {
      const pick = choices[at.i++ % choices.length] as number;
      if (pick === 0) continue; // removed
      if (!(k in a)) out[k] = other[k] as Json;
      else out[k] = derive(a[k] as Json, (other[k] ?? null) as Json, choices, at);
    }
    return out;
  }
  if (Array.isArray(a)) {
    const other = Array.isArray(b) ? b : [];
    const kept = c === 4 ? a.slice(1) : a; // an item removed at the front shifts the others
    return kept.map((v, i) => derive(v, (other[i] ?? null) as Json, choices, at));
  }
  return c === 4 ? b : a;
}

/** Every leaf at or under a redacted path becomes a unique marker (what must never be seen). */
export function plant(value: Json, patterns: readonly string[], side: string): Json {
  const compiled = patterns.map(parsePattern);
  let n = 0;
  const covered = (path: readonly Segment[]) => compiled.some((p) => path.some((_s, i) => matchesPattern(p, path.slice(0, i + 1))));
  const walk = (v: Json, path: Segment[], under: boolean): Json => {
    const hidden = under || (path.length > 0 && covered(path));
    if (Array.isArray(v)) return v.map((x, i) => walk(x, [...path, i], hidden));
    if (isObject(v)) return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, walk(x, [...path, k], hidden)]));
    return hidden ? `${MARK}-${side}-${n++}` : v;
  };
  return walk(value, [], false);
}

