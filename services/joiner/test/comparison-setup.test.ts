import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '@shadowdiff/config';
import { describe, expect, it } from 'vitest';
import { buildComparator, JoinerErrorCode, loadNormalizer } from '../src/index.ts';
import { verdictOf, type ParsedSide } from '../src/verdict.ts';

describe('comparison set-up from the config', () => {
  it('loads per-side normaliser modules and applies them before the rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-normalizer-'));
    writeFileSync(join(dir, 'old.mjs'), 'export default (v) => ({ ...v, amount: Number(v.amount) });\n');
    writeFileSync(join(dir, 'shadowdiff.yaml'), `comparisons:
  - name: c
    old: { topic: a }
    new: { topic: b }
    window: 1s
    compare:
      normalize: { old: ./old.mjs }
      rename: { cust: customer }
      timestamps: { at: { tolerance: 1s } }
`);
    const comparator = await buildComparator(loadConfigFile(join(dir, 'shadowdiff.yaml'), {}).comparisons[0]!.compare);
    expect(comparator.compare({ amount: '12.50', cust: 'x', at: 1000 }, { amount: 12.5, customer: 'x', at: 1999 })).toEqual([]);
    expect(comparator.compare({ amount: '12.50', cust: 'x', at: 1000 }, { amount: 12.5, customer: 'y', at: 1000 })).toEqual([
      { path: 'customer', kind: 'changed', old: 'x', new: 'y' },
    ]);
  });

  it('refuses a normaliser module that exports no function, or does not load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-normalizer-'));
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'broken.mjs'), 'export default (;\n');
    await expect(loadNormalizer(join(dir, 'empty.mjs'))).rejects.toMatchObject({ code: JoinerErrorCode.NORMALIZER_INVALID });
    await expect(loadNormalizer(join(dir, 'broken.mjs'))).rejects.toMatchObject({
      code: JoinerErrorCode.NORMALIZER_INVALID,
      message: expect.stringContaining('could not be loaded'),
    });
  });
});

describe('a normaliser that misbehaves fails only the pair it was given', () => {
  it('a throw, or a value that is not JSON, becomes invalid_<side> with the reason; other pairs are compared as usual', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-normalizer-'));
    writeFileSync(
      join(dir, 'new.mjs'),
      `export default (v) => {
  if (v.poison === 'throw') throw new Error('cannot read poison');
  if (v.poison === 'bigint') return { ...v, n: 10n };
  if (v.poison === 'cycle') { const o = { ...v }; o.self = o; return o; }
  if (v.poison === 'promise') return Promise.resolve(v);
  if (v.poison === 'reject') return Promise.reject(new Error('later'));
  return v;
};\n`,
    );
    writeFileSync(join(dir, 'shadowdiff.yaml'), `comparisons:\n  - { name: c, old: { topic: a }, new: { topic: b }, window: 1s, compare: { normalize: { new: ./new.mjs } } }\n`);
    const config = loadConfigFile(join(dir, 'shadowdiff.yaml'), {}).comparisons[0]!;
    const comparator = await buildComparator(config.compare, [], config.maxDepth);
    const side = (v: unknown, topic: string): ParsedSide => ({ record: { topic, partition: 0, offset: '1' }, blob: { k: 'k', ts: 1, et: 1, at: 1, v: v as never } });
    const verdict = (poison: string) =>
      verdictOf('c', 'shadow', { kind: 'pair', reason: null, decidedAt: 2 }, side({ poison: 'none' }, 'a'), side({ poison }, 'b'), comparator).verdict;
    expect(verdict('throw')).toMatchObject({ verdict: 'invalid_new', reason: 'normaliser new.mjs threw on the new record: Error', differences: [] });
    // The normaliser's message may quote the payload: a reason names only the error's class.
    expect(verdict('bigint').reason).toBe('normaliser new.mjs returned a bigint at n for the new record, not a JSON value');
    expect(verdict('cycle').reason).toBe('normaliser new.mjs returned nesting deeper than 128 levels at ' + 'self.'.repeat(127) + 'self for the new record, not a JSON value');
    expect(verdict('promise').reason).toBe('normaliser new.mjs returned a Promise at the top for the new record, not a JSON value');
    // An async normaliser that rejects: refused the same way, and its rejection is not left unhandled.
    expect(verdict('reject').reason).toBe('normaliser new.mjs returned a Promise at the top for the new record, not a JSON value');
    await new Promise((resolve) => setImmediate(resolve));
    // Both records stay on the verdict: the reader sees what the normaliser could not handle.
    expect(verdict('throw').old?.value).toEqual({ poison: 'none' });
    expect(verdict('throw').new?.value).toEqual({ poison: 'throw' });
    expect(JSON.parse(JSON.stringify(verdict('bigint'))).verdict).toBe('invalid_new');
    expect(verdict('none').verdict).toBe('match');
    expect(verdict('other')).toMatchObject({ verdict: 'mismatch', differences: [{ path: 'poison', kind: 'changed' }] });
  });

  it('a comparison that fails for a reason no side is known for still gives the pair one verdict, with the cause', () => {
    const side = (topic: string): ParsedSide => ({ record: { topic, partition: 0, offset: '1' }, blob: { k: 'k', ts: 8.64e15 * 10, et: 1, at: 1, v: 1 } });
    const broken = { compare: () => { throw new Error('a bug'); } };
    const { verdict } = verdictOf('c', 'shadow', { kind: 'pair', reason: null, decidedAt: 2 }, side('a'), side('b'), broken);
    expect(verdict).toMatchObject({ verdict: 'invalid_new', reason: 'the pair could not be compared: Error' });
    // A Kafka timestamp that is no date shows as null rather than failing the verdict.
    expect(verdict.old?.timestamp).toBeNull();
  });
});
