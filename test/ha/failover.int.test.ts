/**
 * A primary of the Redis Cluster fails over to its replica while the joiner pairs
 * (`CLUSTER FAILOVER` on the replica: the coordinated handover, no write lost): the joiner's
 * commands are redirected to the new primary, and every verdict is exactly what it would have
 * been without the failover.
 */
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { primaries } from '@shadowdiff/store';
import { cleanUpPrefix, countByKind, createTopicPair, pollUntil, stackYaml, testKafka, testRedis, testRedisEndpoint, uniqueId, waitForVerdicts } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { decided, orderCounts, orderVerdict, produceOrders, shardOf } from './orders.ts';
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
const expected = orderCounts(KEYS);
const produce = (from: number, to: number) => produceOrders(kafka, id, from, to);


describe('a Redis Cluster primary failing over while the joiner pairs', () => {
  it('CLUSTER FAILOVER mid-stream: the joiner follows the slot to the new primary, and the verdicts are exactly right', async () => {
    expect(testRedisEndpoint().kind).toBe('cluster');
    await createTopicPair(kafka, id, { oldPartitions: 2, newPartitions: 2 });
    const yaml = stackYaml(
      { brokers, redisUrl: '', prefix: id, redis: testRedisEndpoint() },
      `  - { name: orders, old: { topic: ${id}.old }, new: { topic: ${id}.new }, key: { from: message-key }, window: 5s, maxWait: 5s }`,
    );
    await produce(0, KEYS / 2);
    joiner = buildJoiner({ config: parseConfig(yaml, 'failover.yaml'), logger: pino({ level: 'warn' }), metricsPort: 0 });
    const errors: string[] = [];
    joiner.events.on('joiner.fatal', ({ error }) => errors.push(error.message));
    await joiner.start();
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
    const verdicts = await waitForVerdicts(kafka, id, 'orders', KEYS, 120_000);
    expect(verdicts.size).toBe(KEYS);
    // Each order decided once: one pairId per key.
    expect(new Set([...verdicts.values()].map((v) => v.key)).size).toBe(KEYS);
    expect(countByKind(verdicts.values())).toEqual(expected);
    for (const v of verdicts.values()) {
      const i = Number(v.key?.slice('order-'.length));
      expect(v.verdict, v.key ?? '').toBe(orderVerdict(i));
    }
    expect(errors).toEqual([]);
    expect(joiner.health()).toBe('ok');
    // Three primaries still serve every slot.
    expect(primaries(redis).length).toBe(3);
  });
});
