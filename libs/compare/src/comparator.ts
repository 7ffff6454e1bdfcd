import equal from 'fast-deep-equal';
import type { Difference, Json } from './difference.ts';
import { parseInstant } from './change-class.ts';
import { IGNORED, applyRenames, entryKey, normalize } from './normalize.ts';
import { formatPath, type Segment } from './pattern.ts';
import { createRedactor, withRenamedPatterns } from './redact.ts';
import { CompiledRules, type CompareRules, type Normalizer } from './rules.ts';

export interface Comparator {
  /** Differences between the old and the new value under the rules; empty when they match. */
  compare(oldValue: Json, newValue: Json): readonly Difference[];
}

export interface ComparatorOptions {
  readonly rules?: CompareRules;
  /** Paths whose values never appear in a difference (shown as "***"); they are still compared. */
  readonly redact?: readonly string[];
  /** Per-side normalisers, applied first, before the rules. */
  readonly normalizers?: { readonly old?: Normalizer; readonly new?: Normalizer };
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

type JsonType = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

function typeOf(value: Json): JsonType {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value as JsonType;
}

/** Numbers within tolerance. The edge counts as equal, with a few ulps of slack for binary rounding. */
export function withinTolerance(a: number, b: number, absolute: number, relative: number): boolean {
  const delta = Math.abs(a - b);
  const magnitude = Math.max(Math.abs(a), Math.abs(b));
  const allowed = Math.max(absolute, relative * magnitude);
  return delta <= allowed + 2 * Number.EPSILON * Math.max(magnitude, allowed);
}

function toMillis(value: Json, epochScale: number): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value * epochScale : undefined;
  if (typeof value !== 'string') return undefined;
  if (/^-?\d+(\.\d+)?$/.test(value)) return Number(value) * epochScale;
  const parsed = parseInstant(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

export function createComparator({ rules = {}, normalizers = {}, redact = [] }: ComparatorOptions = {}): Comparator {
  const compiled = new CompiledRules(rules);
  const redactor = createRedactor(withRenamedPatterns(redact, rules.rename ?? {}));
  /**
   * A difference, its values masked wherever a redacted path lies: at the difference's path or
   * above it ("***" whole), or inside its values (a removed, nulled or retyped parent, an array
   * item that held the field).
   */
  const difference = (path: readonly Segment[], kind: Difference['kind'], values: { old?: Json; new?: Json }): Difference => {
    const out: { path: string; kind: Difference['kind']; old?: Json; new?: Json } = { path: formatPath(path), kind };
    if ('old' in values) out.old = redactor.valueAt(values.old as Json, path);
    if ('new' in values) out.new = redactor.valueAt(values.new as Json, path);
    return out;
  };

  function prepare(value: Json, side: 'old' | 'new'): Json {
    const own = normalizers[side];
    let v = own ? own(value) : value;
    if (side === 'old' && compiled.renames.length > 0) v = applyRenames(v, compiled.renames);
    return compiled.normalises ? (normalize(v, compiled) ?? null) : v;
  }

  function leafEqual(a: Json, b: Json, path: readonly Segment[]): boolean {
    if (a === b) return true;
    const tolerance = typeof a === 'number' && typeof b === 'number' ? compiled.toleranceAt(path) : undefined;
    if (tolerance) return withinTolerance(a as number, b as number, tolerance.absolute, tolerance.relative);
    const timestamp = compiled.timestampAt(path);
    if (timestamp) {
      const ta = toMillis(a, timestamp.epochScale);
      const tb = toMillis(b, timestamp.epochScale);
      if (ta !== undefined && tb !== undefined) return Math.abs(ta - tb) <= timestamp.toleranceMs;
    }
    return Number.isNaN(a) && Number.isNaN(b);
  }

  function walk(a: Json, b: Json, path: Segment[], out: Difference[]): void {
    if (a === IGNORED || b === IGNORED) return;
    const ta = typeOf(a);
    const tb = typeOf(b);
    if (ta !== tb) {
      if (!leafEqual(a, b, path)) out.push(difference(path, 'type_changed', { old: a, new: b }));
      return;
    }
    if (ta === 'array') {
      const unordered = compiled.unorderedAt(path);
      if (unordered !== undefined && unordered !== 'multiset' && walkKeyed(a as Json[], b as Json[], unordered.by, path, out)) return;
      const left = a as Json[];
      const right = b as Json[];
      const shared = Math.min(left.length, right.length);
      for (let i = 0; i < shared; i += 1) {
        path.push(i);
        walk(left[i] as Json, right[i] as Json, path, out);
        path.pop();
      }
      for (let i = shared; i < left.length; i += 1) {
        if (left[i] !== IGNORED) out.push(difference([...path, i], 'removed', { old: left[i] as Json }));
      }
      for (let i = shared; i < right.length; i += 1) {
        if (right[i] !== IGNORED) out.push(difference([...path, i], 'added', { new: right[i] as Json }));
      }
      return;
    }
    if (ta === 'object') {
      const left = a as Record<string, Json>;
      const right = b as Record<string, Json>;
      for (const key of Object.keys(left)) {
        path.push(key);
        if (Object.hasOwn(right, key)) walk(left[key] as Json, right[key] as Json, path, out);
        else out.push(difference(path, 'removed', { old: left[key] as Json }));
        path.pop();
      }
      for (const key of Object.keys(right)) {
        if (!Object.hasOwn(left, key)) out.push(difference([...path, key], 'added', { new: right[key] as Json }));
      }
      return;
    }
    if (!leafEqual(a, b, path)) out.push(difference(path, 'changed', { old: a, new: b }));
  }

  /** Pairs entries of an unordered array by their key field; false when keys are missing or repeated. */
  function walkKeyed(left: Json[], right: Json[], by: string, path: Segment[], out: Difference[]): boolean {
    const index = (items: Json[]) => {
      const map = new Map<string, Json>();
      for (const item of items) {
        const key = entryKey(item, by);
        if (key === undefined || map.has(key)) return undefined;
        map.set(key, item);
      }
      return map;
    };
    const l = index(left);
    const r = index(right);
    if (!l || !r) return false;
    for (const [key, item] of l) {
      const segment = { by, key };
      if (r.has(key)) {
        path.push(segment);
        walk(item, r.get(key) as Json, path, out);
        path.pop();
      } else out.push(difference([...path, segment], 'removed', { old: item }));
    }
    for (const [key, item] of r) if (!l.has(key)) out.push(difference([...path, { by, key }], 'added', { new: item }));
    return true;
  }

  return {
    compare(oldValue, newValue) {
      const a = prepare(oldValue, 'old');
      const b = prepare(newValue, 'new');
      if (fastEqual(a, b)) return NO_DIFFERENCES;
      const out: Difference[] = [];
      walk(a, b, [], out);
      return out.length === 0 ? NO_DIFFERENCES : out;
    },
  };
}

const plain = createComparator();

/** Structural comparison without rules (see createComparator). */
export function diff(oldValue: Json, newValue: Json): readonly Difference[] {
  return plain.compare(oldValue, newValue);
}
