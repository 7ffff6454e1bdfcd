import { createRedactor, diff, type Json } from '@shadowdiff/compare';
import { MARK, PATTERNS, derive, plant, tree } from '@shadowdiff/testing';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { redactVerdict } from '../src/verdict-reader.ts';

// The API redacts again what it reads from the verdict topics, for verdicts written by a joiner
// that did not (an older version, another config): payloads and differences alike.
describe("the API's second redaction (property)", () => {
  it('leaves no marker planted at a redacted path in a verdict whose producer redacted nothing', () => {
    fc.assert(
      fc.property(tree, tree, fc.array(fc.nat(5), { minLength: 40, maxLength: 40 }), fc.subarray(PATTERNS, { minLength: 1 }), (a, b, choices, patterns) => {
        const old = plant(a, patterns, 'old');
        const next = plant(derive(a, b, choices), patterns, 'new');
        const verdict = { old: { value: old }, new: { value: next }, differences: diff(old, next).map((d) => ({ ...d })) as { path: string; old?: Json; new?: Json }[] };
        redactVerdict(verdict, createRedactor(patterns));
        expect(JSON.stringify(verdict)).not.toContain(MARK);
      }),
      { numRuns: 3000 },
    );
  });

  it('masks both values of a difference whose path it cannot read, when anything is redacted', () => {
    const verdict = { old: null, new: null, differences: [{ path: 'a..b[', kind: 'changed', old: `${MARK}-1`, new: `${MARK}-2` }] };
    redactVerdict(verdict, createRedactor(['card.number']));
    expect(verdict.differences[0]).toMatchObject({ old: '***', new: '***' });
    const open = { old: null, new: null, differences: [{ path: 'a..b[', kind: 'changed', old: 1, new: 2 }] };
    redactVerdict(open, createRedactor([]));
    expect(open.differences[0]).toMatchObject({ old: 1, new: 2 });
  });
});
