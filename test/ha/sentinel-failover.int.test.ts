/**
 * Behind Sentinel: the joiner finds the primary through the sentinels, and when they fail it over
 * to the replica (`SENTINEL FAILOVER`) while the joiner pairs, the joiner asks them again, reconnects
 * to the new primary, and every verdict is exactly what it would have been without the failover.
 */
import { parseConfig } from '@shadowdiff/config';
import { sentinelPrimary } from '@shadowdiff/infra';
import type { Joiner } from '@shadowdiff/joiner';
import { openRedis } from '@shadowdiff/store';
import { cleanUpPrefix, pollUntil, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { decided, expectExactVerdicts, ordersConfig, produceOrders, startOrdersJoiner } from './orders.ts';
import { afterAll, describe, expect, inject, it } from 'vitest';

const id = uniqueId('sentinel');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
const group = inject('redisSentinel');
if (group === null) throw new Error('this file runs in the integration-ha project, which provides a Sentinel group');
const endpoint = { kind: 'sentinel', name: group.name, sentinels: group.sentinels, sentinelOptions: {}, options: {} } as const;
const redis = openRedis(endpoint);
let joiner: Joiner | undefined;

afterAll(async () => {
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

const KEYS = 2000;
const produce = (from: number, to: number) => produceOrders(kafka, id, from, to);

describe('Redis behind Sentinel', () => {
  it('SENTINEL FAILOVER mid-stream: the joiner reconnects to the new primary, and the verdicts are exactly right', async () => {
    const yaml = await ordersConfig(kafka, brokers, id, endpoint);
    expect(parseConfig(yaml, 'sentinel.yaml').redis.sentinel?.sentinels).toEqual(group.sentinels);
    await produce(0, KEYS / 2);
    const started = await startOrdersJoiner(yaml, 'sentinel.yaml');
    joiner = started.joiner;
    await pollUntil(() => decided(joiner!), (n) => n >= KEYS / 4, { what: 'a quarter decided before the failover', timeoutMs: 60_000 });

    const before = await sentinelPrimary(group.sentinels, group.name);
    const sentinel = new Redis(group.sentinels[0]!);
    try {
      expect(await sentinel.call('SENTINEL', 'FAILOVER', group.name)).toBe('OK');
    } finally {
      sentinel.disconnect();
    }
    await pollUntil(() => sentinelPrimary(group.sentinels, group.name), (now) => now !== null && now !== before, { what: 'the sentinels to name the replica primary', timeoutMs: 60_000 });

    await produce(KEYS / 2, KEYS);
    await expectExactVerdicts(kafka, id, KEYS, started);
  });
});
