import { buildApi } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopic, createTopicPair, kcatProduce, pollUntil, produceRecords, stackYaml, startJoinerProcess, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
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

/** A batch that inflates to 400 KB from a few hundred bytes, past a bound of 64 KiB: a decompression bomb. */
const BOMB = `bomb\t{"pad":"${'a'.repeat(400_000)}"}`;
const BOUND = 65_536;

function yaml(prefix: string): string {
  return stackYaml({ brokers, redisUrl, prefix }, `  - { name: c, old: { topic: ${prefix}.old }, new: { topic: ${prefix}.new }, window: 1s }`, {
    kafka: `maxBatchBytes: ${BOUND}`,
    joiner: 'metricsPort: 0',
  });
}

async function inputsWithBomb(prefix: string): Promise<void> {
  prefixes.push(prefix);
  await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
  await produceRecords(kafka, `${prefix}.old`, [{ key: 'k1', value: '{"a":1}' }]);
  await kcatProduce(brokers, `${prefix}.new`, 'zstd', [BOMB]);
}

describe('a consumer that cannot go on', () => {
  it('the joiner process logs why, stops and exits 1 within seconds; nothing was decided', async () => {
    const prefix = uniqueId('stops');
    await inputsWithBomb(prefix);
    const process = startJoinerProcess(yaml(prefix));
    const code = await pollUntil(async () => process.child.exitCode, (c) => c !== null, { what: 'the joiner process to exit', timeoutMs: 60_000 });
    expect(code, process.output()).toBe(1);
    expect(process.output()).toContain('"event":"joiner.fatal"');
    expect(process.output()).toContain('SHADOWDIFF_ERR_KAFKA_BATCH_TOO_LARGE');
    expect(process.output()).toContain(`more than kafka.maxBatchBytes (${BOUND} bytes)`);
    // The old record waits for a partner that was never read: nothing was decided.
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const topic of [`${prefix}.c.mismatches`, `${prefix}.c.matches`]) {
        expect((await admin.fetchTopicOffsets(topic)).map((o) => o.high)).toEqual(['0', '0', '0']);
      }
    } finally {
      await admin.disconnect();
    }
  });

  it('the joiner is healthy while it consumes, and reports failed the moment kafkajs gives up on its consumer', async () => {
    const prefix = uniqueId('stops');
    prefixes.push(prefix);
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    await produceRecords(kafka, `${prefix}.old`, [{ key: 'k1', value: '{"a":1}' }]);
    const joiner = buildJoiner({ config: parseConfig(yaml(prefix), `${prefix}.yaml`), logger: pino({ level: 'silent' }), metricsPort: 0 });
    joiners.push(joiner);
    const atFatal = new Promise<string>((resolve) => joiner.events.once('joiner.fatal', () => resolve(joiner.health())));
    const port = await joiner.start();
    const before = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([before.status, await before.json()]).toEqual([200, { status: 'ok' }]);
    await kcatProduce(brokers, `${prefix}.new`, 'zstd', [BOMB]);
    // What /healthz answers (503 for anything but ok) from the moment the consumer stopped.
    expect(await atFatal).toBe('failed');
  });

  it("the API's verdict reader: /healthz 503 and a fatal error for the process to exit on", async () => {
    const prefix = uniqueId('stops');
    prefixes.push(prefix);
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    const admin = kafka.admin();
    await admin.connect();
    try {
      await createTopic(admin, `${prefix}.c.matches`, 1);
      await createTopic(admin, `${prefix}.c.mismatches`, 1);
    } finally {
      await admin.disconnect();
    }
    await kcatProduce(brokers, `${prefix}.c.mismatches`, 'lz4', [BOMB]);
    let fatal: Error | undefined;
    const api = buildApi({ config: parseConfig(yaml(prefix), `${prefix}.yaml`), logger: pino({ level: 'silent' }), onFatal: (e) => (fatal = e) });
    try {
      await api.start();
      await pollUntil(async () => fatal, (e) => e !== undefined, { what: 'the verdict reader to fail' });
      expect(fatal?.message).toMatch(/stopped for good \(SHADOWDIFF_ERR_KAFKA_BATCH_TOO_LARGE\)/);
      expect(String((fatal?.cause as Error).message)).toContain(`more than kafka.maxBatchBytes (${BOUND} bytes)`);
      const health = await api.app.inject({ method: 'GET', url: '/healthz' });
      expect(health.statusCode).toBe(503);
      expect(health.json()).toEqual({ status: 'failed', reader: 'failed' });
    } finally {
      await api.stop();
    }
  });
});
