import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@shadowdiff/config';
import { freePort, kafkaDown, kafkaUp, type LocalKafka } from '@shadowdiff/infra';
import { buildJoiner } from '@shadowdiff/joiner';
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

// A broker of this test's own, so that stopping it disturbs nothing else.
const broker: LocalKafka = {
  port: await freePort(),
  controllerPort: await freePort(),
  dir: mkdtempSync(join(tmpdir(), 'shadowdiff-broker-')),
};
const redis = new Redis(inject('redisUrl'));
const prefix = uniqueId('broker');

afterAll(async () => {
  await cleanUpPrefix(testKafka(`127.0.0.1:${broker.port}`), redis, prefix).catch(() => undefined);
  redis.disconnect();
  await kafkaDown(broker);
});

const pairs = (from: number, to: number): Message[] =>
  Array.from({ length: to - from }, (_, j) => ({ key: `k${from + j}`, value: JSON.stringify({ i: from + j }) }));

describe('the broker stopped and restarted mid-stream', () => {
  it('5. the joiner rides it out and every pair is decided once', async () => {
    const { brokers } = await kafkaUp(() => undefined, 90_000, broker);
    const kafka = testKafka(brokers);
    await createTopicPair(kafka, prefix);
    const config = parseConfig(
      `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${inject('redisUrl')}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner", sessionTimeout: 6s }
comparisons:
  - name: c
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 10m
    maxWait: 10m
`,
      `${prefix}.yaml`,
    );
    const joiner = buildJoiner({ config, logger: pino({ level: 'silent' }), metricsPort: 0 });
    const url = `http://127.0.0.1:${await joiner.start()}/metrics`;
    try {
      await produceRecords(kafka, `${prefix}.old`, pairs(0, 3000));
      await produceRecords(kafka, `${prefix}.new`, pairs(0, 1500));
      await pollUntil(async () => sumWhere(await scrapeMetric(url, 'shadowdiff_verdicts_total'), {}), (n) => n >= 1500, {
        what: 'the first 1,500 verdicts',
      });
      expect(await kafkaDown(broker)).toBe(true);
      await kafkaUp(() => undefined, 90_000, broker);
      await produceRecords(kafka, `${prefix}.new`, pairs(1500, 3000));
      const verdicts = await waitForVerdicts(kafka, prefix, 'c', 3000, 180_000);
      expect(countByKind(verdicts.values())).toEqual({ match: 3000 });
    } finally {
      await joiner.stop();
    }
  });
});
