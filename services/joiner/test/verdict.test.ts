import { createRedactor, diff } from '@shadowdiff/compare';
import { parseConfig } from '@shadowdiff/config';
import type { Decision } from '@shadowdiff/store';
import { describe, expect, it } from 'vitest';
import { emitsMatch, pairIdOf, toVerdict, type Verdict } from '../src/index.ts';
import { TRUNCATED, serializeVerdict } from '../src/verdict.ts';

const oldRecord = { topic: 'o', partition: 1, offset: '10', blob: '{"k":"a","ts":1000,"et":1000,"at":5000,"v":{"x":1}}' };
const newRecord = { topic: 'n', partition: 0, offset: '3', blob: '{"k":"a","ts":1012,"et":1000,"at":5400,"v":{"x":2}}' };

function decision(partial: Partial<Decision>): Decision {
  return { id: 'n/0/3', kind: 'pair', reason: null, decidedAt: 5400, old: oldRecord, new: newRecord, ...partial };
}

describe('verdicts', () => {
  it('a pair with a difference is a mismatch naming the path, with both coordinates and the latency delta', () => {
    const { verdict, pairWaitMs } = toVerdict('cmp', 'shadow', decision({}));
    expect(verdict).toMatchObject({
      schema: 'shadowdiff.verdict.v1',
      comparison: 'cmp',
      key: 'a',
      verdict: 'mismatch',
      reason: null,
      mode: 'shadow',
      decidedAt: new Date(5400).toISOString(),
      old: { topic: 'o', partition: 1, offset: '10', timestamp: new Date(1000).toISOString(), value: { x: 1 } },
      new: { topic: 'n', partition: 0, offset: '3', value: { x: 2 } },
      differences: [{ path: 'x', kind: 'changed', old: 1, new: 2 }],
      latencyDeltaMs: 12,
    });
    expect(pairWaitMs).toBe(400);
  });

  it('says the same without redaction (sides built when read) as with a redaction that masks nothing (sides built at once)', () => {
    const comparator = { compare: diff };
    // A redactor with a pattern that matches nothing builds every verdict at once.
    const eager = createRedactor(['nothing.here']);
    for (const partial of [{}, { kind: 'missing' as const, reason: 'watermark' as const, new: null }, { kind: 'invalid' as const, old: null }, { kind: 'late' as const }]) {
      const lazy = toVerdict('cmp', 'shadow', decision(partial), comparator);
      const built = toVerdict('cmp', 'shadow', decision(partial), comparator, eager);
      expect(JSON.stringify(lazy.verdict)).toBe(JSON.stringify(built.verdict));
      expect({ ...lazy.verdict }).toEqual({ ...built.verdict });
      expect(lazy.pairWaitMs).toBe(built.pairWaitMs);
    }
  });

  it('pairId depends on the comparison, the key and both coordinates only', () => {
    const a = toVerdict('cmp', 'shadow', decision({})).verdict.pairId;
    expect(toVerdict('cmp', 'reverse_shadow', decision({ decidedAt: 9999 })).verdict.pairId).toBe(a);
    expect(a).toBe(pairIdOf('cmp', 'a', 'o/1/10', 'n/0/3'));
    expect(pairIdOf('cmp', 'a', 'o/1/11', 'n/0/3')).not.toBe(a);
    expect(pairIdOf('other', 'a', 'o/1/10', 'n/0/3')).not.toBe(a);
  });

  it('one-sided decisions name the side that is missing, duplicated or invalid', () => {
    expect(toVerdict('c', 'shadow', decision({ kind: 'missing', reason: 'watermark', new: null })).verdict).toMatchObject({
      verdict: 'missing_new',
      reason: 'watermark',
      new: null,
      latencyDeltaMs: null,
    });
    expect(toVerdict('c', 'shadow', decision({ kind: 'missing', reason: 'max_wait', old: null })).verdict.verdict).toBe('missing_old');
    expect(toVerdict('c', 'shadow', decision({ kind: 'duplicate', old: null })).verdict.verdict).toBe('duplicate_new');
    const invalid = { ...oldRecord, blob: '{"k":null,"ts":1,"et":1,"at":1,"x":"no message key"}' };
    expect(toVerdict('c', 'shadow', decision({ kind: 'invalid', old: invalid, new: null })).verdict).toMatchObject({
      verdict: 'invalid_old',
      reason: 'no message key',
      key: null,
      old: { value: null },
    });
  });

  it('samples match verdicts deterministically by pairId', () => {
    const config = (matches: string) =>
      parseConfig(`comparisons:\n  - { name: c, old: { topic: a }, new: { topic: b }, window: 1s, matches: ${matches} }`, 't.yaml').comparisons[0]!;
    const ids = Array.from({ length: 2000 }, (_, i) => pairIdOf('c', String(i), 'a', 'b'));
    expect(ids.every((id) => emitsMatch(config('{ emit: all }'), id))).toBe(true);
    expect(ids.some((id) => emitsMatch(config('{ emit: none }'), id))).toBe(false);
    const sampled = ids.filter((id) => emitsMatch(config('{ emit: sample, ratio: 0.1 }'), id)).length;
    expect(sampled).toBeGreaterThan(120);
    expect(sampled).toBeLessThan(280);
    expect(ids.filter((id) => emitsMatch(config('{ emit: sample, ratio: 0.1 }'), id)).length).toBe(sampled);
  });
});

describe('a verdict larger than its topic accepts', () => {
  const big = (n: number) => ({ blob: 'x'.repeat(n), n });
  const verdictWith = (oldValue: unknown, newValue: unknown, differences: unknown[]) =>
    ({ ...toVerdict('c', 'shadow', decision({})).verdict, old: { ...toVerdict('c', 'shadow', decision({})).verdict.old!, value: oldValue }, new: { ...toVerdict('c', 'shadow', decision({})).verdict.new!, value: newValue }, differences }) as Verdict;

  it('is published with its values cut, marked truncated, with the sizes before the cut', () => {
    const v = verdictWith(big(150_000), big(150_001), [{ path: 'n', kind: 'changed', old: 150_000, new: 150_001 }]);
    const text = serializeVerdict(v, 100_000);
    expect(Buffer.byteLength(text)).toBeLessThanOrEqual(100_000);
    const out = JSON.parse(text) as Verdict;
    expect(out).toMatchObject({ verdict: 'mismatch', key: 'a', truncated: true, old: { value: TRUNCATED, offset: '10' }, new: { value: TRUNCATED } });
    expect(out.sizes).toEqual({ old: JSON.stringify(big(150_000)).length, new: JSON.stringify(big(150_001)).length, differences: 1 });
    expect(out.differences).toEqual([{ path: 'n', kind: 'changed', old: 150_000, new: 150_001 }]);
  });

  it('cuts the values of its differences next, then the differences that do not fit, keeping their order', () => {
    const many = Array.from({ length: 5000 }, (_, i) => ({ path: `items[${i}].text`, kind: 'changed', old: 'o'.repeat(100), new: 'n'.repeat(100) }));
    const out = JSON.parse(serializeVerdict(verdictWith(1, 2, many), 100_000)) as Verdict;
    expect(out.truncated).toBe(true);
    expect(out.sizes?.differences).toBe(5000);
    expect(out.differences.length).toBeGreaterThan(500);
    expect(out.differences.length).toBeLessThan(5000);
    expect(out.differences[0]).toEqual({ path: 'items[0].text', kind: 'changed', old: TRUNCATED, new: TRUNCATED });
    expect(out.differences.map((d) => d.path)).toEqual(many.slice(0, out.differences.length).map((d) => d.path));
  });

  it('holding a value JSON cannot write (none is known to reach it), it is still written, with that value cut', () => {
    const out = JSON.parse(serializeVerdict(verdictWith({ n: 1n }, 2, [{ path: 'n', kind: 'changed', old: 1n, new: 2 }]))) as Verdict;
    expect(out).toMatchObject({ verdict: 'mismatch', truncated: true, old: { value: TRUNCATED }, sizes: { old: null, differences: 1 } });
    expect(out.differences).toEqual([{ path: 'n', kind: 'changed', old: TRUNCATED, new: TRUNCATED }]);
  });

  it('is left as it is when it fits', () => {
    const v = toVerdict('c', 'shadow', decision({})).verdict;
    expect(serializeVerdict(v, 100_000)).toBe(JSON.stringify(v));
  });
});
