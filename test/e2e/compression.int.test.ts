import { spawn } from 'node:child_process';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, countByKind, createTopicPair, produceRecords, testKafka, uniqueId, waitForVerdicts } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';

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

/**
 * Produces `key\tvalue` lines with kcat (librdkafka: the producer of most Go, Python and C
 * services, configured as Java services often are), compressed with `codec`, in batches of many
 * records, every one acknowledged.
 */
function kcatProduce(topic: string, codec: string, lines: readonly string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      'kcat',
      ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-z', codec, '-X', 'linger.ms=100', '-X', 'batch.num.messages=10000', '-X', 'acks=all'],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}

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
      await kcatProduce(`${topics}.new`, codec, Array.from({ length: N }, (_, i) => `k${i}\t${order(i, i % 10 === 0 ? i * 10 + 1 : i * 10)}`));
    }
    const config = parseConfig(
      `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner" }
comparisons:
${CODECS.map((codec) => `  - { name: ${codec}, old: { topic: ${prefix}.${codec}.old }, new: { topic: ${prefix}.${codec}.new }, window: 1h, maxWait: 10m }`).join('\n')}
`,
      `${prefix}.yaml`,
    );
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
