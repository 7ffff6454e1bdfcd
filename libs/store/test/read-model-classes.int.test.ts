import { diff, type Json } from '@shadowdiff/compare';
import { deleteKeys, keysUnder, testRedis, uniqueId } from '@shadowdiff/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { CLASS_CAPS, MAX_SAMPLE_BYTES, classFieldsOf, createReadModel, type VerdictRecord } from '../src/index.ts';

const redis = testRedis();
const prefix = uniqueId('rmc');
afterAll(async () => {
  await deleteKeys(redis, await keysUnder(redis, `${prefix}*`));
  redis.disconnect();
});

const NOW = Date.now();
const pairId = (i: number) => i.toString(16).padStart(32, '0');

/** A verdict as the API's reader hands it to the read model, class fields included. */
function record(i: number, old: Json, value: Json | null): VerdictRecord {
  const differences = value === null ? [] : diff(old, value);
  const kind = value === null ? 'missing_new' : differences.length === 0 ? 'match' : 'mismatch';
  const v = { pairId: pairId(i), verdict: kind, decidedAt: NOW, old: { value: old }, new: value === null ? null : { value }, differences };
  return { pairId: v.pairId, verdict: kind, decidedAt: NOW, json: kind === 'match' ? '' : JSON.stringify(v), paths: differences.map((d) => d.path), classes: classFieldsOf(v) };
}

describe('discrepancy classes in the read model (real Redis, Lua)', () => {
  it('counts each verdict once by pairId, per atom and per signature, whatever instance or reader sends it again', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'once' });
    const batch = Array.from({ length: 40 }, (_, i) => record(i, { a: i, b: 'x' }, i % 4 === 0 ? { a: i * 100, b: 'X' } : i % 4 === 1 ? null : { a: i, b: 'x' }));
    await model.record(batch);
    await model.record(batch.slice(0, 25)); // read again: a rebalanced reader, a second API instance
    const input = await model.classInput();
    expect(input.pairs).toBe(30);
    expect(input.discrepancies).toBe(20);
    const counts = Object.fromEntries([...input.atoms.values()].map((s) => [`${s.atom.kind} ${s.atom.path} ${s.atom.change}`.trim(), s.count]));
    // i = 0 is 0 × 100: an offset-less zero, not a factor; the other nine multiples of 4 are ×100.
    expect(counts).toMatchObject({ missing_new: 10, 'changed b case': 10, 'changed a factor:100': 9 });
    expect([...input.signatures.values()].reduce((a, b) => a + b, 0)).toBe(20);
    expect(input.uncounted).toEqual({ atoms: 0, signatures: 0 });
  });

  it('keeps its caps: atoms and signatures beyond them are counted as left out, sample entries are cut to size', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'caps' });
    const wide = Object.fromEntries(Array.from({ length: 60 }, (_, k) => [`field_${'n'.repeat(40)}_${k}`, 'v'.repeat(60)]));
    const batches: VerdictRecord[][] = [];
    // 2,500 mismatches each differing at a field of its own: more atoms and signatures than kept.
    const total = CLASS_CAPS.signatures + 500;
    for (let from = 0; from < total; from += 500) {
      batches.push(Array.from({ length: 500 }, (_, j) => record(100_000 + from + j, { ...wide, [`own${from + j}`]: 1 }, { ...wide, [`own${from + j}`]: 2 })));
    }
    for (const batch of batches) await model.record(batch);
    const input = await model.classInput();
    expect(input.atoms.size).toBe(CLASS_CAPS.atoms);
    expect(input.uncounted!.atoms).toBe(total - CLASS_CAPS.atoms);
    expect(input.signatures.size).toBeLessThanOrEqual(CLASS_CAPS.signatures + 1);
    expect(input.uncounted!.signatures).toBe(total - CLASS_CAPS.signatures);
    for (const entries of input.samples.values()) {
      expect(entries.length).toBeLessThanOrEqual(CLASS_CAPS.sample);
      for (const e of entries) expect(Buffer.byteLength(JSON.stringify(e))).toBeLessThanOrEqual(MAX_SAMPLE_BYTES);
    }
    // Every key of the classes shares the comparison's hash tag (one slot on a cluster).
    expect((await keysUnder(redis, `${prefix}:{caps}:rm:k:cls:*`)).length).toBeGreaterThan(0);
    expect((await keysUnder(redis, `${prefix}*cls*`)).every((k) => k.includes('{caps}') || k.includes('{once}'))).toBe(true);
  });
});
