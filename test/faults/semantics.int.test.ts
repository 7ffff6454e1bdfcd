import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import {
  cleanUpPrefix,
  countByKind,
  createTopicPair,
  pollUntil,
  produceRecords,
  scrapeMetric,
  sumWhere,
  testKafka,
  uniqueId,
  waitForVerdicts,
} from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const prefixes: string[] = [];
const joiners: Joiner[] = [];

afterAll(async () => {
  await Promise.all(joiners.map((j) => j.stop()));
  for (const prefix of prefixes) await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

async function topics(prefix: string, oldPartitions: number, newPartitions: number, configEntries: { name: string; value: string }[] = []) {
  await createTopicPair(kafka, prefix, { oldPartitions, newPartitions, configEntries });
}

async function startJoiner(prefix: string, comparison: string): Promise<{ joiner: Joiner; metricsUrl: string }> {
  const config = parseConfig(
    `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner" }
comparisons:
${comparison}`,
    `${prefix}.yaml`,
  );
  const joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 200, expireIntervalMs: 200 });
  joiners.push(joiner);
  return { joiner, metricsUrl: `http://127.0.0.1:${await joiner.start()}/metrics` };
}

const T0 = Date.parse('2026-01-01T00:00:00Z');
const sourceTs = (i: number) => ({ 'source-ts': new Date(T0 + i * 10).toISOString() });

describe('verdicts under lag, silence, bad input and different partitioning', () => {
  it('1. the new side arrives ten windows late in wall-clock time but carries its source event times: no missing', async () => {
    const prefix = uniqueId('lag');
    prefixes.push(prefix);
    await topics(prefix, 3, 3);
    const N = 2000;
    const windowMs = 200;
    await produceRecords(
      kafka,
      `${prefix}.old`,
      Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }), headers: sourceTs(i) })),
    );
    const oldDoneAt = Date.now();
    const { metricsUrl } = await startJoiner(
      prefix,
      `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    eventTime: { from: header, name: source-ts }
    window: ${windowMs}ms
    maxWait: 10m`,
    );
    await pollUntil(
      async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_pending_records'), { side: 'old' }),
      (n) => n === N,
      { what: 'every old record parked' },
    );
    await pollUntil(async () => Date.now() - oldDoneAt, (elapsed) => elapsed > 10 * windowMs, { what: 'ten windows of wall clock' });
    // The new side catches up in steps, so its stream time advances while later old records still
    // wait: its Kafka timestamps are now (far past the old ones), its source event times are not.
    const STEP = 200;
    for (let from = 0; from < N; from += STEP) {
      const step = Array.from({ length: STEP }, (_, j) => ({ key: `k${from + j}`, value: JSON.stringify({ i: from + j }), headers: sourceTs(from + j) }));
      await produceRecords(kafka, `${prefix}.new`, step);
      await pollUntil(
        async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_total'), {}),
        (n) => n >= from + STEP,
        { what: `verdicts for the first ${from + STEP} keys` },
      );
    }
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N);
    expect(countByKind(verdicts.values())).toEqual({ match: N });
  });

  it('2. the new side stops for good: every unpaired old record is missing_new by max_wait after the cap', async () => {
    const prefix = uniqueId('silent');
    prefixes.push(prefix);
    await topics(prefix, 3, 3);
    const N = 300;
    const PAIRED = 200;
    const old = Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }), headers: sourceTs(i) }));
    await produceRecords(kafka, `${prefix}.old`, old);
    await produceRecords(kafka, `${prefix}.new`, old.slice(0, PAIRED));
    const startedAt = Date.now();
    await startJoiner(
      prefix,
      `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    eventTime: { from: header, name: source-ts }
    window: 1s
    maxWait: 3s`,
    );
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N);
    expect(countByKind(verdicts.values())).toEqual({ match: PAIRED, missing_new: N - PAIRED });
    const missing = [...verdicts.values()].filter((v) => v.verdict === 'missing_new');
    expect(new Set(missing.map((v) => v.reason))).toEqual(new Set(['max_wait']));
    expect(new Set(missing.map((v) => Number(v.key?.slice(1))))).toEqual(new Set(Array.from({ length: N - PAIRED }, (_, j) => PAIRED + j)));
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(3000);
  });

  it('7. poison records interleaved (not JSON, no key, a 2 MB value) become invalid_* and the partitions move on', async () => {
    const prefix = uniqueId('poison');
    prefixes.push(prefix);
    await topics(prefix, 3, 3, [{ name: 'max.message.bytes', value: String(4 * 1024 * 1024) }]);
    const N = 300;
    const messages = (side: string): Message[] => {
      const out: Message[] = [];
      for (let i = 0; i < N; i += 1) {
        out.push({ key: `k${i}`, value: JSON.stringify({ i }) });
        if (side === 'old' && i === 50) out.push({ key: 'poison-json', value: '{"not": json' });
        if (side === 'new' && i === 120) out.push({ key: null, value: JSON.stringify({ keyless: true }) });
        if (side === 'new' && i === 200) out.push({ key: 'poison-big', value: Buffer.alloc(2 * 1024 * 1024, 'x') });
      }
      return out;
    };
    await produceRecords(kafka, `${prefix}.old`, messages('old'), 50);
    await produceRecords(kafka, `${prefix}.new`, messages('new'), 50);
    await startJoiner(
      prefix,
      `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10s
    maxWait: 10m`,
    );
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N + 3);
    expect(countByKind(verdicts.values())).toEqual({ match: N, invalid_old: 1, invalid_new: 2 });
    const invalid = [...verdicts.values()].filter((v) => v.verdict.startsWith('invalid_'));
    expect(invalid.map((v) => [v.verdict, v.key, v.reason?.split(':')[0]]).sort()).toEqual([
      ['invalid_new', null, 'no message key'],
      ['invalid_new', 'poison-big', 'oversized'],
      ['invalid_old', 'poison-json', 'not JSON'],
    ]);
  });

  it('8. an old topic with 3 partitions and a new topic with 6: pairs form by key, not by partition', async () => {
    const prefix = uniqueId('parts');
    prefixes.push(prefix);
    await topics(prefix, 3, 6);
    const N = 1500;
    const records = Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i, v: i % 50 === 0 ? 'x' : 'y' }) }));
    await produceRecords(kafka, `${prefix}.old`, records);
    await produceRecords(
      kafka,
      `${prefix}.new`,
      records.map((r, i) => (i % 50 === 0 ? { ...r, value: JSON.stringify({ i, v: 'z' }) } : r)),
    );
    await startJoiner(
      prefix,
      `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10s
    maxWait: 10m`,
    );
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N);
    expect(countByKind(verdicts.values())).toEqual({ match: N - N / 50, mismatch: N / 50 });
    const partitions = new Set([...verdicts.values()].map((v) => v.new?.partition));
    expect(partitions.size).toBe(6);
  });
});

describe('a side running far ahead', () => {
  it('is paused instead of being parked in Redis, and nothing is lost when it resumes', async () => {
    const prefix = uniqueId('ahead');
    prefixes.push(prefix);
    await topics(prefix, 3, 3);
    const N = 30_000;
    const padding = 'p'.repeat(300);
    const record = (i: number) => ({ key: `k${i}`, value: JSON.stringify({ i, padding }), headers: { 'source-ts': new Date(T0 + i * 1000).toISOString() } });
    await produceRecords(kafka, `${prefix}.new`, Array.from({ length: 100 }, (_, i) => record(i)));
    await produceRecords(kafka, `${prefix}.old`, Array.from({ length: N }, (_, i) => record(i)), 1000);
    const { joiner, metricsUrl } = await startJoiner(
      prefix,
      `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    eventTime: { from: header, name: source-ts }
    window: 5s
    maxAhead: 60s
    maxWait: 10m`,
    );
    const pausedOld = new Promise<void>((resolve) => joiner.events.on('joiner.flow_changed', ({ paused }) => paused === 'old' && resolve()));
    await pausedOld;
    const readWhenPaused = sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_records_total'), { side: 'old' });
    expect(readWhenPaused).toBeLessThan(N);
    // The new side catches up; the old side resumes; every pair is decided, none missing.
    await produceRecords(kafka, `${prefix}.new`, Array.from({ length: N - 100 }, (_, j) => record(100 + j)), 1000);
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N, 180_000);
    expect(countByKind(verdicts.values())).toEqual({ match: N });
  });
});

describe('large payloads', () => {
  it('publishes verdicts whose payloads add up to more than a broker request holds (2 KB records, chunks of 500)', async () => {
    const prefix = uniqueId('large');
    prefixes.push(prefix);
    await topics(prefix, 1, 1);
    const N = 2000;
    const pad = 'x'.repeat(2048);
    const records = Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i, pad }) }));
    await produceRecords(kafka, `${prefix}.old`, records);
    await produceRecords(kafka, `${prefix}.new`, records);
    await startJoiner(
      prefix,
      `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10s
    maxWait: 10m`,
    );
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', N);
    expect(countByKind(verdicts.values())).toEqual({ match: N });
  });
});
