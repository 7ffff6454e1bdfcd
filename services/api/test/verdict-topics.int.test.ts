import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopicPair, pollUntil, produceRecords, stackYaml, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { buildApi, type Api } from '../src/index.ts';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const prefix = uniqueId('vtopics');
let api: Api | undefined;
let joiner: Joiner | undefined;

afterAll(async () => {
  await joiner?.stop();
  await api?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

const yaml = stackYaml({ brokers, redisUrl, prefix }, `  - { name: c, old: { topic: ${prefix}.old }, new: { topic: ${prefix}.new }, window: 1h, maxWait: 10m }`, { topics: 'partitions: 1' });

/** What someone with write access to a verdict topic might put there, by mistake or not. */
const GARBAGE: (string | null)[] = [
  'not json at all',
  'null',
  '[1,2,3]',
  JSON.stringify({ schema: 'shadowdiff.verdict.v1', comparison: 'c', pairId: 'f'.repeat(32), verdict: 'totally_fine', decidedAt: '2026-01-01T00:00:00Z', differences: [] }),
  JSON.stringify({ schema: 'shadowdiff.verdict.v1', comparison: 'c', pairId: 'f'.repeat(32), verdict: 'mismatch', decidedAt: 'the day before yesterday', differences: [] }),
  JSON.stringify({ schema: 'shadowdiff.verdict.v1', comparison: 'c', pairId: '<script>', verdict: 'mismatch', decidedAt: '2026-01-01T00:00:00Z', differences: [] }),
  JSON.stringify({ schema: 'shadowdiff.verdict.v1', comparison: 'c', pairId: 'e'.repeat(32), verdict: 'mismatch', decidedAt: '2026-01-01T00:00:00Z', differences: [{ path: { $gt: '' } }] }),
  `{"schema":"shadowdiff.verdict.v1","comparison":"c","pairId":"${'d'.repeat(32)}","verdict":"mismatch","decidedAt":"2026-01-01T00:00:00Z","differences":[],"old":{"value":${'['.repeat(20_000)}${']'.repeat(20_000)}}}`,
  null,
];

describe("the API's verdict reader", () => {
  it('starts before any joiner, waits for the verdict topics, then reads the verdicts and skips what is not one', async () => {
    api = buildApi({ config: parseConfig(yaml, `${prefix}.yaml`), logger: pino({ level: 'silent' }), trimIntervalMs: 3_600_000 });
    await api.start();
    const health = await pollUntil(
      async () => api!.app.inject({ method: 'GET', url: '/healthz' }),
      (r) => (r.json() as { reader: string }).reader !== 'idle',
      { what: 'the reader to look for its topics' },
    );
    expect([health.statusCode, health.json()]).toEqual([200, { status: 'ok', reader: 'waiting' }]);
    const ready = await api.app.inject({ method: 'GET', url: '/readyz' });
    expect(ready.statusCode).toBe(503);
    expect(ready.json()).toMatchObject({ status: 'not ready', checks: { reader: 'waiting' } });

    const N = 200;
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    await produceRecords(kafka, `${prefix}.old`, Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) })));
    await produceRecords(kafka, `${prefix}.new`, Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i: i % 10 === 0 ? -i - 1 : i }) })));
    joiner = buildJoiner({ config: parseConfig(yaml, `${prefix}.yaml`), logger: pino({ level: 'silent' }), metricsPort: 0 });
    await joiner.start();
    // Garbage on both topics, before and after the joiner's verdicts.
    const garbage = GARBAGE.map((value): Message => ({ key: 'x', value }));
    await produceRecords(kafka, `${prefix}.c.mismatches`, garbage);
    await produceRecords(kafka, `${prefix}.c.matches`, garbage);

    const totals = async () => ((await api!.app.inject({ method: 'GET', url: '/api/v1/comparisons' })).json() as { totals: Record<string, number> }[])[0]?.totals;
    expect(await pollUntil(totals, (t) => (t?.match ?? 0) + (t?.mismatch ?? 0) >= N, { what: 'every verdict in the read model' })).toEqual({
      match: N - N / 10,
      mismatch: N / 10,
    });
    const metrics = async () => (await api!.app.inject({ method: 'GET', url: '/metrics' })).body;
    const skipped = await pollUntil(
      async () => Number(/shadowdiff_api_verdicts_skipped_total\{comparison="c"\} (\d+)/.exec(await metrics())?.[1] ?? 0),
      (n) => n >= 2 * GARBAGE.length,
      { what: 'the garbage counted as skipped' },
    );
    expect(skipped).toBe(2 * GARBAGE.length);
    // Still reading: a verdict written after the garbage arrives.
    await produceRecords(kafka, `${prefix}.new`, [{ key: 'late-key', value: '{}' }]);
    await produceRecords(kafka, `${prefix}.old`, [{ key: 'late-key', value: '{}' }]);
    await pollUntil(totals, (t) => t?.match === N - N / 10 + 1, { what: 'a verdict after the garbage' });
    const healthAfter = await api.app.inject({ method: 'GET', url: '/healthz' });
    expect([healthAfter.statusCode, healthAfter.json()]).toEqual([200, { status: 'ok', reader: 'consuming' }]);
  });
});
