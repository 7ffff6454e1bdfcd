import { parseConfig } from '@shadowdiff/config';
import { buildJoiner } from '@shadowdiff/joiner';
import {
  cleanUpPrefix,
  countByKind,
  createTopicPair,
  pollUntil,
  produceRecords,
  scrapeMetric,
  startJoinerProcess,
  stackYaml,
  sumWhere,
  testKafka,
  testRedis,
  testRedisEndpoint,
  uniqueId,
  waitForVerdicts,
} from '@shadowdiff/testing';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
// The project's Redis: one server, or (integration-ha) the local Redis Cluster.
const redis = testRedis();
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

function yaml(prefix: string): string {
  return stackYaml(
    { brokers, redisUrl, prefix, redis: testRedisEndpoint() },
    `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10m
    maxWait: 10m`,
    { joiner: 'metricsPort: 0, outboxLease: 2s, sessionTimeout: 6s' },
  );
}

/** Pairs from..to: every 100th differs. */
function pairs(side: 'old' | 'new', from: number, to: number): Message[] {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return { key: `k${i}`, value: JSON.stringify({ i, v: side === 'new' && i % 100 === 0 ? 'changed' : 'same' }) };
  });
}

async function topics(prefix: string): Promise<void> {
  await createTopicPair(kafka, prefix);
}

const verdictsIn = async (url: string) => sumWhere(await scrapeMetric(url, 'shadowdiff_verdicts_total').catch(() => new Map()), {});

describe('crashes and instances coming and going', () => {
  it('3. kill -9 of the joiner in the middle of 20,000 pairs, then a restart: every pair decided once', async () => {
    const prefix = uniqueId('kill');
    prefixes.push(prefix);
    await topics(prefix);
    const N = 20_000;
    await produceRecords(kafka, `${prefix}.old`, pairs('old', 0, N), 1000);
    await produceRecords(kafka, `${prefix}.new`, pairs('new', 0, N), 1000);

    const first = startJoinerProcess(yaml(prefix));
    const firstUrl = await first.metricsUrl();
    const atKill = await pollUntil(() => verdictsIn(firstUrl), (n) => n >= 2000, { what: 'the first 2,000 verdicts', intervalMs: 50 });
    first.child.kill('SIGKILL');
    expect(await first.exited).toBe('SIGKILL');
    expect(atKill).toBeLessThan(N);

    const second = startJoinerProcess(yaml(prefix));
    try {
      const verdicts = await waitForVerdicts(kafka, prefix, 'c', N, 180_000);
      expect(countByKind(verdicts.values())).toEqual({ match: N - N / 100, mismatch: N / 100 });
      expect(new Set([...verdicts.values()].map((v) => v.key)).size).toBe(N);
      // Verdicts the first instance published but had not yet removed from its outbox are
      // published again (the same pairIds) after the lease, and the outbox then empties.
      await pollUntil(() => redis.hlen(`${prefix}:{c}:outbox`), (n) => n === 0, { what: 'the outbox to empty', timeoutMs: 30_000 });
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited, second.output()).toBe(0);
    }
  });

  it('4. a second instance joins mid-stream and later leaves: partitions move without loss', async () => {
    const prefix = uniqueId('scale');
    prefixes.push(prefix);
    await topics(prefix);
    const STEP = 1000;
    const STEPS = 9;
    const config = parseConfig(yaml(prefix), `${prefix}.yaml`);
    const a = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 200 });
    const b = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 200 });
    const aUrl = `http://127.0.0.1:${await a.start()}/metrics`;
    let bUrl = '';
    try {
      for (let step = 0; step < STEPS; step += 1) {
        if (step === 3) bUrl = `http://127.0.0.1:${await b.start()}/metrics`;
        if (step === 6) {
          const bRecords = sumWhere(await scrapeMetric(bUrl, 'shadowdiff_records_total'), {});
          expect(bRecords, 'the second instance took part').toBeGreaterThan(0);
          await b.stop('leaving the group');
        }
        await produceRecords(kafka, `${prefix}.old`, pairs('old', step * STEP, (step + 1) * STEP));
        await produceRecords(kafka, `${prefix}.new`, pairs('new', step * STEP, (step + 1) * STEP));
      }
      const verdicts = await waitForVerdicts(kafka, prefix, 'c', STEP * STEPS, 180_000);
      expect(countByKind(verdicts.values())).toEqual({ match: STEP * STEPS - (STEP * STEPS) / 100, mismatch: (STEP * STEPS) / 100 });
      expect(await verdictsIn(aUrl)).toBeGreaterThan(0);
    } finally {
      await b.stop();
      await a.stop();
    }
  });
});
