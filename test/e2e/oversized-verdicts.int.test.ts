import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, countByKind, createTopicPair, pollUntil, produceRecords, readAll, scrapeMetric, stackYaml, sumWhere, testKafka, uniqueId, type SeenVerdict } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const prefix = uniqueId('oversize');
let joiner: Joiner | undefined;
let api: Api | undefined;

afterAll(async () => {
  await joiner?.stop();
  await api?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

/** What the platform team set on the verdict topics it created itself. */
const TOPIC_LIMIT = 100_000;

describe('verdicts that do not fit their topic', () => {
  it('one three times larger than its topic accepts is published truncated; one the broker refuses for good does not hold back the rest', async () => {
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    const admin = kafka.admin();
    await admin.connect();
    try {
      // Compacted (by mistake): the broker refuses a record without a key there, for good.
      await admin.createTopics({
        topics: [`${prefix}.c.mismatches`, `${prefix}.c.matches`].map((topic) => ({
          topic,
          numPartitions: 1,
          configEntries: [
            { name: 'max.message.bytes', value: String(TOPIC_LIMIT) },
            { name: 'cleanup.policy', value: 'compact' },
          ],
        })),
        waitForLeaders: true,
      });
    } finally {
      await admin.disconnect();
    }
    const big = (side: string) => JSON.stringify({ id: 'big', side, blob: 'x'.repeat(150_000) });
    const N = 50;
    const ordinary = (i: number, side: 'old' | 'new'): Message => ({ key: `k${i}`, value: JSON.stringify({ i, side: i % 2 === 0 ? side : 'same' }) });
    const oldSide: Message[] = [{ key: 'big', value: big('old') }, { key: null, value: '{"no":"key"}' }, ...Array.from({ length: N }, (_, i) => ordinary(i, 'old'))];
    const newSide: Message[] = [{ key: 'big', value: big('new') }, ...Array.from({ length: N }, (_, i) => ordinary(i, 'new'))];
    await produceRecords(kafka, `${prefix}.old`, oldSide);
    await produceRecords(kafka, `${prefix}.new`, newSide);

    const yaml = stackYaml({ brokers, redisUrl, prefix }, `  - { name: c, old: { topic: ${prefix}.old }, new: { topic: ${prefix}.new }, window: 1h }`);
    joiner = buildJoiner({ config: parseConfig(yaml, `${prefix}.yaml`), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const metricsUrl = `http://127.0.0.1:${await joiner.start()}/metrics`;

    // Every verdict but the refused one reaches the topics, the ones decided after it included.
    const read = () => readAll<SeenVerdict & { truncated?: boolean; sizes?: { old: number; new: number; differences: number } }>(kafka, [`${prefix}.c.mismatches`, `${prefix}.c.matches`]);
    const verdicts = await pollUntil(read, (v) => new Set(v.map((x) => x.pairId)).size >= N + 1, { what: 'every verdict that fits' });
    const distinct = new Map(verdicts.map((v) => [v.pairId, v]));
    expect(countByKind(distinct.values())).toEqual({ mismatch: N / 2 + 1, match: N / 2 });

    const truncated = [...distinct.values()].find((v) => v.key === 'big')!;
    expect(truncated).toMatchObject({ verdict: 'mismatch', truncated: true, old: { value: '[truncated by shadowdiff]' }, new: { value: '[truncated by shadowdiff]' } });
    expect(truncated.sizes).toEqual({ old: big('old').length, new: big('new').length, differences: 1 });
    expect(truncated.differences).toEqual([{ path: 'side', kind: 'changed', old: 'old', new: 'new' }]);

    // The keyless invalid_old verdict: in the dead-letter list, counted, visible through the API.
    expect(await pollUntil(async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_dead_lettered_total'), { comparison: 'c' }), (n) => n >= 1, { what: 'the refusal counted' })).toBe(1);
    api = buildApi({ config: parseConfig(yaml, `${prefix}.yaml`), logger: pino({ level: 'silent' }), readVerdicts: false });
    await api.start();
    const dead = (await api.app.inject({ method: 'GET', url: '/api/v1/comparisons/c/dead-letters' })).json() as { total: number; items: { error: string; verdict: string; topic: string }[] };
    expect(dead.total).toBe(1);
    expect(dead.items[0]!.topic).toBe(`${prefix}.c.mismatches`);
    expect(dead.items[0]!.error).toMatch(/^INVALID_RECORD: /);
    expect(JSON.parse(dead.items[0]!.verdict)).toMatchObject({ verdict: 'invalid_old', key: null });
    // Nothing is left in the outbox to be refused again.
    await pollUntil(async () => redis.hlen(`${prefix}:{c}:outbox`), (n) => n === 0, { what: 'an empty outbox' });
  });
});
