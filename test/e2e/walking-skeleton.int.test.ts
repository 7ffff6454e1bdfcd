import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner, type Verdict } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, readAll, scrapeMetric, stackYaml, sumWhere, testKafka, testRedis, testRedisEndpoint, uniqueId } from '@shadowdiff/testing';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// 1,000 keys; 37 with one changed field, 5 only on old, 5 only on new. Event times are the Kafka
// timestamps, 100 ms apart, so the stream time of each side passes the window of every
// one-sided key (all among the first 900) and they are declared missing by watermark.
const KEYS = 1000;
const MISMATCH = new Set(Array.from({ length: 37 }, (_, i) => 10 + i * 20));
const ONLY_OLD = new Set([3, 205, 407, 609, 811]);
const ONLY_NEW = new Set([104, 306, 508, 712, 899]);

function order(i: number) {
  return {
    orderId: `order-${i}`,
    customerId: `c-${i % 97}`,
    amount: 100 + i,
    currency: 'EUR',
    items: [{ sku: `sku-${i % 13}`, qty: 1 + (i % 3) }],
  };
}

describe('walking skeleton: the joiner pairs two real topics in Redis', () => {
  const id = uniqueId('skeleton');
  const brokers = inject('brokers');
  const redisUrl = inject('redisUrl');
  const kafka = testKafka(brokers);
  const oldTopic = `${id}.orders.v1`;
  const newTopic = `${id}.orders.v2`;
  const comparison = 'orders';
  let joiner: Joiner;
  let metricsUrl: string;
  // The project's Redis: one server, or (integration-ha) the local Redis Cluster.
  const redis = testRedis();

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, oldTopic, 3);
    await createTopic(admin, newTopic, 3);
    await admin.disconnect();

    const t0 = Date.now() - 60 * 60 * 1000;
    const oldMessages: Message[] = [];
    const newMessages: Message[] = [];
    for (let i = 0; i < KEYS; i += 1) {
      const key = `order-${String(i).padStart(4, '0')}`;
      const timestamp = String(t0 + i * 100);
      const value = order(i);
      if (!ONLY_NEW.has(i)) oldMessages.push({ key, value: JSON.stringify(value), timestamp });
      const changed = MISMATCH.has(i) ? { ...value, amount: value.amount + 1 } : value;
      if (!ONLY_OLD.has(i)) newMessages.push({ key, value: JSON.stringify(changed), timestamp: String(t0 + i * 100 + 7) });
    }
    await produceRecords(kafka, oldTopic, oldMessages);
    await produceRecords(kafka, newTopic, newMessages);

    const config = parseConfig(
      stackYaml(
        { brokers, redisUrl, prefix: id, redis: testRedisEndpoint() },
        `  - name: ${comparison}
    old: { topic: ${oldTopic}, codec: json }
    new: { topic: ${newTopic}, codec: json }
    key: { from: message-key }
    window: 5s
    maxWait: 10m`,
      ),
      'walking-skeleton.yaml',
    );
    joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 200 });
    const port = await joiner.start();
    metricsUrl = `http://127.0.0.1:${port}/metrics`;
  });

  afterAll(async () => {
    await joiner?.stop();
    await cleanUpPrefix(kafka, redis, id);
    redis.disconnect();
  });

  it('emits exactly 953 match, 37 mismatch, 5 missing_new and 5 missing_old, and /metrics agrees', async () => {
    const total = await pollUntil(
      async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_total'), { comparison }),
      (n) => n >= KEYS,
      { what: `${KEYS} verdicts in /metrics`, timeoutMs: 90_000 },
    );
    expect(total).toBe(KEYS);

    const verdicts = await readAll<Verdict>(kafka, [`${id}.${comparison}.matches`, `${id}.${comparison}.mismatches`]);
    const byPairId = new Map(verdicts.map((v) => [v.pairId, v]));
    const unique = [...byPairId.values()];
    const count = (kind: string) => unique.filter((v) => v.verdict === kind).length;
    expect({
      total: unique.length,
      match: count('match'),
      mismatch: count('mismatch'),
      missing_new: count('missing_new'),
      missing_old: count('missing_old'),
    }).toEqual({ total: 1000, match: 953, mismatch: 37, missing_new: 5, missing_old: 5 });

    const index = (key: string | null) => Number(key?.slice('order-'.length));
    for (const v of unique.filter((u) => u.verdict === 'mismatch')) {
      expect(MISMATCH.has(index(v.key))).toBe(true);
      expect(v.differences).toEqual([{ path: 'amount', kind: 'changed', old: 100 + index(v.key), new: 101 + index(v.key) }]);
      expect(v.old?.topic).toBe(oldTopic);
      expect(v.new?.topic).toBe(newTopic);
      expect(v.latencyDeltaMs).toBe(7);
    }
    const missingNew = unique.filter((u) => u.verdict === 'missing_new');
    expect(new Set(missingNew.map((v) => index(v.key)))).toEqual(ONLY_OLD);
    const missingOld = unique.filter((u) => u.verdict === 'missing_old');
    expect(new Set(missingOld.map((v) => index(v.key)))).toEqual(ONLY_NEW);
    for (const v of [...missingNew, ...missingOld]) expect(v.reason).toBe('watermark');
    for (const v of unique) {
      expect(v.schema).toBe('shadowdiff.verdict.v1');
      expect(v.comparison).toBe(comparison);
      expect(v.mode).toBe('shadow');
    }

    const metrics = await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_total');
    for (const kind of ['match', 'mismatch', 'missing_new', 'missing_old'] as const) {
      expect(sumWhere(metrics, { comparison, verdict: kind }), kind).toBe(count(kind));
    }
    const fields = await scrapeMetric(metricsUrl, 'shadowdiff_field_differences_total');
    expect(sumWhere(fields, { comparison, path: 'amount' })).toBe(37);
    const records = await scrapeMetric(metricsUrl, 'shadowdiff_records_total');
    expect(sumWhere(records, { comparison, side: 'old' })).toBe(KEYS - ONLY_NEW.size);
    expect(sumWhere(records, { comparison, side: 'new' })).toBe(KEYS - ONLY_OLD.size);
    const pending = await pollUntil(
      async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_pending_records'), { comparison }),
      (n) => n === 0,
      { what: 'no record left pending' },
    );
    expect(pending).toBe(0);
  });
});
