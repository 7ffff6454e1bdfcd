import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, countByKind, createTopicPair, produceRecords, stackYaml, testKafka, testRedis, testRedisEndpoint, uniqueId, waitForVerdicts } from '@shadowdiff/testing';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
// The project's Redis: one server, or (integration-ha) the local Redis Cluster.
const redis = testRedis();
const prefix = uniqueId('poison');
let joiner: Joiner | undefined;

afterAll(async () => {
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

const N = 1000;
const POISON = 5;
const PARTITIONS = 3;

describe('records no comparison can handle, among ordinary ones', () => {
  it('each bad record is invalid_* with its reason; every ordinary pair is decided exactly right, nothing missing or late', async () => {
    await createTopicPair(kafka, prefix, { oldPartitions: PARTITIONS, newPartitions: PARTITIONS });
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-poison-'));
    // A user's normalisers: the new one throws on some records, the old one returns a bigint
    // (a value JSON cannot hold) for others.
    writeFileSync(join(dir, 'new.mjs'), "export default (v) => { if (v.poison === 'throw') throw Object.assign(new Error(`unexpected shape: ${JSON.stringify(v)}`), { code: 'UNEXPECTED_SHAPE' }); return v; };\n");
    writeFileSync(join(dir, 'old.mjs'), "export default (v) => (v.poison === 'bigint' ? { ...v, total: BigInt(v.total) } : v);\n");

    const t0 = Date.now() - 3_600_000;
    const at = (i: number) => ({ 'source-ts': new Date(t0 + i * 10).toISOString() });
    const deep = (i: number) => `{"id":"deep-${i}","nested":${'['.repeat(3000)}1${']'.repeat(3000)}}`;
    const ordinary = (i: number, side: 'old' | 'new'): Message => ({
      key: `k${i}`,
      value: JSON.stringify({ id: i, total: side === 'new' && i % 100 === 0 ? i + 1 : i }),
      headers: at(i),
    });
    const side = (name: 'old' | 'new'): Message[] => {
      const out: Message[] = [];
      // Microseconds where milliseconds belong, first on every partition: were they taken for
      // times, the side's stream time would leap tens of thousands of years ahead and every
      // record parked on the other side would be declared missing.
      for (let p = 0; p < PARTITIONS; p += 1) {
        out.push({ key: `micro-${p}`, partition: p, value: JSON.stringify({ id: `micro-${p}` }), headers: { 'source-ts': String(Date.now() * 1000) } });
      }
      for (let i = 0; i < N; i += 1) {
        out.push(ordinary(i, name));
        if (i % 200 === 100) {
          const j = out.length;
          out.push({ key: `deep-${j}`, value: deep(j), headers: at(i) });
          out.push({ key: `throw-${i}`, value: JSON.stringify({ id: i, total: 1, poison: 'throw' }), headers: at(i) });
          out.push({ key: `bigint-${i}`, value: JSON.stringify({ id: i, total: 1, poison: 'bigint' }), headers: at(i) });
        }
      }
      return out;
    };
    const oldRecords = side('old');
    // The keys of the deep records are the same on both sides.
    const newRecords = side('new');
    // The old side first, whole: its records park and wait for the new side.
    await produceRecords(kafka, `${prefix}.old`, oldRecords);
    await produceRecords(kafka, `${prefix}.new`, newRecords);

    const config = parseConfig(
      stackYaml(
        { brokers, redisUrl, prefix, redis: testRedisEndpoint() },
        `  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    eventTime: { from: header, name: source-ts }
    window: 1s
    maxWait: 10m
    compare: { normalize: { old: ${JSON.stringify(join(dir, 'old.mjs'))}, new: ${JSON.stringify(join(dir, 'new.mjs'))} } }`,
      ),
      `${prefix}.yaml`,
    );
    joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 200, expireIntervalMs: 200 });
    await joiner.start();

    const deepCount = oldRecords.filter((m) => String(m.key).startsWith('deep-')).length;
    expect(deepCount).toBe(POISON);
    const expected = {
      match: N - N / 100,
      mismatch: N / 100,
      // deep (each side alone), the bigint normaliser's pairs, microseconds (each side alone)
      invalid_old: POISON + POISON + PARTITIONS,
      invalid_new: POISON + POISON + PARTITIONS,
    };
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    const verdicts = await waitForVerdicts(kafka, prefix, 'c', total);
    expect(countByKind(verdicts.values())).toEqual(expected);

    const reasons = (kind: string, keyPrefix: string) =>
      [...verdicts.values()].filter((v) => v.verdict === kind && v.key?.startsWith(keyPrefix)).map((v) => v.reason);
    for (const kind of ['invalid_old', 'invalid_new']) {
      expect(reasons(kind, 'deep-')).toEqual(Array(POISON).fill('nested deeper than 128 levels (maxDepth)'));
      expect(reasons(kind, 'micro-')).toHaveLength(PARTITIONS);
      for (const reason of reasons(kind, 'micro-')) expect(reason).toMatch(/^event time in header "source-ts" is \d+ ms since the epoch, \d+ s ahead of the wall clock/);
    }
    expect(reasons('invalid_new', 'throw-')).toEqual(Array(POISON).fill('normaliser new.mjs threw on the new record: Error UNEXPECTED_SHAPE'));
    expect(reasons('invalid_old', 'bigint-')).toEqual(Array(POISON).fill('normaliser old.mjs returned a bigint at total for the old record, not a JSON value'));
    // A pair whose normaliser failed is one verdict carrying both records.
    const thrown = [...verdicts.values()].find((v) => v.key?.startsWith('throw-'));
    expect(thrown?.old?.value).toMatchObject({ poison: 'throw' });
    expect(thrown?.new?.value).toMatchObject({ poison: 'throw' });
    const mismatched = [...verdicts.values()].filter((v) => v.verdict === 'mismatch').map((v) => v.key);
    expect(new Set(mismatched)).toEqual(new Set(Array.from({ length: N / 100 }, (_, j) => `k${j * 100}`)));
  });
});
