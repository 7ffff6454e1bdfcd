import { createComparator, createRedactor, withRenamedPatterns, type Json } from '@shadowdiff/compare';
import { MARK, PATTERNS, derive, plant, tree } from '@shadowdiff/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { serializeVerdict, verdictOf, type ParsedSide } from '../src/verdict.ts';

// For random payload pairs and random redact patterns: no value that sat at a redacted path (or
// under one) appears anywhere in the emitted verdict, whatever happened to the field or to its
// parents between old and new (removed, nulled, retyped, moved in or out of an array).
const side = (value: Json, topic: string): ParsedSide => ({ record: { topic, partition: 0, offset: '1' }, blob: { k: 'k', ts: 1, et: 1, at: 1, v: value } });

describe('redaction holds in every emitted verdict (property)', () => {
  it('no marker planted at a redacted path appears in the serialised verdict', () => {
    fc.assert(
      fc.property(tree, tree, fc.array(fc.nat(5), { minLength: 40, maxLength: 40 }), fc.subarray(PATTERNS, { minLength: 1 }), (a, b, choices, patterns) => {
        const old = plant(a, patterns, 'old');
        const next = plant(derive(a, b, choices), patterns, 'new');
        const comparator = createComparator({ redact: patterns });
        const { verdict } = verdictOf('c', 'shadow', { kind: 'pair', reason: null, decidedAt: 2 }, side(old, 'o'), side(next, 'n'), comparator, createRedactor(patterns));
        const text = serializeVerdict(verdict);
        expect(text).not.toContain(MARK);
      }),
      { numRuns: 3000 },
    );
  });

  it('the five leaks of the issue stay closed: card removed, nulled, retyped, an array item removed, a field renamed', () => {
    const card = { number: `${MARK}-1`, expiry: '12/30' };
    const cases: [Json, Json, string[], Record<string, string>?][] = [
      [{ card }, {}, ['card.number']],
      [{ card }, { card: null }, ['card.number']],
      [{ card }, { card: 'on file' }, ['card.number']],
      [{ items: [{ card }, { card: { number: `${MARK}-2` } }] }, { items: [{ card: { number: '***' } }] }, ['items[*].card.number']],
      [{ cardNumber: `${MARK}-3` }, { card: { number: `${MARK}-4` } }, ['card.number'], { cardNumber: 'card.number' }],
    ];
    for (const [oldValue, newValue, patterns, rename] of cases) {
      const comparator = createComparator({ redact: patterns, rules: rename ? { rename } : {} });
      const redactor = createRedactor(withRenamedPatterns(patterns, rename ?? {}));
      const { verdict } = verdictOf('c', 'shadow', { kind: 'pair', reason: null, decidedAt: 2 }, side(oldValue, 'o'), side(newValue, 'n'), comparator, redactor);
      expect(verdict.differences.length).toBeGreaterThan(0);
      expect(serializeVerdict(verdict)).not.toContain(MARK);
    }
  });
});
