import { describe, expect, it } from 'vitest';
import { createComparator, validateRules, type CompareRules, type Json } from '../src/index.ts';

const compare = (rules: CompareRules, a: Json, b: Json) => createComparator({ rules }).compare(a, b);

describe('comparison rules', () => {
  it('ignore: exact paths, positions with [*], and any depth with **', () => {
    const rules = { ignore: ['metadata.traceId', 'items[*].price', '**.updatedAt'] };
    const old = { metadata: { traceId: 't1', source: 'a' }, items: [{ sku: 'a', price: 1 }], customer: { updatedAt: 1 }, updatedAt: 5 };
    const now = { metadata: { traceId: 't2', source: 'a' }, items: [{ sku: 'a', price: 2 }], customer: { updatedAt: 2 }, updatedAt: 6 };
    expect(compare(rules, old, now)).toEqual([]);
    expect(compare(rules, old, { ...now, metadata: { traceId: 'x', source: 'b' } })).toEqual([
      { path: 'metadata.source', kind: 'changed', old: 'a', new: 'b' },
    ]);
  });

  it('tolerance: absolute and relative per path, the edge included', () => {
    const rules = { tolerance: { amount: { absolute: 0.01 }, fxRate: { relative: 1e-6 } } };
    expect(compare(rules, { amount: 10.0, fxRate: 1.2345 }, { amount: 10.01, fxRate: 1.2345012 })).toEqual([]);
    expect(compare(rules, { amount: 10.0 }, { amount: 10.011 })).toEqual([{ path: 'amount', kind: 'changed', old: 10, new: 10.011 }]);
    expect(compare(rules, { fxRate: 1.2345 }, { fxRate: 1.2346 })).toHaveLength(1);
    // other paths are exact
    expect(compare(rules, { other: 1 }, { other: 1.000001 })).toHaveLength(1);
  });

  it('unordered arrays keyed by a field: entries paired by key, paths name the key', () => {
    const rules: CompareRules = { unordered: { items: { by: 'sku' } } };
    const old = { items: [{ sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }, { sku: 'c', qty: 3 }] };
    const now = { items: [{ sku: 'c', qty: 3 }, { sku: 'a', qty: 1 }, { sku: 'b', qty: 2 }] };
    expect(compare(rules, old, now)).toEqual([]);
    expect(compare(rules, old, { items: [{ sku: 'c', qty: 4 }, { sku: 'a', qty: 1 }, { sku: 'd', qty: 2 }] })).toEqual([
      { path: 'items[sku="b"]', kind: 'removed', old: { sku: 'b', qty: 2 } },
      { path: 'items[sku="c"].qty', kind: 'changed', old: 3, new: 4 },
      { path: 'items[sku="d"]', kind: 'added', new: { sku: 'd', qty: 2 } },
    ]);
  });

  it('unordered arrays as multisets: order never matters, multiplicity does', () => {
    const rules: CompareRules = { unordered: { tags: 'multiset' } };
    expect(compare(rules, { tags: ['x', 'y', 'x'] }, { tags: ['y', 'x', 'x'] })).toEqual([]);
    expect(compare(rules, { tags: ['x', 'y', 'x'] }, { tags: ['y', 'y', 'x'] })).not.toEqual([]);
    expect(compare(rules, { tags: [{ a: 1, b: 2 }] }, { tags: [{ b: 2, a: 1 }] })).toEqual([]);
  });

  it('nullEqualsMissing: a null key equals an absent one, at any depth', () => {
    const rules = { nullEqualsMissing: true };
    expect(compare(rules, { a: 1, b: null, c: { d: null } }, { a: 1, c: {} })).toEqual([]);
    expect(compare({}, { a: 1, b: null }, { a: 1 })).toEqual([{ path: 'b', kind: 'removed', old: null }]);
  });

  it('string normalisation per path: trim and case', () => {
    const rules: CompareRules = { strings: { 'customer.email': { trim: true, case: 'insensitive' } } };
    expect(compare(rules, { customer: { email: ' A@B.com' } }, { customer: { email: 'a@b.COM ' } })).toEqual([]);
    expect(compare(rules, { name: 'A' }, { name: 'a' })).toHaveLength(1);
  });

  it('timestamps equal within a tolerance, ISO strings or epoch numbers alike', () => {
    const rules: CompareRules = {
      timestamps: { createdAt: { toleranceMs: 1000 }, 'events[*].at': { toleranceMs: 0, epochUnit: 's' } },
    };
    const iso = '2024-05-01T10:00:00.000Z';
    const ms = Date.parse(iso);
    expect(compare(rules, { createdAt: iso }, { createdAt: ms + 1000 })).toEqual([]);
    expect(compare(rules, { createdAt: iso }, { createdAt: '2024-05-01T12:00:00.500+02:00' })).toEqual([]);
    expect(compare(rules, { createdAt: iso }, { createdAt: ms + 1001 })).toEqual([
      { path: 'createdAt', kind: 'type_changed', old: iso, new: ms + 1001 },
    ]);
    expect(compare(rules, { events: [{ at: ms / 1000 }] }, { events: [{ at: iso }] })).toEqual([]);
    // Without an offset, UTC: the same on every host whatever its time zone.
    expect(compare(rules, { createdAt: iso }, { createdAt: '2024-05-01T10:00:00.400' })).toEqual([]);
  });

  it('rename: old paths compared under their new names', () => {
    const rules: CompareRules = { rename: { customer_id: 'customerId', 'meta.src': 'source.name' } };
    expect(compare(rules, { customer_id: 'c1', meta: { src: 'x' } }, { customerId: 'c1', meta: {}, source: { name: 'x' } })).toEqual([]);
    expect(compare(rules, { customer_id: 'c1' }, { customerId: 'c2' })).toEqual([
      { path: 'customerId', kind: 'changed', old: 'c1', new: 'c2' },
    ]);
  });

  it('per-side normalisers run first, for what rules cannot express', () => {
    const comparator = createComparator({
      normalizers: { old: (v) => ({ ...(v as object), amount: Number((v as { amount: string }).amount) }) },
    });
    expect(comparator.compare({ amount: '12.50' }, { amount: 12.5 })).toEqual([]);
  });

  it('refuses bad rules with a reason', () => {
    expect(() => validateRules({ ignore: ['a..b'] })).toThrow(/not a path pattern/);
    expect(() => validateRules({ rename: { 'items[*].x': 'y' } })).toThrow(/must name keys only/);
  });
});
