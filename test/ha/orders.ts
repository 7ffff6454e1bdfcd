/**
 * What the failover tests share: orders i = 0 … n-1 on both sides (every 25th differs, every
 * 100th is only on the old side), their topics and a joiner on them, the verdicts they must give
 * and the check of them, and where the cluster serves a key.
 */
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import type { RedisClient, RedisEndpoint } from '@shadowdiff/store';
import { countByKind, createTopicPair, produceRecords, stackYaml, waitForVerdicts } from '@shadowdiff/testing';
import type { Kafka } from 'kafkajs';
import { pino } from 'pino';
import { expect } from 'vitest';

export function produceOrders(kafka: Kafka, prefix: string, from: number, to: number) {
  const t0 = Date.now() - 600_000;
  const old = [];
  const neu = [];
  for (let i = from; i < to; i += 1) {
    const key = `order-${i}`;
    const timestamp = String(t0 + i * 50);
    old.push({ key, value: JSON.stringify({ amount: i }), timestamp });
    if (i % 100 !== 99) neu.push({ key, value: JSON.stringify({ amount: i % 25 === 0 ? i + 1 : i }), timestamp });
  }
  return Promise.all([produceRecords(kafka, `${prefix}.old`, old), produceRecords(kafka, `${prefix}.new`, neu)]);
}

/** The verdict of order i. */
export const orderVerdict = (i: number) => (i % 100 === 99 ? 'missing_new' : i % 25 === 0 ? 'mismatch' : 'match');

/** The counts by kind of orders 0 … n-1 (n a multiple of 100). */
export const orderCounts = (n: number) => ({ match: n - n / 25 - n / 100, mismatch: n / 25, missing_new: n / 100 });

/** The primary serving `key`'s slot and its replica (null while it has none), as the cluster reports them. */
export async function shardOf(redis: RedisClient, key: string): Promise<{ primary: string; replica: string | null }> {
  const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
  const shards = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number, string], ...[string, number, string][]][];
  const shard = shards.find(([start, end]) => slot >= start && slot <= end);
  if (!shard) throw new Error(`no shard serves slot ${slot}`);
  const [, , primary, replica] = shard;
  return { primary: `${primary[0]}:${primary[1]}`, replica: replica ? `${replica[0]}:${replica[1]}` : null };
}

/** Verdicts a joiner has decided so far, every kind. */
export const decided = async (joiner: Joiner) => (await joiner.metrics.verdicts.get()).values.reduce((n, v) => n + v.value, 0);

/** The orders' topics (`<id>.old`, `<id>.new`, two partitions each) and the config of one comparison on them, on `redis` (`more`: more redis settings). */
export async function ordersConfig(kafka: Kafka, brokers: string, id: string, redis: RedisEndpoint, more?: string): Promise<string> {
  await createTopicPair(kafka, id, { oldPartitions: 2, newPartitions: 2 });
  return stackYaml(
    { brokers, redisUrl: '', prefix: id, redis },
    `  - { name: orders, old: { topic: ${id}.old }, new: { topic: ${id}.new }, key: { from: message-key }, window: 5s, maxWait: 5s }`,
    more === undefined ? {} : { redis: more },
  );
}

/** A joiner on that config, started, and the messages of the fatal errors it reports. */
export async function startOrdersJoiner(yaml: string, file: string): Promise<{ joiner: Joiner; errors: string[] }> {
  const joiner = buildJoiner({ config: parseConfig(yaml, file), logger: pino({ level: 'warn' }), metricsPort: 0 });
  const errors: string[] = [];
  joiner.events.on('joiner.fatal', ({ error }) => errors.push(error.message));
  await joiner.start();
  return { joiner, errors };
}

/** Every one of `keys` orders decided once and exactly right, and the joiner healthy, with no fatal error. */
export async function expectExactVerdicts(kafka: Kafka, id: string, keys: number, { joiner, errors }: { joiner: Joiner; errors: string[] }): Promise<void> {
  const verdicts = await waitForVerdicts(kafka, id, 'orders', keys, 120_000);
  expect(verdicts.size).toBe(keys);
  // Each order decided once: one pairId per key.
  expect(new Set([...verdicts.values()].map((v) => v.key)).size).toBe(keys);
  expect(countByKind(verdicts.values())).toEqual(orderCounts(keys));
  for (const v of verdicts.values()) {
    const i = Number(v.key?.slice('order-'.length));
    expect(v.verdict, v.key ?? '').toBe(orderVerdict(i));
  }
  expect(errors).toEqual([]);
  expect(joiner.health()).toBe('ok');
}
