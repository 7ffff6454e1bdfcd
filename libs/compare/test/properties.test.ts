import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createComparator, matchesPattern, parsePattern, type CompareRules, type Difference, type Json, type Segment } from '../src/index.ts';

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;

const RULES: CompareRules = {
  ignore: ['**.updatedAt', 'meta.*'],
  tolerance: { '**.amount': { absolute: 0.01 } },
  unordered: { items: { by: 'sku' }, tags: 'multiset' },
  nullEqualsMissing: true,
  strings: { '**.email': { trim: true, case: 'insensitive' } },
  timestamps: { '**.at': { toleranceMs: 1000 } },
};

function mirror(d: Difference): string {
  const kind = d.kind === 'added' ? 'removed' : d.kind === 'removed' ? 'added' : d.kind;
  return JSON.stringify([d.path, kind, d.new, d.old]);
}
const key = (d: Difference) => JSON.stringify([d.path, d.kind, d.old, d.new]);

/** Every concrete path in a value, as segments. */
function pathsOf(value: Json, prefix: Segment[] = []): Segment[][] {
  const out: Segment[][] = [prefix];
  if (Array.isArray(value)) value.forEach((v, i) => out.push(...pathsOf(v, [...prefix, i])));
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) out.push(...pathsOf(v, [...prefix, k]));
  return out;
}

/** A pattern that matches `path` exactly, with some segments generalised. */
function patternFor(path: Segment[], wild: boolean[]): string {
  return path
    .map((s, i) => {
      if (typeof s === 'number') return wild[i] ? '[*]' : `[${s}]`;
      const name = wild[i] ? '*' : String(s);
      return i === 0 ? name : `.${name}`;
    })
    .join('');
}

describe('comparison properties', () => {
  it('a value always matches itself, under any of the rules', () => {
    const comparator = createComparator({ rules: RULES });
    fc.assert(fc.property(json, (v) => comparator.compare(v, structuredClone(v)).length === 0));
  });

  it('a difference found in one direction is found, mirrored, in the other', () => {
    const comparator = createComparator({ rules: RULES });
    fc.assert(
      fc.property(json, json, (a, b) => {
        const forward = new Set(comparator.compare(a, b).map(mirror));
        const backward = new Set(comparator.compare(b, a).map(key));
        expect(forward).toEqual(backward);
      }),
    );
  });

  it('an ignored path never appears in a diff, nor anything under it', () => {
    const plainKeys = (s: Segment) => typeof s !== 'string' || /^[A-Za-z_$][\w$]*$/.test(s);
    fc.assert(
      fc.property(
        json,
        json,
        fc.nat(),
        fc.array(fc.boolean(), { maxLength: 8 }),
        (a, b, pick, wild) => {
          const candidates = [...pathsOf(a), ...pathsOf(b)].filter((p) => p.length > 0 && p.every(plainKeys));
          fc.pre(candidates.length > 0);
          const chosen = candidates[pick % candidates.length] as Segment[];
          const pattern = patternFor(chosen, wild);
          const compiled = parsePattern(pattern);
          const differences = createComparator({ rules: { ignore: [pattern] } }).compare(a, b);
          for (const d of differences) {
            const segments = pathsOf(a)
              .concat(pathsOf(b))
              .find((p) => formatSegments(p) === d.path);
            if (!segments) continue;
            for (let n = 1; n <= segments.length; n += 1) expect(matchesPattern(compiled, segments.slice(0, n))).toBe(false);
          }
        },
      ),
    );
  });

  it('a tolerance holds exactly at its edge, and not beyond it', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e9, max: 1e9, noNaN: true }),
        fc.double({ min: 1e-6, max: 1e3, noNaN: true }),
        (a, tolerance) => {
          const comparator = createComparator({ rules: { tolerance: { x: { absolute: tolerance } } } });
          expect(comparator.compare({ x: a }, { x: a + tolerance })).toEqual([]);
          expect(comparator.compare({ x: a }, { x: a - tolerance })).toEqual([]);
          const beyond = a + tolerance * 1.5;
          fc.pre(Math.abs(beyond - a) > tolerance * 1.25);
          expect(comparator.compare({ x: a }, { x: beyond })).toHaveLength(1);
        },
      ),
    );
    fc.assert(
      fc.property(fc.double({ min: 1e-3, max: 1e9, noNaN: true }), fc.double({ min: 1e-9, max: 0.1, noNaN: true }), (a, relative) => {
        const comparator = createComparator({ rules: { tolerance: { x: { relative } } } });
        expect(comparator.compare({ x: a }, { x: a * (1 + relative) })).toEqual([]);
      }),
    );
  });

  it('unordered comparison does not depend on order', () => {
    const item = fc.record({ sku: fc.string(), qty: fc.integer(), note: fc.option(fc.string()) });
    const items = fc.uniqueArray(item, { selector: (i) => i.sku, maxLength: 8 });
    const comparator = createComparator({ rules: RULES });
    fc.assert(
      fc.property(items, fc.array(json, { maxLength: 6 }), fc.nat(), (list, tags, seed) => {
        const shuffle = <T>(xs: T[]) => xs.map((x, i) => [((i + 1) * (seed + 7919)) % 104729, x] as const).sort(([p], [q]) => p - q).map(([, x]) => x);
        const a = { items: list, tags } as unknown as Json;
        const b = { items: shuffle(list), tags: shuffle(tags) } as unknown as Json;
        expect(comparator.compare(a, b)).toEqual([]);
      }),
    );
  });
});

function formatSegments(path: Segment[]): string {
  return path.map((s, i) => (typeof s === 'number' ? `[${s}]` : i === 0 ? String(s) : `.${String(s)}`)).join('');
}
