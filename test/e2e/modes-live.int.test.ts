import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { createModeRegistry } from '@shadowdiff/store';
import { cleanUpPrefix, countByKind, createTopicPair, distinctVerdicts, pollUntil, produceRecords, scrapeMetric, sumWhere, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// The joiner and the API together, on real topics: idle in old, verdicts labelled with the mode,
// and a reverse shadow that the joiner's own verdicts roll back.
const prefix = uniqueId('live');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
const redis = new Redis(inject('redisUrl'));
let joiner: Joiner;
let api: Api;
let metricsUrl: string;

const records = (from: number, to: number, side: 'old' | 'new', mismatchEvery = 0): Message[] =>
  Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return { key: `k${i}`, value: JSON.stringify({ i, status: side === 'new' && mismatchEvery > 0 && i % mismatchEvery === 0 ? 'NEW' : 'PAID' }) };
  });

async function produce(from: number, to: number, mismatchEvery = 0) {
  await produceRecords(kafka, `${prefix}.old`, records(from, to, 'old'));
  await produceRecords(kafka, `${prefix}.new`, records(from, to, 'new', mismatchEvery));
}

beforeAll(async () => {
  await createTopicPair(kafka, prefix);
  const config = parseConfig(
    `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${inject('redisUrl')}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner" }
api: { groupId: "${prefix}.api" }
comparisons:
  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10s
    maxWait: 10m
    mode: old
    rollback: { window: 5m, minPairs: 100, maxMismatchRate: 0.05, maxMissingRate: 0.05 }
`,
    'live.yaml',
  );
  joiner = buildJoiner({ config, logger: pino({ level: 'silent' }), metricsPort: 0, sampleIntervalMs: 200 });
  metricsUrl = `http://127.0.0.1:${await joiner.start()}/metrics`;
  api = buildApi({ config, logger: pino({ level: 'silent' }), rollbackIntervalMs: 300 });
  await api.start();
});

afterAll(async () => {
  await api?.stop();
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

describe('modes with the joiner and the API on real topics', () => {
  it('idles in old, labels verdicts with the mode, and rolls a bad reverse shadow back', async () => {
    const registry = createModeRegistry({ redis, keyPrefix: prefix, comparison: 'c', defaultMode: 'old' });
    await produce(0, 300);
    await pollUntil(async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_records_total'), { outcome: 'idle' }), (n) => n >= 600, {
      what: 'the idle joiner to read 600 records',
    });
    expect(sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_total'), {})).toBe(0);

    await registry.change({ from: 'old', to: 'shadow', actor: 'test', reason: 'compare', forced: false });
    await pollUntil(async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_mode'), { mode: 'shadow' }), (n) => n === 1, { what: 'the joiner in shadow' });
    await produce(300, 600);
    await pollUntil(async () => (await distinctVerdicts(kafka, prefix, 'c')).size, (n) => n >= 300, { what: '300 verdicts' });

    await registry.change({ from: 'shadow', to: 'reverse_shadow', actor: 'test', reason: 'promote (forced for the test)', forced: true });
    await pollUntil(async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_mode'), { mode: 'reverse_shadow' }), (n) => n === 1, { what: 'the joiner in reverse_shadow' });
    await produce(600, 900, 5); // every fifth differs: 20% > 5%
    await pollUntil(async () => (await registry.get()).mode, (m) => m === 'shadow', { what: 'the automatic rollback' });

    const verdicts = [...(await distinctVerdicts(kafka, prefix, 'c')).values()] as unknown as { key: string; verdict: string; mode: string }[];
    const index = (v: { key: string }) => Number(v.key.slice(1));
    expect(verdicts.some((v) => index(v) < 300)).toBe(false);
    expect(new Set(verdicts.filter((v) => index(v) < 600).map((v) => v.mode))).toEqual(new Set(['shadow']));
    // Decided in reverse_shadow until the rollback, in shadow after it: every one is decided.
    const reverse = await pollUntil(
      async () => [...(await distinctVerdicts(kafka, prefix, 'c')).values()].filter((v) => Number(v.key?.slice(1)) >= 600) as unknown as { mode: string; verdict: string }[],
      (list) => list.length >= 300,
      { what: 'the 300 verdicts of the reverse shadow' },
    );
    expect(reverse.some((v) => v.mode === 'reverse_shadow')).toBe(true);
    expect(reverse.every((v) => v.mode === 'reverse_shadow' || v.mode === 'shadow')).toBe(true);
    expect(countByKind(reverse as never)).toEqual({ match: 240, mismatch: 60 });
    const [last] = await registry.history(1);
    expect(last).toMatchObject({ from: 'reverse_shadow', to: 'shadow', actor: 'auto-rollback' });
  });
});
