import { describe, expect, it } from 'vitest';
import { MAX_MAX_DEPTH, createComparator, createRedactor, exceedsDepth, jsonProblem, type Json } from '../src/index.ts';

const nest = (depth: number, leaf: Json = 1): Json => {
  let v: Json = leaf;
  for (let i = 0; i < depth; i += 1) v = i % 2 === 0 ? { a: v } : [v];
  return v;
};

describe('depth and JSON checks', () => {
  it('counts levels of objects and arrays: a scalar is 0, [] is 1', () => {
    expect(exceedsDepth(1, 0)).toBe(false);
    expect(exceedsDepth([], 0)).toBe(true);
    expect(exceedsDepth(nest(5), 5)).toBe(false);
    expect(exceedsDepth(nest(6), 5)).toBe(true);
  });

  it('walks no deeper than the limit: a value 100,000 deep is judged without exhausting the stack', () => {
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as Json;
    expect(exceedsDepth(deep, 128)).toBe(true);
    expect(jsonProblem(deep, 128)).toMatch(/^nesting deeper than 128 levels at \[0\]/);
  });

  it('names what is not JSON and where', () => {
    expect(jsonProblem({ a: [1, { b: 2n }] }, 10)).toBe('a bigint at a[1].b');
    expect(jsonProblem({ a: undefined }, 10)).toBe('undefined at a');
    expect(jsonProblem({ a: Number.NaN }, 10)).toBe('the number NaN at a');
    expect(jsonProblem(new Map(), 10)).toBe('a Map at the top');
    expect(jsonProblem({ when: new Date(0) }, 10)).toBe('a Date at when');
    expect(jsonProblem(Object.create(null), 10)).toBeNull();
    expect(jsonProblem({ a: [1, 'x', null, true, { b: {} }] }, 10)).toBeNull();
  });

  it('every step after decode takes a value at the highest maxDepth allowed: compare, diff, redact, serialise', () => {
    const a = nest(MAX_MAX_DEPTH, 1);
    const b = nest(MAX_MAX_DEPTH, 2);
    const comparator = createComparator({ rules: { ignore: ['**.z'], unordered: { '**': 'multiset' } }, redact: ['a.a'] });
    const differences = comparator.compare(a, b);
    expect(differences).toHaveLength(1);
    expect(differences[0]!.kind).toBe('changed');
    expect(() => JSON.stringify({ differences, value: createRedactor(['**.q']).value(a) })).not.toThrow();
  });
});
