import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import {
  cleanUpPrefix,
  countByKind,
  createTopicPair,
  pollUntil,
  produceRecords,
  scrapeMetric,
  startTestRedis,
  sumWhere,
  testKafka,
  uniqueId,
  waitForVerdicts,
  type TestRedis,
} from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const kafka = testKafka(brokers);
const servers: TestRedis[] = [];
const cleanups: (() => Promise<void>)[] = [];

afterAll(async () => {
  for (const cleanup of cleanups) await cleanup();
  for (const server of servers) await server.stop();
});

const pairs = (from: number, to: number): Message[] =>
  Array.from({ length: to - from }, (_, j) => ({ key: `k${from + j}`, value: JSON.stringify({ i: from + j }) }));

async function setUp(aof: boolean) {
  const prefix = uniqueId(aof ? 'aof' : 'flush');
  const server = await startTestRedis({ aof });
  servers.push(server);
  const redis = new Redis(server.url, { maxRetriesPerRequest: null });
  redis.on('error', () => undefined); // the test restarts this server on purpose
  cleanups.push(async () => {
    await cleanUpPrefix(kafka, redis, prefix);
    redis.disconnect();
  });
  await createTopicPair(kafka, prefix);
  const config = (onStateLoss: 'stop' | 'rewind') =>
    parseConfig(
      `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${server.url}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner", onStateLoss: ${onStateLoss}, sessionTimeout: 6s }
comparisons:
  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10m
    maxWait: 10m
`,
      `${prefix}.yaml`,
    );
  return { prefix, server, redis, config };
}

const verdictsIn = async (url: string) => sumWhere(await scrapeMetric(url, 'shadowdiff_verdicts_total').catch(() => new Map()), {});

describe('Redis restarts and state loss', () => {
  it('6a. Redis restarted mid-stream with AOF on: the joiner waits, reconnects, and every pair is decided once', async () => {
    const { prefix, server, config } = await setUp(true);
    const joiner = buildJoiner({ config: config('stop'), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const fatal: Error[] = [];
    joiner.events.on('joiner.fatal', ({ error }) => fatal.push(error));
    const url = `http://127.0.0.1:${await joiner.start()}/metrics`;
    try {
      await produceRecords(kafka, `${prefix}.old`, pairs(0, 3000));
      await produceRecords(kafka, `${prefix}.new`, pairs(0, 1000));
      await pollUntil(() => verdictsIn(url), (n) => n >= 1000, { what: 'the first 1,000 verdicts' });
      await server.stop();
      await produceRecords(kafka, `${prefix}.new`, pairs(1000, 2000));
      await server.start();
      await produceRecords(kafka, `${prefix}.new`, pairs(2000, 3000));
      const verdicts = await waitForVerdicts(kafka, prefix, 'c', 3000);
      expect(countByKind(verdicts.values())).toEqual({ match: 3000 });
      expect(fatal).toEqual([]);
    } finally {
      await joiner.stop();
    }
  });

  it('6c. Redis stopped while a backlog drains (flushes queued behind the one that fails): the joiner rewinds, and every pair is decided once', async () => {
    const { prefix, server, config } = await setUp(true);
    await produceRecords(kafka, `${prefix}.old`, pairs(0, 30_000));
    await produceRecords(kafka, `${prefix}.new`, pairs(0, 30_000));
    const joiner = buildJoiner({ config: config('stop'), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const failures: string[] = [];
    joiner.events.on('joiner.error', ({ during }) => failures.push(during));
    const url = `http://127.0.0.1:${await joiner.start()}/metrics`;
    try {
      const applied = async () => sumWhere(await scrapeMetric(url, 'shadowdiff_records_total'), {});
      for (const mark of [15_000, 35_000]) {
        await pollUntil(applied, (n) => n >= mark, { what: `${mark} records applied` });
        await server.stop();
        // Kafka reads on while the flushes in flight fail: what they held is read again later.
        await pollUntil(async () => failures.filter((d) => d === 'apply').length, (n) => n > 0, { what: 'a failed flush' });
        failures.length = 0;
        await server.start();
      }
      const verdicts = await waitForVerdicts(kafka, prefix, 'c', 30_000);
      expect(countByKind(verdicts.values())).toEqual({ match: 30_000 });
    } finally {
      await joiner.stop();
    }
  });

  it('6b. Redis flushed mid-stream: the joiner stops before deciding on lost state; a restart with onStateLoss: rewind rebuilds it exactly', async () => {
    const { prefix, redis, config } = await setUp(false);
    const first: Joiner = buildJoiner({ config: config('stop'), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const fatal: Error[] = [];
    first.events.on('joiner.fatal', ({ error }) => fatal.push(error));
    const stopped = new Promise<void>((resolve) => first.events.once('joiner.stopped', () => resolve()));
    const url = `http://127.0.0.1:${await first.start()}/metrics`;
    await produceRecords(kafka, `${prefix}.old`, pairs(0, 3000));
    await produceRecords(kafka, `${prefix}.new`, pairs(0, 1000));
    await pollUntil(() => verdictsIn(url), (n) => n >= 1000, { what: 'the first 1,000 verdicts' });
    await redis.flushall();
    await produceRecords(kafka, `${prefix}.new`, pairs(1000, 3000));
    await stopped;
    expect(fatal.map((e) => (e as { code?: string }).code)).toEqual(['SHADOWDIFF_ERR_JOINER_STATE_LOST']);
    // Nothing false was published: only matches, for keys that really pair.
    const before = await waitForVerdicts(kafka, prefix, 'c', 1000);
    expect(Object.keys(countByKind(before.values()))).toEqual(['match']);

    // A start with `stop` refuses; a start with `rewind` resets the group and rebuilds.
    const refused = buildJoiner({ config: config('stop'), logger: pino({ level: 'silent' }), metricsPort: 0 });
    await expect(refused.start()).rejects.toMatchObject({ code: 'SHADOWDIFF_ERR_JOINER_STATE_LOST' });
    await refused.stop();

    const second = buildJoiner({ config: config('rewind'), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const rewound: string[] = [];
    second.events.on('joiner.rewound', ({ comparison }) => rewound.push(comparison));
    await second.start();
    try {
      const verdicts = await waitForVerdicts(kafka, prefix, 'c', 3000);
      expect(countByKind(verdicts.values())).toEqual({ match: 3000 });
      expect(rewound).toEqual(['c']);
    } finally {
      await second.stop();
    }
  });
});
