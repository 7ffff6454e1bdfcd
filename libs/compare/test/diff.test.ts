import equal from 'fast-deep-equal';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diff, type Difference, type Json } from '../src/index.ts';

const json: fc.Arbitrary<Json> = fc.jsonValue() as fc.Arbitrary<Json>;

function mirror(d: Difference): Difference {
  const kind = d.kind === 'added' ? 'removed' : d.kind === 'removed' ? 'added' : d.kind;
  const out: { path: string; kind: Difference['kind']; old?: Json; new?: Json } = { path: d.path, kind };
  if ('new' in d) out.old = d.new as Json;
  if ('old' in d) out.new = d.old as Json;
  return out;
}

describe('diff', () => {
  it('reports nothing for equal values, whatever the key order', () => {
    expect(diff({ a: 1, b: [1, { c: 'x' }] }, { b: [1, { c: 'x' }], a: 1 })).toEqual([]);
  });

  it('names the exact path of a changed, added, removed or retyped field', () => {
    const old = { id: 'o-1', customer: { id: 'c-1', tier: 'gold' }, items: [{ sku: 'a', qty: 1 }], note: 'x' };
    const now = { id: 'o-1', customer: { id: 'c-2', tier: 'gold', vip: true }, items: [{ sku: 'a', qty: '1' }, { sku: 'b', qty: 2 }] };
    expect(diff(old, now)).toEqual([
      { path: 'customer.id', kind: 'changed', old: 'c-1', new: 'c-2' },
      { path: 'customer.vip', kind: 'added', new: true },
      { path: 'items[0].qty', kind: 'type_changed', old: 1, new: '1' },
      { path: 'items[1]', kind: 'added', new: { sku: 'b', qty: 2 } },
      { path: 'note', kind: 'removed', old: 'x' },
    ]);
  });

  it('quotes keys that are not identifiers, and reports a change of the whole value at the root', () => {
    expect(diff({ 'a b': 1 }, { 'a b': 2 })).toEqual([{ path: '["a b"]', kind: 'changed', old: 1, new: 2 }]);
    expect(diff(1, 2)).toEqual([{ path: '', kind: 'changed', old: 1, new: 2 }]);
    expect(diff(null, {})).toEqual([{ path: '', kind: 'type_changed', old: null, new: {} }]);
  });

  it('compares payloads with fields named like Object methods (valueOf, toString, __proto__)', () => {
    const parse = (text: string) => JSON.parse(text) as Json;
    expect(diff(parse('{"valueOf":1,"toString":"a"}'), parse('{"valueOf":1,"toString":"a"}'))).toEqual([]);
    expect(diff(parse('{"toString":"a"}'), parse('{"toString":"b"}'))).toEqual([{ path: 'toString', kind: 'changed', old: 'a', new: 'b' }]);
    expect(diff(parse('{"__proto__":{"x":1}}'), parse('{"__proto__":{"x":2}}'))).toEqual([
      { path: '__proto__.x', kind: 'changed', old: 1, new: 2 },
    ]);
  });

  it('property: a value always matches itself', () => {
    fc.assert(fc.property(json, (v) => diff(v, structuredClone(v)).length === 0));
  });

  it('property: what one direction finds, the other finds mirrored', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const forward = diff(a, b).map(mirror);
        const backward = diff(b, a);
        const key = (d: Difference) => JSON.stringify([d.path, d.kind, d.old, d.new]);
        expect(new Set(forward.map(key))).toEqual(new Set(backward.map(key)));
      }),
    );
  });

  it('property: the diff walk never misses what the fast path saw differ', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        let same: boolean;
        try {
          same = equal(a, b);
        } catch {
          same = false; // fast-deep-equal throws on own keys named valueOf / toString
        }
        fc.pre(!same);
        expect(diff(a, b).length).toBeGreaterThan(0);
      }),
    );
  });
});
