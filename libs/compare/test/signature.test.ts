import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { changeClassOf, diff, featuresOf, signatureOf, type Json } from '../src/index.ts';

const json = fc.jsonValue({ maxDepth: 4 }) as fc.Arbitrary<Json>;
const NOW = Date.parse('2026-12-04T12:00:00Z');

function mismatch(old: Json, value: Json) {
  return { verdict: 'mismatch', decidedAt: NOW, old: { value: old }, new: { value }, differences: diff(old, value) };
}
const ids = (atoms: readonly { id: string }[]) => atoms.map((a) => a.id);
const shown = (atoms: readonly { path: string; kind: string; change: string }[]) => atoms.map((a) => `${a.kind} ${a.path} ${a.change}`).sort();

/** The same value with every object's keys in another order (seeded by `seed`). */
function shuffleKeys(value: Json, seed: number): Json {
  if (Array.isArray(value)) return value.map((v, i) => shuffleKeys(v, seed + i));
  if (value === null || typeof value !== 'object') return value;
  const keys = Object.keys(value);
  const order = keys.map((k, i) => [k, (i * 7919 + seed * 104729) % 1009] as const).sort((a, b) => a[1] - b[1]);
  const out: { [k: string]: Json } = {};
  // defineProperty, as JSON.parse does: an assignment to "__proto__" would set the prototype instead of a key.
  for (const [k] of order) Object.defineProperty(out, k, { value: shuffleKeys(value[k] as Json, seed + 1), enumerable: true, writable: true, configurable: true });
  return out;
}

describe('change classes', () => {
  const cases: [string, Json, Json, string][] = [
    ['float noise', 12.3, 12.300000000000001, 'float_noise'],
    ['a factor of 100 (units to cents)', 12.5, 1250, 'factor:100'],
    ['a factor of 1/1000 (ms to s)', 1500, 1.5, 'factor:0.001'],
    ['a halving', 240, 120, 'factor:0.5'],
    ['rounding at 2 places', 2.456, 2.46, 'rounded:2'],
    ['rounding at 2 places that shows fewer', 11.998, 12, 'rounded:2'],
    ['rounding at 2 places that shows one', 12.298, 12.3, 'rounded:2'],
    ['epoch seconds with fractions 0.3 s apart (stamps, not float noise)', NOW / 1000 - 0.333, NOW / 1000, 'timestamp:s'],
    ['rounding to whole numbers', 7.4, 7, 'rounded:0'],
    ['a sign flip', 42.5, -42.5, 'sign'],
    ['an off-by-one', 41, 42, 'offset:1'],
    ['an unrelated number', 41, 97.31, 'other'],
    ['two random fractions', 0.8120938475621, 0.1290384756102, 'random'],
    ['two computed fractions of 8 places (not random)', 0.12345678, 0.87654321, 'other'],
    ['two large integers one apart (an id, not float noise)', 1234567890123, 1234567890124, 'offset:1'],
    ['two epoch milliseconds 1.5 s apart', NOW - 1500, NOW, 'timestamp'],
    ['two epoch seconds 1 s apart', NOW / 1000 - 1, NOW / 1000, 'timestamp:s'],
    ['processing timestamps two hours apart (a time-zone slip, not noise)', '2026-12-04T09:59:59.120Z', '2026-12-04T11:59:59.120Z', 'date_changed'],
    ['a counter\'s next id (not generated)', 'ORD-2024-0000000123', 'ORD-2024-0000000124', 'other'],
    ['an id with a prefix added (not generated)', 'abc123def456ghi789', 'X-abc123def456ghi789', 'prefix_added'],
    ['two random tokens', 'k3J9xQ2vLm8Pz4Rt', 'a7Bn5Wc1Yd6Fe0Hg', 'generated_id'],
    ['a time without a zone against the same in UTC (read as UTC)', '2026-12-04T12:00:00', '2026-12-04T12:00:00Z', 'date_format'],
    ['case only', 'Gold', 'GOLD', 'case'],
    ['whitespace only', 'a  b ', 'a b', 'whitespace'],
    ['a prefix added', '1234', 'cus-1234', 'prefix_added'],
    ['a suffix removed', 'abc-x', 'abc', 'suffix_removed'],
    ['the same instant written otherwise', '2026-12-04T12:00:00Z', '2026-12-04T13:00:00+01:00', 'date_format'],
    ['two UUIDs', '8c0f6c2e-3f7a-4f0e-9a57-1c2d3e4f5a6b', '0d5e8f9a-1b2c-4d3e-8f4a-5b6c7d8e9f0a', 'generated_id'],
    ['two timestamps stamped while processing', '2026-12-04T11:59:59.120Z', '2026-12-04T11:59:59.180Z', 'timestamp'],
    ['a date that moved', '2020-01-01', '2020-01-02', 'date_changed'],
  ];
  for (const [what, a, b, expected] of cases) {
    it(`${what}: ${expected}`, () => expect(changeClassOf('changed', a, b, NOW)).toBe(expected));
  }
  it('a number against the same number as text', () => expect(changeClassOf('type_changed', 42, '42', NOW)).toBe('number_vs_string'));
  it('an epoch against the same instant as text', () => expect(changeClassOf('type_changed', NOW, new Date(NOW).toISOString(), NOW)).toBe('date_format'));
  it('a date text against epoch seconds near it: stamps in seconds', () => expect(changeClassOf('type_changed', new Date(NOW - 2000).toISOString(), NOW / 1000, NOW)).toBe('timestamp:s'));
  it('null against missing', () => expect(changeClassOf('removed', null, undefined, NOW)).toBe('null_vs_missing'));
});

describe('signatures', () => {
  it('a match has none; a record without a partner has its kind', () => {
    expect(signatureOf({ verdict: 'match', old: { value: 1 }, new: { value: 1 }, differences: [] })).toEqual([]);
    expect(shown(signatureOf({ verdict: 'missing_new', old: { value: { a: 1 } }, new: null, differences: [] }))).toEqual(['missing_new  ']);
  });

  it('generalises array positions: one bug at any line is one atom', () => {
    const a = { lines: [{ amount: 1 }, { amount: 2 }, { amount: 3 }] };
    const b = { lines: [{ amount: 100 }, { amount: 2 }, { amount: 300 }] };
    expect(shown(signatureOf(mismatch(a, b)))).toEqual(['changed lines[*].amount factor:100']);
  });

  it('sees an array reordered, a field renamed and an array grown', () => {
    const a = { tags: ['x', 'y', 'z'], customer_id: 'c-1', items: [1] };
    const b = { tags: ['z', 'x', 'y'], customerId: 'c-1', items: [1, 2] };
    expect(shown(signatureOf(mismatch(a, b)))).toEqual(['added items[*] array_length', 'renamed customer_id to:customerId', 'reordered tags order_only']);
  });

  it('keeps the widest timestamp distance as the measure', () => {
    const a = { at: '2026-12-04T11:59:59.100Z', list: [{ at: '2026-12-04T11:59:59.000Z' }] };
    const b = { at: '2026-12-04T11:59:59.150Z', list: [{ at: '2026-12-04T11:59:59.900Z' }] };
    const atoms = signatureOf(mismatch(a, b));
    expect(atoms.map((x) => [x.path, x.measure])).toEqual(expect.arrayContaining([['at', 50], ['list[*].at', 900]]));
  });

  it('a map keyed by ids is one path, and a mismatch with nothing left to class is still one atom', () => {
    const a = { byId: { '8c0f6c2e-3f7a-4f0e-9a57-1c2d3e4f5a6b': { price: 1 }, '123456': { price: 2 } } };
    const b = { byId: { '8c0f6c2e-3f7a-4f0e-9a57-1c2d3e4f5a6b': { price: 100 }, '123456': { price: 200 } } };
    expect(shown(signatureOf(mismatch(a, b)))).toEqual(['changed byId.*.price factor:100']);
    expect(shown(signatureOf({ verdict: 'mismatch', old: null, new: null, differences: [] }))).toEqual(['mismatch  hidden']);
  });

  it('values redacted or cut are classed hidden, never as a case change', () => {
    const atoms = signatureOf({ verdict: 'mismatch', old: null, new: null, differences: [{ path: 'card', kind: 'changed', old: '***', new: '***' }] });
    expect(shown(atoms)).toEqual(['changed card hidden']);
  });

  it('bounds the atoms of a verdict that differs everywhere', () => {
    const a = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, i]));
    const b = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`f${i}`, `v${i}x`]));
    const atoms = signatureOf(mismatch(a, b));
    expect(atoms).toHaveLength(16);
    expect(atoms.some((x) => x.path === '_more')).toBe(true);
  });
});

describe('signature properties', () => {
  it('does not depend on the order of object keys', () => {
    // Seen once with a "__proto__" key: a key like any other.
    expect(ids(signatureOf(mismatch(shuffleKeys({}, 0), shuffleKeys(JSON.parse('{"__proto__":""}') as Json, 85))))).toEqual(ids(signatureOf(mismatch({}, JSON.parse('{"__proto__":""}') as Json))));
    fc.assert(
      fc.property(json, json, fc.nat(1000), (a, b, seed) => {
        expect(ids(signatureOf(mismatch(shuffleKeys(a, seed), shuffleKeys(b, seed + 3))))).toEqual(ids(signatureOf(mismatch(a, b))));
      }),
    );
  });

  it('does not depend on the order of the differences', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        const input = mismatch(a, b);
        expect(ids(signatureOf({ ...input, differences: [...input.differences].reverse() }))).toEqual(ids(signatureOf(input)));
      }),
    );
  });

  it('does not depend on which positions of an array a bug struck, nor on how many', () => {
    const line = fc.record({ sku: fc.string({ maxLength: 4 }), amount: fc.integer({ min: 1, max: 100_000 }) });
    fc.assert(
      fc.property(fc.array(line, { minLength: 1, maxLength: 12 }), fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }), (lines, struck) => {
        const hit = lines.map((_, i) => struck[i] === true);
        if (!hit.includes(true)) hit[0] = true;
        const old = { lines };
        const value = { lines: lines.map((l, i) => (hit[i] ? { ...l, amount: l.amount * 100 } : l)) };
        expect(shown(signatureOf(mismatch(old, value)))).toEqual(['changed lines[*].amount factor:100']);
      }),
    );
  });

  it('is the same whichever side was read first: symmetric changes give one signature both ways', () => {
    const word = fc.stringMatching(/^[a-z]{1,12}$/);
    fc.assert(
      fc.property(word, fc.array(fc.integer(), { minLength: 2, maxLength: 6 }), fc.double({ min: 1, max: 1e6, noNaN: true }), (w, xs, x) => {
        const sorted = [...xs].sort((p, q) => p - q);
        const reversed = [...sorted].reverse();
        const a = { name: w, tags: sorted, amount: x };
        const b = { name: w.toUpperCase(), tags: reversed, amount: x * (1 + 1e-12) };
        expect(ids(signatureOf(mismatch(b, a)))).toEqual(ids(signatureOf(mismatch(a, b))));
      }),
    );
  });

  it('survives the verdict being written as JSON and read back', () => {
    fc.assert(
      fc.property(json, json, (a, b) => {
        expect(ids(signatureOf(JSON.parse(JSON.stringify(mismatch(a, b)))))).toEqual(ids(signatureOf(mismatch(a, b))));
      }),
    );
  });
});

describe('features', () => {
  it('takes shallow scalars, array lengths and the endings of short texts', () => {
    const f = featuresOf({ orderId: 'order-000177', lines: [1, 2, 3], loyalty: { tier: 'gold', points: 5, deep: { x: 1 } }, note: 'x'.repeat(65) });
    expect(f).toMatchObject({ orderId: '"order-000177"', 'orderId[-2:]': '"77"', 'lines.length': '3', 'loyalty.tier': '"gold"', 'loyalty.points': '5' });
    expect(Object.keys(f).some((k) => k.startsWith('loyalty.deep') || k === 'note')).toBe(false);
  });
  it('takes a field named __proto__ as a field', () => {
    expect(JSON.parse(JSON.stringify(featuresOf(JSON.parse('{"__proto__":"x"}') as Json)))).toEqual(JSON.parse('{"__proto__":"\\"x\\""}'));
  });
  it('is bounded', () => {
    expect(Object.keys(featuresOf(Object.fromEntries(Array.from({ length: 500 }, (_, i) => [`k${i}`, i]))))).toHaveLength(48);
  });
});

describe('signatures of hostile verdicts', () => {
  it('stay linear: 20,000 fields removed and 20,000 added, and a long run of digits against a number', () => {
    const removed = Array.from({ length: 20_000 }, (_, i) => ({ path: `r${i}`, kind: 'removed' as const, old: i }));
    const added = Array.from({ length: 20_000 }, (_, i) => ({ path: `a${i}`, kind: 'added' as const, new: i + 0.5 }));
    // No clock here: a quadratic walk (pairing each removed field with every added one, or a
    // backtracking number pattern) would not finish within the test runner's own timeout.
    const atoms = signatureOf({ verdict: 'mismatch', old: null, new: null, differences: [...removed, ...added] });
    const digits = signatureOf({ verdict: 'mismatch', old: null, new: null, differences: [{ path: 'n', kind: 'type_changed', old: 1, new: `${'1'.repeat(100_000)}x` }] });
    expect(atoms).toHaveLength(16);
    expect(digits.map((a) => a.change)).toEqual(['other']);
  });
});
