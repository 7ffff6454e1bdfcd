/**
 * On a Redis Cluster (project integration-ha): each comparison's keys in one slot, whatever
 * script wrote them; different comparisons on different slots, spread over the primaries; mode
 * changes announced on one node heard by a subscriber connected to another.
 */
import { createModeRegistry, createPairingStore, createReadModel, isCluster, modeChannel, primaries, type ApplyRecord } from '@shadowdiff/store';
import { deleteKeys, keysUnder, pollUntil, testRedis, testRedisEndpoint, uniqueId } from '@shadowdiff/testing';
import { afterAll, describe, expect, it } from 'vitest';

const redis = testRedis();
const prefix = uniqueId('slots');
const COMPARISONS = Array.from({ length: 24 }, (_, i) => `c${i}`);

afterAll(async () => {
  await deleteKeys(redis, await keysUnder(redis, `${prefix}*`));
  redis.disconnect();
});

const rec = (offset: number, key: string, eventTime: number): ApplyRecord => ({ offset: String(offset), kind: 'record', key, eventTime, blob: JSON.stringify({ k: key }) });

describe('a Redis Cluster', () => {
  it('is what this project runs on: three primaries', async () => {
    expect(testRedisEndpoint().kind).toBe('cluster');
    expect(isCluster(redis)).toBe(true);
    await pollUntil(async () => primaries(redis).length, (n) => n === 3, { what: 'the cluster client to know the three primaries' });
  });

  it("keeps each comparison's keys in one slot, whatever script wrote them, and spreads comparisons over the primaries", async () => {
    for (const comparison of COMPARISONS) {
      const store = createPairingStore({ redis, keyPrefix: prefix, comparison, horizonMs: 1000, maxWaitMs: 100 });
      await store.openEpoch();
      await store.registerPartitions('old', [0]);
      await store.registerPartitions('new', [0]);
      await store.apply([{ side: 'old', topic: 'o', partition: 0, records: [rec(0, 'a', 100), rec(1, 'b', 100)] }], {});
      await store.apply([{ side: 'new', topic: 'n', partition: 0, records: [rec(0, 'a', 100), rec(1, 'z', 5000)] }], {});
      await store.expireWaiting();
      const model = createReadModel({ redis, keyPrefix: prefix, comparison });
      await model.record([{ pairId: `${comparison}-p`, verdict: 'mismatch', decidedAt: 60_000, json: '{}', paths: ['amount'], latencyDeltaMs: 3 }]);
      await model.trim({ maxAgeMs: 1, maxCount: 10, now: 10 * 60_000 });
      await createModeRegistry({ redis, keyPrefix: prefix, comparison, defaultMode: 'shadow' }).change({ from: 'shadow', to: 'reverse_shadow', actor: 'test', reason: 'slots', forced: true });
    }
    const slotOf = async (key: string) => Number(await redis.call('CLUSTER', 'KEYSLOT', key));
    const slots = new Map<string, Set<number>>();
    for (const key of await keysUnder(redis, `${prefix}:*`)) {
      const comparison = /^[^:]+:\{([^}]+)\}/.exec(key)?.[1];
      expect(comparison, key).toBeDefined();
      const set = slots.get(comparison!) ?? new Set<number>();
      set.add(await slotOf(key));
      slots.set(comparison!, set);
    }
    expect([...slots.keys()].sort()).toEqual([...COMPARISONS].sort());
    for (const [comparison, set] of slots) expect(set.size, comparison).toBe(1);
    // Comparisons spread: more than one slot, and keys on every primary.
    expect(new Set([...slots.values()].map((s) => [...s][0])).size).toBeGreaterThan(1);
    const perPrimary = await Promise.all(primaries(redis).map(async (node) => (await node.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 100_000))[1].length));
    for (const n of perPrimary) expect(n).toBeGreaterThan(0);
  });

  it('carries a mode change announced through one node to a subscriber of another', async () => {
    const subscriber = redis.duplicate();
    const heard: string[] = [];
    subscriber.on('message', (_channel: string, message: string) => heard.push(message));
    await subscriber.subscribe(modeChannel(`${prefix}-pub`));
    try {
      for (const comparison of ['a', 'b', 'c', 'd']) {
        await createModeRegistry({ redis, keyPrefix: `${prefix}-pub`, comparison, defaultMode: 'shadow' }).change({ from: 'shadow', to: 'old', actor: 'test', reason: 'pubsub', forced: false });
      }
      await pollUntil(async () => heard.length, (n) => n === 4, { what: 'every announcement heard' });
      expect(heard.map((m) => (JSON.parse(m) as { comparison: string }).comparison).sort()).toEqual(['a', 'b', 'c', 'd']);
    } finally {
      subscriber.disconnect();
    }
  });
});
