/**
 * The primary serving a comparison's slot is killed (SIGKILL) while the joiner pairs, with
 * `redis.waitForReplicas: 1`: every apply the joiner counted as done is on the replica, which the
 * cluster promotes; the joiner waits, goes on against it, and every verdict is exactly right.
 */
import { redisClusterNodePid, redisClusterNodeRestart } from '@shadowdiff/infra';
import type { Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, pollUntil, testKafka, testRedis, testRedisEndpoint, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { decided, expectExactVerdicts, ordersConfig, produceOrders, shardOf, startOrdersJoiner } from './orders.ts';
import { afterAll, describe, expect, inject, it } from 'vitest';

const id = uniqueId('killed');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
const redis = testRedis();
let joiner: Joiner | undefined;

afterAll(async () => {
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

const KEYS = 3000;
const produce = (from: number, to: number) => produceOrders(kafka, id, from, to);


describe("a Redis Cluster primary killed while the joiner pairs, with redis.waitForReplicas", () => {
  it('kill -9 mid-stream: the replica takes over with every apply the joiner counted, and the verdicts are exactly right', async () => {
    expect(testRedisEndpoint().kind).toBe('cluster');
    const yaml = await ordersConfig(kafka, brokers, id, testRedisEndpoint(), 'waitForReplicas: { replicas: 1, timeout: 2s }');
    const before = await pollUntil(() => shardOf(redis, `${id}:{orders}:epoch`), (s) => s.replica !== null, { what: "the comparison's shard to have a replica", timeoutMs: 30_000 });
    await produce(0, KEYS / 2);
    const started = await startOrdersJoiner(yaml, 'killed.yaml');
    joiner = started.joiner;
    await pollUntil(() => decided(joiner!), (n) => n >= KEYS / 4, { what: 'a quarter decided before the kill', timeoutMs: 60_000 });

    const killed = `redis://${before.primary}`;
    // The joiner waits on that primary for its replica, and the replica has answered every WAIT.
    const primary = new Redis(killed);
    const waits = Number(/cmdstat_wait:calls=(\d+)/.exec(await primary.info('commandstats'))?.[1] ?? 0);
    primary.disconnect();
    expect(waits, 'WAIT calls on the primary').toBeGreaterThan(0);
    expect((await joiner.metrics.replicationShortfalls.get()).values.reduce((n, v) => n + v.value, 0)).toBe(0);
    const pid = redisClusterNodePid(killed);
    expect(pid, `the pid of ${killed}`).toBeDefined();
    // Killed while the second half is being produced and the first still being applied.
    const producing = produce(KEYS / 2, KEYS);
    process.kill(pid!, 'SIGKILL');
    try {
      await producing;
      await pollUntil(async () => (await shardOf(redis, `${id}:{orders}:epoch`).catch(() => before)).primary, (p) => p === before.replica, { what: `${before.replica} promoted`, timeoutMs: 60_000 });
      await expectExactVerdicts(kafka, id, KEYS, started);
    } finally {
      // The killed node comes back as the new primary's replica, for the tests after this one.
      await redisClusterNodeRestart(killed);
      const back = new Redis(killed);
      await pollUntil(async () => (await back.info('replication')).match(/master_link_status:(\w+)/)?.[1], (s) => s === 'up', { what: `${killed} back as a replica`, timeoutMs: 60_000 }).finally(() => back.disconnect());
    }
  });
});
