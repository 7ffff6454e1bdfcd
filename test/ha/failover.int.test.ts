/**
 * A primary of the Redis Cluster fails over to its replica while the joiner pairs
 * (`CLUSTER FAILOVER` on the replica: the coordinated handover, no write lost): the joiner's
 * commands are redirected to the new primary, and every verdict is exactly what it would have
 * been without the failover.
 */
import type { Joiner } from '@shadowdiff/joiner';
import { primaries } from '@shadowdiff/store';
import { cleanUpPrefix, pollUntil, testKafka, testRedis, testRedisEndpoint, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { decided, expectExactVerdicts, ordersConfig, produceOrders, shardOf, startOrdersJoiner } from './orders.ts';
import { afterAll, describe, expect, inject, it } from 'vitest';

const id = uniqueId('failover');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
const redis = testRedis();
let joiner: Joiner | undefined;

afterAll(async () => {
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

const KEYS = 2000;
const produce = (from: number, to: number) => produceOrders(kafka, id, from, to);


describe('a Redis Cluster primary failing over while the joiner pairs', () => {
  it('CLUSTER FAILOVER mid-stream: the joiner follows the slot to the new primary, and the verdicts are exactly right', async () => {
    expect(testRedisEndpoint().kind).toBe('cluster');
    const yaml = await ordersConfig(kafka, brokers, id, testRedisEndpoint());
    await produce(0, KEYS / 2);
    const started = await startOrdersJoiner(yaml, 'failover.yaml');
    joiner = started.joiner;
    await pollUntil(() => decided(joiner!), (n) => n >= KEYS / 4, { what: 'a quarter decided before the failover', timeoutMs: 60_000 });

    const before = await pollUntil(() => shardOf(redis, `${id}:{orders}:epoch`), (s) => s.replica !== null, { what: "the comparison's shard to have a replica", timeoutMs: 30_000 });
    const replica = new Redis(`redis://${before.replica!}`);
    try {
      expect(await replica.call('CLUSTER', 'FAILOVER')).toBe('OK');
      await pollUntil(async () => ((await replica.call('ROLE')) as [string])[0], (role) => role === 'master', { what: `${before.replica} to take over`, timeoutMs: 30_000 });
    } finally {
      replica.disconnect();
    }
    await pollUntil(async () => (await shardOf(redis, `${id}:{orders}:epoch`)).primary, (p) => p === before.replica, { what: 'the cluster to route the slot to the new primary', timeoutMs: 30_000 });

    await produce(KEYS / 2, KEYS);
    await expectExactVerdicts(kafka, id, KEYS, started);
    // Three primaries still serve every slot.
    expect(primaries(redis).length).toBe(3);
  });
});
