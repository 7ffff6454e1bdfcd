/**
 * Three joiner instances in one group on the Redis Cluster, six comparisons whose state spreads
 * over its three primaries: one instance killed with SIGKILL and a fourth added mid-stream; every
 * comparison's verdicts are exactly right, each once.
 */
import { createTopicPair, countByKind, pollUntil, produceRecords, scrapeMetric, startJoinerProcess, stackYaml, sumWhere, testKafka, testRedis, testRedisEndpoint, uniqueId, waitForVerdicts, cleanUpPrefix, type JoinerProcess } from '@shadowdiff/testing';
import { primaries } from '@shadowdiff/store';
import type { Message } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';

const brokers = inject('brokers');
const kafka = testKafka(brokers);
const redis = testRedis();
const prefix = uniqueId('many');
const COMPARISONS = ['c0', 'c1', 'c2', 'c3', 'c4', 'c5'];
const STEP = 500;
const STEPS = 6;
const running: JoinerProcess[] = [];

afterAll(async () => {
  for (const p of running) p.child.kill('SIGKILL');
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

/** Pairs from..to of one comparison: every 50th differs. */
function pairs(side: 'old' | 'new', from: number, to: number): Message[] {
  return Array.from({ length: to - from }, (_, j) => {
    const i = from + j;
    return { key: `k${i}`, value: JSON.stringify({ i, v: side === 'new' && i % 50 === 0 ? 'changed' : 'same' }) };
  });
}

describe('many joiner instances on a Redis Cluster', () => {
  it('three instances, one killed and one added mid-stream, six comparisons over three primaries: every verdict exactly right', async () => {
    expect(testRedisEndpoint().kind).toBe('cluster');
    for (const c of COMPARISONS) await createTopicPair(kafka, `${prefix}.${c}`);
    const yaml = stackYaml(
      { brokers, redisUrl: '', prefix, redis: testRedisEndpoint() },
      COMPARISONS.map((c) => `  - { name: ${c}, old: { topic: ${prefix}.${c}.old }, new: { topic: ${prefix}.${c}.new }, window: 10m, maxWait: 10m }`).join('\n'),
      { joiner: 'metricsPort: 0, outboxLease: 2s, sessionTimeout: 6s', redis: 'waitForReplicas: { replicas: 1, timeout: 1s }' },
    );
    const produce = (step: number) =>
      Promise.all(COMPARISONS.flatMap((c) => (['old', 'new'] as const).map((side) => produceRecords(kafka, `${prefix}.${c}.${side}`, pairs(side, step * STEP, (step + 1) * STEP)))));
    for (let i = 0; i < 3; i += 1) running.push(startJoinerProcess(yaml));
    const urls = await Promise.all(running.map((p) => p.metricsUrl()));
    for (let step = 0; step < STEPS; step += 1) {
      if (step === 2) {
        // One instance dies without a word once it has decided something.
        await pollUntil(async () => sumWhere(await scrapeMetric(urls[0]!, 'shadowdiff_verdicts_total').catch(() => new Map()), {}), (n) => n > 0, { what: 'the first instance to decide', timeoutMs: 60_000 });
        running[0]!.child.kill('SIGKILL');
        expect(await running[0]!.exited).toBe('SIGKILL');
      }
      if (step === 4) running.push(startJoinerProcess(yaml));
      await produce(step);
    }
    for (const c of COMPARISONS) {
      const verdicts = await waitForVerdicts(kafka, prefix, c, STEP * STEPS, 180_000);
      expect(verdicts.size, c).toBe(STEP * STEPS);
      expect(new Set([...verdicts.values()].map((v) => v.key)).size, c).toBe(STEP * STEPS);
      expect(countByKind(verdicts.values()), c).toEqual({ match: STEP * STEPS - (STEP * STEPS) / 50, mismatch: (STEP * STEPS) / 50 });
    }
    // The six comparisons' state is on more than one primary.
    const holding = await Promise.all(primaries(redis).map(async (node) => (await node.scan('0', 'MATCH', `${prefix}:*`, 'COUNT', 100_000))[1].length > 0));
    expect(holding.filter(Boolean).length).toBeGreaterThan(1);
    // The instances that were not killed stop cleanly.
    for (const p of running.slice(1)) p.child.kill('SIGTERM');
    for (const p of running.slice(1)) expect(await p.exited, p.output()).toBe(0);
  });
});
