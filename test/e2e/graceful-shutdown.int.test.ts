import { comparisonKeys } from '@shadowdiff/store';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, readAll, scrapeMetric, startJoinerProcess, sumWhere, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';

// SIGTERM in the middle of a stream: the joiner finishes what it holds, commits exactly what it
// applied, leaves nothing in the outbox, and a restarted joiner ends with every pair decided once.
const PAIRS = 6000;

describe('joiner stops on SIGTERM without losing a record', () => {
  const id = uniqueId('sigterm');
  const brokers = inject('brokers');
  const redisUrl = inject('redisUrl');
  const kafka = testKafka(brokers);
  const redis = new Redis(redisUrl);
  const oldTopic = `${id}.old`;
  const newTopic = `${id}.new`;
  const keys = comparisonKeys(id, 'c');

  const messages = (side: 'old' | 'new', from: number, to: number): Message[] =>
    Array.from({ length: to - from }, (_, j) => {
      const i = from + j;
      return { key: `k${i}`, value: JSON.stringify({ i, side: i % 100 === 0 && side === 'new' ? 'x' : 'same' }), timestamp: String(1_700_000_000_000 + i) };
    });

  const yaml = `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${id}" }
topics: { prefix: "${id}" }
joiner: { groupId: "${id}.joiner", metricsPort: 0 }
comparisons:
  - name: c
    old: { topic: ${oldTopic} }
    new: { topic: ${newTopic} }
    window: 10m
    maxWait: 10m
`;

  afterAll(async () => {
    await cleanUpPrefix(kafka, redis, id);
    redis.disconnect();
  });

  it('commits what it applied, publishes what it decided, and a restart finishes the job exactly once', async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, oldTopic, 3);
    await createTopic(admin, newTopic, 3);
    await produceRecords(kafka, oldTopic, messages('old', 0, PAIRS));

    const first = startJoinerProcess(yaml);
    const metricsUrl = await first.metricsUrl();
    await pollUntil(
      async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_pending_records').catch(() => new Map()), { side: 'old' }),
      (n) => n === PAIRS,
      { what: 'every old record parked', timeoutMs: 60_000 },
    );
    // The new side arrives while the joiner works; SIGTERM lands mid-stream.
    const producing = produceRecords(kafka, newTopic, messages('new', 0, PAIRS / 2), 100);
    await pollUntil(
      async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_total'), {}),
      (n) => n > 0,
      { what: 'the first verdicts' },
    );
    first.child.kill('SIGTERM');
    expect(await first.exited, first.output()).toBe(0);
    expect(first.output()).toContain('"event":"joiner.stopped"');
    await producing;

    // Nothing held back: the outbox is empty and Kafka has exactly the offsets Redis applied.
    expect(await redis.hlen(keys.outbox)).toBe(0);
    const applied = await redis.hgetall(keys.offsets);
    const committed = await admin.fetchOffsets({ groupId: `${id}.joiner`, topics: [oldTopic, newTopic] });
    for (const { topic, partitions } of committed) {
      for (const { partition, offset } of partitions) {
        const inRedis = applied[`${topic}/${partition}`];
        expect(offset, `${topic}/${partition}`).toBe(inRedis === undefined ? '-1' : String(Number(inRedis) + 1));
      }
    }

    await produceRecords(kafka, newTopic, messages('new', PAIRS / 2, PAIRS));
    const second = startJoinerProcess(yaml);
    try {
      await pollUntil(
        async () => {
          const verdicts = await readAll<{ pairId: string }>(kafka, [`${id}.c.matches`, `${id}.c.mismatches`]);
          return new Set(verdicts.map((v) => v.pairId)).size;
        },
        (n) => n >= PAIRS,
        { what: `${PAIRS} distinct verdicts`, timeoutMs: 90_000, intervalMs: 1000 },
      );
    } finally {
      second.child.kill('SIGTERM');
      expect(await second.exited, second.output()).toBe(0);
    }
    const verdicts = await readAll<{ pairId: string; verdict: string; key: string }>(kafka, [`${id}.c.matches`, `${id}.c.mismatches`]);
    const unique = new Map(verdicts.map((v) => [v.pairId, v]));
    const byKind = (kind: string) => [...unique.values()].filter((v) => v.verdict === kind).length;
    expect({ total: unique.size, match: byKind('match'), mismatch: byKind('mismatch') }).toEqual({
      total: PAIRS,
      match: PAIRS - PAIRS / 100,
      mismatch: PAIRS / 100,
    });
    expect(new Set([...unique.values()].map((v) => v.key)).size).toBe(PAIRS);
    await admin.disconnect();
  });
});
