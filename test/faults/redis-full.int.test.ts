import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import {
  cleanUpPrefix,
  countByKind,
  createTopicPair,
  pollUntil,
  produceRecords,
  readAll,
  scrapeMetric,
  stackYaml,
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
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const servers: TestRedis[] = [];
const cleanups: (() => Promise<void>)[] = [];
const joiners: Joiner[] = [];

afterAll(async () => {
  await Promise.all(joiners.map((j) => j.stop()));
  for (const cleanup of cleanups) await cleanup();
  for (const server of servers) await server.stop();
});

const pairs = (from: number, to: number, side: 'old' | 'new'): Message[] =>
  Array.from({ length: to - from }, (_, j) => ({ key: `k${from + j}`, value: JSON.stringify({ i: from + j, v: side === 'new' && (from + j) % 10 === 0 ? 'changed' : 'same' }) }));

function config(prefix: string, url: string, joiner?: string): ReturnType<typeof parseConfig> {
  const comparison = `  - { name: c, old: { topic: ${prefix}.old }, new: { topic: ${prefix}.new }, window: 1h, maxWait: 10m }`;
  return parseConfig(stackYaml({ brokers, redisUrl: url, prefix }, comparison, joiner === undefined ? {} : { joiner }), `${prefix}.yaml`);
}

describe('Redis under pressure', () => {
  it('at maxmemory with noeviction the joiner stalls safely and says why; once memory is freed it finishes with the exact verdicts', async () => {
    const prefix = uniqueId('oom');
    const server = await startTestRedis({ aof: false });
    servers.push(server);
    const redis = new Redis(server.url);
    cleanups.push(async () => {
      await cleanUpPrefix(kafka, redis, prefix);
      redis.disconnect();
    });
    await createTopicPair(kafka, prefix, { oldPartitions: 2, newPartitions: 2 });
    const N = 1000;
    const joiner = buildJoiner({ config: config(prefix, server.url), logger: pino({ level: 'silent' }), metricsPort: 0, sampleIntervalMs: 200 });
    joiners.push(joiner);
    const errors: string[] = [];
    joiner.events.on('joiner.error', ({ error }) => errors.push(error.message));
    await joiner.start();
    // The joiner reads and decides before Redis is full.
    await produceRecords(kafka, `${prefix}.old`, pairs(N, N + 1, 'old'));
    await produceRecords(kafka, `${prefix}.new`, pairs(N, N + 1, 'new'));
    await waitForVerdicts(kafka, prefix, 'c', 1);

    // Full: a ballast of 8 MB, and maxmemory below what Redis holds now. The ballast goes in on a
    // connection of its own that is then closed: its 8 MB query buffer would otherwise count in
    // used_memory until Redis frees it, and maxmemory measured with it would not hold Redis full.
    const setter = new Redis(server.url);
    await setter.set('ballast', 'x'.repeat(8_000_000));
    await setter.quit();
    const usedMemory = async () => Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1]);
    let previous = -1;
    const used = await pollUntil(
      async () => {
        const [was, now] = [previous, await usedMemory()];
        previous = now;
        return Math.abs(now - was) < 100_000 ? now : undefined;
      },
      (u) => u !== undefined,
      { what: 'used_memory to settle', intervalMs: 300 },
    );
    await redis.config('SET', 'maxmemory-policy', 'noeviction');
    await redis.config('SET', 'maxmemory', String(used! - 1_000_000));
    await produceRecords(kafka, `${prefix}.old`, pairs(0, N, 'old'));
    await produceRecords(kafka, `${prefix}.new`, pairs(0, N, 'new'));

    const why = await pollUntil(async () => errors.find((m) => m.includes('OOM')), (m) => m !== undefined, { what: 'the joiner to say Redis is full' });
    expect(why).toMatch(/Redis is full \(maxmemory reached under noeviction/);
    // Nothing was decided on a Redis that refused the writes: only the first pair's verdict is there.
    expect((await readAll<{ key: string }>(kafka, [`${prefix}.c.matches`, `${prefix}.c.mismatches`])).map((v) => v.key)).toEqual([`k${N}`]);

    await redis.del('ballast');
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N + 1);
    // k1000 is one of the mismatches (every tenth).
    expect(countByKind(verdicts.values())).toEqual({ match: N - N / 10, mismatch: N / 10 + 1 });
  });

  it('an outbox past joiner.maxOutbox pauses reading, says why, and reading resumes as it drains', async () => {
    const prefix = uniqueId('outbox');
    const redis = new Redis(redisUrl);
    cleanups.push(async () => {
      await cleanUpPrefix(kafka, redis, prefix);
      redis.disconnect();
    });
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    const LIMIT = 100;
    const joiner = buildJoiner({ config: config(prefix, redisUrl, `maxOutbox: ${LIMIT}, outboxLease: 2s`), logger: pino({ level: 'silent' }), metricsPort: 0, sampleIntervalMs: 200 });
    joiners.push(joiner);
    const full: boolean[] = [];
    joiner.events.on('joiner.outbox_full', (e) => full.push(e.full));
    let samples = 0;
    joiner.events.on('joiner.store_sampled', () => (samples += 1));
    const metricsUrl = `http://127.0.0.1:${await joiner.start()}/metrics`;

    // Kafka takes no verdict: the verdict topics the joiner created are gone.
    const topics = [`${prefix}.c.matches`, `${prefix}.c.mismatches`];
    const admin = kafka.admin();
    await admin.connect();
    await admin.deleteTopics({ topics });
    const FIRST = 300;
    await produceRecords(kafka, `${prefix}.old`, pairs(0, FIRST, 'old'));
    await produceRecords(kafka, `${prefix}.new`, pairs(0, FIRST, 'new'));
    await pollUntil(async () => full, (f) => f[0] === true, { what: 'reading paused for a full outbox' });
    expect(sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_reading_paused'), { comparison: 'c', reason: 'outbox_full' })).toBe(1);

    // Paused: records written now are not read while the outbox stays full.
    await produceRecords(kafka, `${prefix}.old`, pairs(FIRST, 2 * FIRST, 'old'));
    await produceRecords(kafka, `${prefix}.new`, pairs(FIRST, 2 * FIRST, 'new'));
    const seen = samples;
    await pollUntil(async () => samples, (n) => n >= seen + 5, { what: 'five more samples of the store' });
    expect(sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_records_total'), {})).toBe(2 * FIRST);

    // Kafka takes verdicts again: the outbox drains, reading resumes, every verdict arrives.
    await admin.createTopics({ topics: topics.map((topic) => ({ topic, numPartitions: 1 })), waitForLeaders: true });
    await admin.disconnect();
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', 2 * FIRST, 180_000);
    expect(countByKind(verdicts.values())).toEqual({ match: 2 * FIRST - (2 * FIRST) / 10, mismatch: (2 * FIRST) / 10 });
    // Paused, then resumed; the second 300 pairs may fill the outbox (limit 100) once more before
    // the re-created topics take verdicts at full speed: every pause is followed by its resume.
    expect(full.length).toBeGreaterThanOrEqual(2);
    expect(full).toEqual(full.map((_, i) => i % 2 === 0));
  }, 240_000);
});
