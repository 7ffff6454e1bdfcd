/**
 * redis.waitForReplicas when the replica cannot answer (stopped with SIGSTOP): each apply's WAIT
 * times out, the joiner counts the shortfall (shadowdiff_redis_replication_shortfalls_total) and
 * goes on pairing; every verdict is exactly right, and once the replica is back in sync no apply
 * falls short.
 */
import { parseConfig } from '@shadowdiff/config';
import { redisClusterNodePid } from '@shadowdiff/infra';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, countByKind, createTopicPair, pollUntil, produceRecords, stackYaml, testKafka, testRedis, testRedisEndpoint, uniqueId, waitForVerdicts } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const id = uniqueId('shortfall');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
const redis = testRedis();
let joiner: Joiner | undefined;
let stopped: number | undefined;

afterAll(async () => {
  if (stopped !== undefined) process.kill(stopped, 'SIGCONT');
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

const KEYS = 600;
function produce(from: number, to: number) {
  const t0 = Date.now() - 600_000;
  const records = (side: 'old' | 'new') =>
    Array.from({ length: to - from }, (_, j) => {
      const i = from + j;
      return { key: `order-${i}`, value: JSON.stringify({ amount: side === 'new' && i % 10 === 0 ? i + 1 : i }), timestamp: String(t0 + i * 50) };
    });
  return Promise.all([produceRecords(kafka, `${id}.old`, records('old')), produceRecords(kafka, `${id}.new`, records('new'))]);
}

const shortfalls = async () => (await joiner!.metrics.replicationShortfalls.get()).values.reduce((n, v) => n + v.value, 0);

describe('waiting for a replica that does not answer', () => {
  it('counts each shortfall, goes on pairing, and decides every verdict exactly right', async () => {
    expect(testRedisEndpoint().kind).toBe('cluster');
    await createTopicPair(kafka, id, { oldPartitions: 2, newPartitions: 2 });
    joiner = buildJoiner({
      config: parseConfig(
        stackYaml(
          { brokers, redisUrl: '', prefix: id, redis: testRedisEndpoint() },
          `  - { name: orders, old: { topic: ${id}.old }, new: { topic: ${id}.new }, key: { from: message-key }, window: 5s, maxWait: 5s }`,
          { redis: 'waitForReplicas: { replicas: 1, timeout: 200ms }' },
        ),
        'shortfall.yaml',
      ),
      logger: pino({ level: 'error' }),
      metricsPort: 0,
    });
    await joiner.start();
    await produce(0, KEYS / 3);
    await waitForVerdicts(kafka, id, 'orders', KEYS / 3, 60_000);
    expect(await shortfalls(), 'with the replica up, every WAIT is answered').toBe(0);

    // The replica of the comparison's shard stops answering.
    const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', `${id}:{orders}:epoch`));
    const shards = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number], ...[string, number][]][];
    const replica = shards.find(([a, b]) => slot >= a && slot <= b)?.[3];
    expect(replica, "the comparison's shard has a replica").toBeDefined();
    stopped = redisClusterNodePid(`redis://${replica![0]}:${replica![1]}`);
    expect(stopped).toBeDefined();
    process.kill(stopped!, 'SIGSTOP');
    try {
      await produce(KEYS / 3, (2 * KEYS) / 3);
      await waitForVerdicts(kafka, id, 'orders', (2 * KEYS) / 3, 60_000);
      expect(await shortfalls()).toBeGreaterThan(0);
    } finally {
      process.kill(stopped!, 'SIGCONT');
      stopped = undefined;
    }
    // Back and in sync: no further shortfall.
    const back = new Redis(`redis://${replica![0]}:${replica![1]}`);
    try {
      await pollUntil(async () => (await back.info('replication')).match(/master_link_status:(\w+)/)?.[1], (s) => s === 'up', { what: 'the replica in sync again', timeoutMs: 30_000 });
    } finally {
      back.disconnect();
    }
    const before = await shortfalls();
    await produce((2 * KEYS) / 3, KEYS);
    const verdicts = await waitForVerdicts(kafka, id, 'orders', KEYS, 60_000);
    expect(countByKind(verdicts.values())).toEqual({ match: KEYS - KEYS / 10, mismatch: KEYS / 10 });
    expect(await shortfalls()).toBe(before);
    expect(joiner.health()).toBe('ok');
  });
});
