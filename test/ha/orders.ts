/**
 * What the failover tests share: orders i = 0 … n-1 on both sides (every 25th differs, every
 * 100th is only on the old side), the verdicts they must give, and where the cluster serves a key.
 */
import type { Joiner } from '@shadowdiff/joiner';
import type { RedisClient } from '@shadowdiff/store';
import { produceRecords } from '@shadowdiff/testing';
import type { Kafka } from 'kafkajs';

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
