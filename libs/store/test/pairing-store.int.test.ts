import { deleteKeys, keysUnder, pollUntil, testRedis, uniqueId } from '@shadowdiff/testing';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { createPairingStore, type ApplyRecord, type PairingStore, type Side } from '../src/index.ts';

const redis = testRedis();
let prefix: string;
let store: PairingStore;

function rec(offset: number, key: string, eventTime: number, kind: ApplyRecord['kind'] = 'record'): ApplyRecord {
  return { offset: String(offset), kind, key, eventTime, blob: JSON.stringify({ k: key, et: eventTime }) };
}

/** One partition's records in a call of their own; the first segment's counts and the decisions. */
async function applyTo(s: PairingStore, side: Side, topic: string, partition: number, records: ApplyRecord[], now?: number) {
  const result = await s.apply([{ side, topic, partition, records }], now === undefined ? {} : { now });
  const { applied, skipped } = result.segments[0]!;
  return { applied, skipped, decisions: result.decisions };
}

async function openStore(options: Partial<Parameters<typeof createPairingStore>[0]> = {}): Promise<PairingStore> {
  const s = createPairingStore({ redis, keyPrefix: prefix, comparison: 'c', horizonMs: 1000, maxWaitMs: 60_000, ...options });
  await s.openEpoch();
  await s.registerPartitions('old', [0, 1]);
  await s.registerPartitions('new', [0]);
  return s;
}

beforeEach(async () => {
  prefix = uniqueId('store');
  store = await openStore();
});

afterAll(async () => {
  await deleteKeys(redis, await keysUnder(redis, 'store-*'));
  redis.disconnect();
});

describe('pairing store (real Redis, Lua)', () => {
  it('parks a record, pairs it with the other side of the same key from any partition, and keeps the decision in the outbox', async () => {
    const first = await applyTo(store, 'old', 'o', 1, [rec(0, 'a', 100)]);
    expect(first).toEqual({ applied: 1, skipped: 0, decisions: [] });
    expect(await store.pendingCounts()).toEqual({ old: 1, new: 0 });

    const second = await applyTo(store, 'new', 'n', 0, [rec(0, 'a', 105)]);
    expect(second.decisions).toHaveLength(1);
    expect(second.decisions[0]).toMatchObject({ id: 'n/0/0', kind: 'pair', old: { topic: 'o', partition: 1, offset: '0' }, new: { topic: 'n', partition: 0, offset: '0' } });
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 0 });
    expect(await redis.hlen(store.keys.outbox)).toBe(1);
    await store.ack(['n/0/0']);
    expect(await redis.hlen(store.keys.outbox)).toBe(0);
  });

  it('ignores a redelivered chunk: same offsets, no new decision, nothing parked twice', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100), rec(1, 'b', 100)]);
    const again = await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100), rec(1, 'b', 100), rec(2, 'c', 100)]);
    expect(again).toMatchObject({ applied: 1, skipped: 2, decisions: [] });
    expect(await store.pendingCounts()).toEqual({ old: 3, new: 0 });
  });

  it('flags a second record of a key parked on the same side as a duplicate', async () => {
    await applyTo(store, 'new', 'n', 0, [rec(0, 'a', 100)]);
    const result = await applyTo(store, 'new', 'n', 0, [rec(1, 'a', 101)]);
    expect(result.decisions.map((d) => [d.kind, d.new?.offset, d.old])).toEqual([['duplicate', '1', null]]);
  });

  it('turns an invalid record into a decision atomically with its offset', async () => {
    const result = await applyTo(store, 'old', 'o', 0, [rec(0, '', 100, 'invalid')]);
    expect(result.decisions.map((d) => d.kind)).toEqual(['invalid']);
    expect((await applyTo(store, 'old', 'o', 0, [rec(0, '', 100, 'invalid')])).decisions).toEqual([]);
  });

  it('declares missing by watermark only once every partition of the other side has moved past the horizon', async () => {
    await applyTo(store, 'new', 'n', 0, [rec(0, 'lonely', 1000)]);
    // old partition 0 is far ahead, but partition 1 has not delivered anything yet: no stream time.
    expect((await applyTo(store, 'old', 'o', 0, [rec(0, 'x', 5000)])).decisions).toEqual([]);
    // partition 1 is at 1500: the side's stream time is 1500, not past 1000 + 1000.
    expect((await applyTo(store, 'old', 'o', 1, [rec(0, 'y', 1500)])).decisions).toEqual([]);
    const result = await applyTo(store, 'old', 'o', 1, [rec(1, 'z', 2001)]);
    expect(result.decisions.map((d) => [d.kind, d.reason, d.new?.offset])).toEqual([['missing', 'watermark', '0']]);
    expect(await store.streamTimes()).toEqual({ old: 2001, new: 1000 });
  });

  it('declares a record missing on arrival when the other side has already passed its horizon', async () => {
    await applyTo(store, 'new', 'n', 0, [rec(0, 'p', 10_000)]);
    const result = await applyTo(store, 'old', 'o', 0, [rec(0, 'late-one', 8000)]);
    expect(result.decisions.map((d) => [d.kind, d.reason, d.old?.offset, d.new])).toEqual([['missing', 'watermark', '0', null]]);
  });

  it('declares missing by max_wait when the wall-clock cap runs out, whatever the stream times', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)], 1_000);
    await applyTo(store, 'new', 'n', 0, [rec(0, 'b', 100)], 30_000);
    expect(await store.expireWaiting(60_000)).toEqual([]);
    const expired = await store.expireWaiting(61_001);
    expect(expired.map((d) => [d.kind, d.reason, d.old?.offset ?? null, d.new?.offset ?? null])).toEqual([['missing', 'max_wait', '0', null]]);
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 1 });
  });

  it('duplicates: first — any later record of a key on a side is a duplicate, also after the pair was decided', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)]);
    await applyTo(store, 'new', 'n', 0, [rec(0, 'a', 100)]);
    const result = await applyTo(store, 'new', 'n', 0, [rec(1, 'a', 101), rec(2, 'b', 102)]);
    expect(result.decisions.map((d) => [d.kind, d.new?.offset])).toEqual([['duplicate', '1']]);
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 1 });
  });

  it('duplicates: sequence — the n-th record of a key on one side pairs with the n-th on the other', async () => {
    const seq = await openStore({ keyPrefix: `${prefix}-seq`, duplicates: 'sequence' });
    await applyTo(seq, 'old', 'o', 0, [rec(0, 'a', 100), rec(1, 'a', 101), rec(2, 'a', 102)]);
    const result = await applyTo(seq, 'new', 'n', 0, [rec(0, 'a', 100), rec(1, 'a', 101)]);
    expect(result.decisions.map((d) => [d.kind, d.old?.offset, d.new?.offset])).toEqual([
      ['pair', '0', '0'],
      ['pair', '1', '1'],
    ]);
    expect(await seq.pendingCounts()).toEqual({ old: 1, new: 0 });
  });

  it('a partner arriving after its counterpart was declared missing is late, once', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)], 1000);
    expect((await store.expireWaiting(62_000)).map((d) => d.kind)).toEqual(['missing']);
    const late = await applyTo(store, 'new', 'n', 0, [rec(0, 'a', 100)], 63_000);
    expect(late.decisions.map((d) => [d.kind, d.old?.offset, d.new?.offset])).toEqual([['late', '0', '0']]);
    // The tombstone is used up: the same key again is a duplicate, not late twice.
    const again = await applyTo(store, 'new', 'n', 0, [rec(1, 'a', 100)], 64_000);
    expect(again.decisions.map((d) => d.kind)).toEqual(['duplicate']);
  });

  it('forgets seen keys and tombstones after the retention period', async () => {
    const short = await openStore({ keyPrefix: `${prefix}-ret`, retentionMs: 10_000 });
    await applyTo(short, 'old', 'o', 0, [rec(0, 'a', 100)], 1000);
    await short.expireWaiting(70_000); // declared missing at 70 s; tombstone and counters touched then
    await short.expireWaiting(85_000); // retention passed: forgotten
    const result = await applyTo(short, 'new', 'n', 0, [rec(0, 'a', 100)], 86_000);
    expect(result.decisions).toEqual([]);
    expect(await short.pendingCounts()).toEqual({ old: 0, new: 1 });
  });

  it('refuses to apply anything once Redis has lost the state (epoch gone)', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)]);
    await redis.del(store.keys.epoch);
    await expect(applyTo(store, 'old', 'o', 0, [rec(1, 'b', 100)])).rejects.toMatchObject({ code: 'SHADOWDIFF_ERR_STORE_STATE_LOST' });
    expect(await redis.hget(store.keys.offsets, 'o/0')).toBe('0');
  });

  it('lets another publisher claim decisions left in the outbox past their lease, once per lease', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)], 1000);
    await applyTo(store, 'new', 'n', 0, [rec(0, 'a', 100)], 1000);
    expect(await store.claimStale(5000, 10, 4000)).toEqual([]);
    const claimed = await store.claimStale(5000, 10, 7000);
    expect(claimed.map((d) => d.id)).toEqual(['n/0/0']);
    expect(await store.claimStale(5000, 10, 8000)).toEqual([]);
    await store.ack(claimed.map((d) => d.id));
    expect(await store.claimStale(5000, 10, 100_000)).toEqual([]);
  });

  it('pairs the two sides within one call without parking either, and counts every record by its outcome', async () => {
    const result = await store.apply([
      { side: 'old', topic: 'o', partition: 0, records: [rec(0, 'a', 100), rec(1, 'b', 100), rec(2, 'a', 101)] },
      { side: 'new', topic: 'n', partition: 0, records: [rec(0, 'b', 100), rec(1, 'a', 100), rec(2, 'c', 100), rec(3, '', 100, 'invalid')] },
    ]);
    expect(result.decisions.map((d) => [d.id, d.kind, d.old?.offset ?? null, d.new?.offset ?? null])).toEqual([
      ['n/0/0', 'pair', '1', '0'],
      ['n/0/1', 'pair', '0', '1'],
      ['o/0/2', 'duplicate', '2', null],
      ['n/0/3', 'invalid', null, '3'],
    ]);
    expect(result.segments).toEqual([
      { applied: 3, skipped: 0, paired: 2, parked: 0, duplicate: 1, invalid: 0, missing: 0, late: 0 },
      { applied: 4, skipped: 0, paired: 2, parked: 1, duplicate: 0, invalid: 1, missing: 0, late: 0 },
    ]);
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 1 });
  });

  it('takes a pair hint: the caller’s verdict goes to the outbox as it is, no blob is sent, an unsampled match leaves nothing', async () => {
    const hinted = (offset: number, key: string): ApplyRecord => ({ ...rec(offset, key, 100), blob: 'never-sent' });
    const result = await store.apply(
      [
        { side: 'old', topic: 'o', partition: 0, records: [hinted(0, 'a'), hinted(1, 'b')] },
        { side: 'new', topic: 'n', partition: 0, records: [hinted(0, 'a'), hinted(1, 'b')] },
      ],
      { hints: [{ old: 0, new: 2, verdict: '{"verdict":"mismatch"}' }, { old: 1, new: 3, verdict: null }] },
    );
    expect(result.hintsTaken).toEqual([true, true]);
    expect(result.decisions).toEqual([]);
    expect(result.segments.map((o) => o.paired)).toEqual([2, 2]);
    expect(await redis.hgetall(store.keys.outbox)).toEqual({ 'n/0/0': 'v\x1e{"verdict":"mismatch"}' });
    expect(await store.claimStale(0, 10, Date.now() + 1000)).toEqual([{ id: 'n/0/0', kind: 'verdict', text: '{"verdict":"mismatch"}' }]);
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 0 });
  });

  it('when a hint does not hold (the old record is a duplicate), decides from the blobs, asked for again', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)]);
    const result = await store.apply(
      [
        { side: 'old', topic: 'o', partition: 0, records: [rec(1, 'a', 100)] },
        { side: 'new', topic: 'n', partition: 0, records: [rec(0, 'a', 100)] },
      ],
      { hints: [{ old: 0, new: 1, verdict: null }] },
    );
    expect(result.hintsTaken).toEqual([false]);
    expect(result.decisions.map((d) => [d.kind, d.old?.offset, d.new?.offset ?? null, d.old?.blob])).toEqual([
      ['pair', '0', '0', JSON.stringify({ k: 'a', et: 100 })],
      ['duplicate', '1', null, JSON.stringify({ k: 'a', et: 100 })],
    ]);
  });

  it('skips what a partition already applied, also within a call that brings both sides', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)]);
    const result = await store.apply([
      { side: 'old', topic: 'o', partition: 0, records: [rec(0, 'a', 100), rec(1, 'b', 100)] },
      { side: 'new', topic: 'n', partition: 0, records: [rec(0, 'a', 100), rec(1, 'b', 100)] },
    ]);
    expect(result.segments.map((o) => [o.applied, o.skipped])).toEqual([[1, 1], [2, 0]]);
    expect(result.decisions.map((d) => [d.kind, d.old?.offset, d.new?.offset])).toEqual([
      ['pair', '0', '0'],
      ['pair', '1', '1'],
    ]);
  });

  it('lets Redis reclaim the retention buckets by themselves', async () => {
    const short = await openStore({ keyPrefix: `${prefix}-ttl`, retentionMs: 300 });
    await applyTo(short, 'old', 'o', 0, [rec(0, 'a', 100)]);
    await applyTo(short, 'new', 'n', 0, [rec(0, 'a', 100)]);
    const seenKeys = async () => keysUnder(redis, `${prefix}-ttl:*:seen:*`);
    expect((await seenKeys()).length).toBeGreaterThan(0);
    const ttl = await redis.pttl((await seenKeys())[0]!);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(450);
    await pollUntil(seenKeys, (keys) => keys.length === 0, { what: 'the seen buckets to expire', timeoutMs: 5000, intervalMs: 50 });
  });

  it('takes a parked-partner hint: the parked record leaves, the caller’s verdict goes to the outbox, no blob is sent', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)]);
    const [parked] = await store.peekParked('old', ['a']);
    expect(parked).toMatchObject({ topic: 'o', partition: 0, offset: '0' });
    const result = await store.apply([{ side: 'new', topic: 'n', partition: 0, records: [{ ...rec(0, 'a', 100), blob: 'never-sent' }] }], {
      parkedHints: [{ record: 0, partner: 'o/0/0', verdict: '{"verdict":"match"}' }],
    });
    expect(result.parkedHintsTaken).toEqual([true]);
    expect(result.decisions).toEqual([]);
    expect(result.segments[0]).toMatchObject({ applied: 1, paired: 1, parked: 0 });
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 0 });
    expect(await redis.hget(store.keys.outbox, 'n/0/0')).toBe('v\x1e{"verdict":"match"}');
  });

  it('when the parked partner is not the one the caller read, decides from the blobs instead', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100)]);
    const result = await store.apply([{ side: 'new', topic: 'n', partition: 0, records: [rec(0, 'a', 100)] }], {
      parkedHints: [{ record: 0, partner: 'o/0/7', verdict: null }],
    });
    expect(result.parkedHintsTaken).toEqual([false]);
    expect(result.decisions.map((d) => [d.kind, d.old?.offset, d.new?.offset])).toEqual([['pair', '0', '0']]);
  });

  it('a record already behind the other side’s stream time is missing on arrival, not parked, on the fast path too', async () => {
    await applyTo(store, 'new', 'n', 0, [rec(0, 'x', 10_000)]);
    const result = await applyTo(store, 'old', 'o', 0, [rec(0, 'y', 100)]);
    expect(result.decisions.map((d) => [d.kind, d.reason])).toEqual([['missing', 'watermark']]);
    expect(await store.pendingCounts()).toEqual({ old: 0, new: 1 });
  });

  it('refuses, with nothing written, a segment that does not follow what its partition applied (an earlier call failed), on both paths', async () => {
    await applyTo(store, 'old', 'o', 0, [rec(0, 'a', 100), rec(1, 'b', 100)]);
    const gap = { code: 'SHADOWDIFF_ERR_STORE_GAP' };
    // The fast path (unique keys, nothing to pair) and the general one (a key twice on a side).
    await expect(store.apply([{ side: 'old', topic: 'o', partition: 0, records: [rec(4, 'e', 100)], after: '3' }])).rejects.toMatchObject(gap);
    await expect(store.apply([{ side: 'old', topic: 'o', partition: 0, records: [rec(4, 'e', 100), rec(5, 'e', 100)], after: '3' }])).rejects.toMatchObject(gap);
    // A partition that applied nothing yet cannot follow a record handed over before.
    await expect(store.apply([{ side: 'old', topic: 'o', partition: 1, records: [rec(7, 'g', 100)], after: '6' }])).rejects.toMatchObject(gap);
    expect(await redis.hgetall(store.keys.offsets)).toEqual({ 'o/0': '1' });
    expect(await store.pendingCounts()).toEqual({ old: 2, new: 0 });

    // Following the applied offset, or a segment before it in the same call, is fine.
    const result = await store.apply([
      { side: 'old', topic: 'o', partition: 0, records: [rec(2, 'c', 100), rec(3, 'd', 100)], after: '1' },
      { side: 'old', topic: 'o', partition: 0, records: [rec(4, 'e', 100)], after: '3' },
    ]);
    expect(result.segments.map((o) => o.parked)).toEqual([2, 1]);
    expect(await redis.hget(store.keys.offsets, 'o/0')).toBe('4');
  });
});
