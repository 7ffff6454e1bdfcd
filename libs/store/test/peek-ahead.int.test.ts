import { deleteKeys, keysUnder, testRedis, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { createPairingStore, type ApplyRecord, type ApplySegment, type PairingStore } from '../src/index.ts';

const redis = testRedis();
let prefix: string;
let store: PairingStore;

const rec = (offset: number, key: string, eventTime = 100): ApplyRecord => ({ offset: String(offset), kind: 'record', key, eventTime, blob: JSON.stringify({ k: key, et: eventTime }) });
const segment = (side: 'old' | 'new', records: ApplyRecord[], after?: string): ApplySegment => ({
  side,
  topic: side === 'old' ? 'o' : 'n',
  partition: 0,
  records,
  ...(after === undefined ? {} : { after }),
});

beforeEach(async () => {
  prefix = uniqueId('ahead');
  store = createPairingStore({ redis, keyPrefix: prefix, comparison: 'c', horizonMs: 1000, maxWaitMs: 60_000 });
  await store.openEpoch();
  await store.registerPartitions('old', [0]);
  await store.registerPartitions('new', [0, 1]);
});

afterAll(async () => {
  await deleteKeys(redis, await keysUnder(redis, 'ahead-*'));
  redis.disconnect();
});

describe('looking up parked partners ahead of a flush (real Redis)', () => {
  it('a look-up sent behind an apply sees what that apply parked: the next flush predicts the pair without a round trip of its own and takes the fast path', async () => {
    const hmget = vi.spyOn(redis, 'hmget');
    // Flush 1 parks old "a" and "b"; the new records of the next flush are looked up while it runs.
    const first = store.apply([segment('old', [rec(0, 'a'), rec(1, 'b')])]);
    store.peekAhead('new', ['a', 'c']);
    expect((await first).segments[0]).toMatchObject({ parked: 2 });
    hmget.mockClear();

    const next = [segment('new', [rec(0, 'a'), rec(1, 'c')])];
    const prediction = await store.predict(next);
    expect(hmget).not.toHaveBeenCalled();
    expect(prediction.lookups).toEqual({ ahead: 2, now: 0 });
    expect(prediction.parked).toEqual([{ record: 0, partner: expect.objectContaining({ topic: 'o', partition: 0, offset: '0' }) }]);

    const partner = prediction.parked[0]!.partner;
    const result = await store.apply(next, { parkedHints: [{ record: 0, partner: `${partner.topic}/${partner.partition}/${partner.offset}`, verdict: null }] });
    expect(result.path).toBe('predicted');
    expect(result.parkedHintsTaken).toEqual([true]);
    expect(await store.pendingCounts()).toEqual({ old: 1, new: 1 });
    hmget.mockRestore();
  });

  it('a look-up sent before an apply is stale once that apply is sent: predict reads those keys again and sees its effect', async () => {
    // Sent while nothing is parked: it would answer "none".
    store.peekAhead('new', ['a']);
    await store.apply([segment('old', [rec(0, 'a')])]);
    const prediction = await store.predict([segment('new', [rec(0, 'a')])]);
    expect(prediction.lookups).toEqual({ ahead: 0, now: 1 });
    expect(prediction.parked).toHaveLength(1);
  });

  it('a stale answer cannot change a decision: a partner taken after it was looked up is not paired twice', async () => {
    await store.apply([segment('old', [rec(0, 'a')])]);
    store.peekAhead('new', ['a']);
    const prediction = await store.predict([segment('new', [rec(0, 'a')])]);
    expect(prediction.parked).toHaveLength(1);
    // Another instance's flush takes "a" before this one applies what it predicted.
    const other = createPairingStore({ redis, keyPrefix: prefix, comparison: 'c', horizonMs: 1000, maxWaitMs: 60_000 });
    await other.openEpoch();
    const taken = await other.apply([{ side: 'new', topic: 'n', partition: 1, records: [rec(0, 'a')] }]);
    expect(taken.decisions.map((d) => d.kind)).toEqual(['pair']);

    const partner = prediction.parked[0]!.partner;
    const result = await store.apply([segment('new', [rec(0, 'a')])], { parkedHints: [{ record: 0, partner: `${partner.topic}/${partner.partition}/${partner.offset}`, verdict: null }] });
    expect(result.path).not.toBe('predicted');
    expect(result.parkedHintsTaken).toEqual([false]);
    expect(result.decisions.map((d) => d.kind)).toEqual(['duplicate']);
  });

  it('a look-up that fails leaves no unhandled rejection; predict reads again and reports the failure', async () => {
    const away = new Redis({ port: 1, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, enableOfflineQueue: true });
    away.on('error', () => undefined);
    const s = createPairingStore({ redis: away, keyPrefix: prefix, comparison: 'c', horizonMs: 1000, maxWaitMs: 60_000 });
    s.peekAhead('new', ['a']);
    await expect(s.predict([segment('new', [rec(0, 'a')])])).rejects.toMatchObject({ name: 'StoreError' });
    away.disconnect();
  });

  it('duplicates: sequence looks nothing up ahead (the pair key depends on counts only the store knows)', async () => {
    const s = createPairingStore({ redis, keyPrefix: prefix, comparison: 'c', horizonMs: 1000, maxWaitMs: 60_000, duplicates: 'sequence' });
    const hmget = vi.spyOn(redis, 'hmget');
    s.peekAhead('new', ['a']);
    expect(hmget).not.toHaveBeenCalled();
    hmget.mockRestore();
  });
});
