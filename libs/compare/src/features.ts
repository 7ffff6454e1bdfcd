import type { Json } from './difference.ts';
import { formatPath } from './pattern.ts';

/**
 * The features of one record that a likely cause is looked for among: the values of its top-level
 * and second-level scalar fields, the length of its arrays at those levels, and for short texts
 * their last one and two characters (a bug that strikes ids ending in 77, or one shard's keys, shows
 * there). Bounded: at most MAX_FEATURES features (the first fields in key order), names and texts
 * of at most MAX_TEXT characters.
 *
 * A feature is a name (`lines.length`, `loyalty.tier`, `orderId[-2:]`) and its value as JSON text.
 */
export type Features = Record<string, string>;

export const MAX_FEATURES = 48;
/** Longest text value, and longest field name, a feature is made of (both come from the traffic). */
const MAX_TEXT = 64;
const MAX_DEPTH = 2;

function isObject(v: Json): v is { [key: string]: Json } {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

export function featuresOf(value: Json): Features {
  // No prototype: a field named "__proto__" is a feature like any other, not the object's prototype.
  const out = Object.create(null) as Features;
  let count = 0;
  const put = (name: string, v: string | number | boolean | null) => {
    if (count >= MAX_FEATURES) return;
    out[name] = JSON.stringify(v);
    count += 1;
  };
  const visit = (object: { [key: string]: Json }, path: string[]) => {
    for (const key of Object.keys(object).sort()) {
      if (count >= MAX_FEATURES) return;
      const v = object[key] as Json;
      if (key.length > MAX_TEXT) continue;
      const name = formatPath([...path, key]);
      if (Array.isArray(v)) put(`${name}.length`, v.length);
      else if (isObject(v)) {
        if (path.length + 1 < MAX_DEPTH) visit(v, [...path, key]);
      } else if (typeof v === 'string') {
        if (v.length > MAX_TEXT) continue;
        put(name, v);
        if (v.length > 2) {
          put(`${name}[-2:]`, v.slice(-2));
          put(`${name}[-1:]`, v.slice(-1));
        }
      } else if (typeof v === 'number' && !Number.isFinite(v)) continue;
      else put(name, v);
    }
  };
  if (isObject(value)) visit(value, []);
  return out;
}

/** A readable statement of a feature: `lines.length = 3`, `orderId ends with "77"`. */
export function describeFeature(name: string, value: string): string {
  const suffix = /^(.*)\[-(\d):\]$/.exec(name);
  if (suffix) return `${suffix[1]} ends with ${value}`;
  return `${name} = ${value}`;
}
