import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, countByKind, createTopicPair, kcatProduce, produceRecords, stackYaml, testKafka, uniqueId, waitForVerdicts } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const prefix = uniqueId('codecs');
let joiner: Joiner | undefined;

afterAll(async () => {
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

const CODECS = ['snappy', 'lz4', 'zstd', 'gzip'] as const;
const N = 400;

describe('input batches compressed by a producer that is not kafkajs', () => {
  it('the new side written by librdkafka with snappy, lz4, zstd and gzip: exact verdicts, true mismatches included', async () => {
    const order = (i: number, total: number) => JSON.stringify({ orderId: `o-${i}`, total, lines: [{ sku: `s-${i % 7}`, qty: 1 + (i % 3) }], note: 'x'.repeat(200) });
    for (const codec of CODECS) {
      const topics = `${prefix}.${codec}`;
      await createTopicPair(kafka, topics, { oldPartitions: 3, newPartitions: 2 });
      await produceRecords(kafka, `${topics}.old`, Array.from({ length: N }, (_, i) => ({ key: `k${i}`, value: order(i, i * 10) })));
      // Every tenth order is wrong on the new side: a true mismatch, at "total".
      await kcatProduce(brokers, `${topics}.new`, codec, Array.from({ length: N }, (_, i) => `k${i}\t${order(i, i % 10 === 0 ? i * 10 + 1 : i * 10)}`));
    }
    const comparisons = CODECS.map((codec) => `  - { name: ${codec}, old: { topic: ${prefix}.${codec}.old }, new: { topic: ${prefix}.${codec}.new }, window: 1h, maxWait: 10m }`);
    const config = parseConfig(stackYaml({ brokers, redisUrl, prefix }, comparisons.join('\n')), `${prefix}.yaml`);
    joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0 });
    await joiner.start();
    for (const codec of CODECS) {
      const verdicts = await waitForVerdicts(kafka, prefix, codec, N);
      expect(countByKind(verdicts.values()), codec).toEqual({ match: N - N / 10, mismatch: N / 10 });
      const mismatches = [...verdicts.values()].filter((v) => v.verdict === 'mismatch');
      expect(new Set(mismatches.map((v) => v.key)), codec).toEqual(new Set(Array.from({ length: N / 10 }, (_, j) => `k${j * 10}`)));
      expect(mismatches.every((v) => v.differences.length === 1 && v.differences[0]!.path === 'total'), codec).toBe(true);
    }
  });
});
