import { createModeRegistry, modeChannel, openRedis, type MigrationMode, type RedisEndpoint } from '@shadowdiff/store';
import { cleanUpPrefix, createTopicPair, pollUntil, readAll, startTestRedis, testKafka, testRedis, testRedisEndpoint, uniqueId } from '@shadowdiff/testing';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createShadowClient, type Outcome } from '../src/index.ts';

const brokers = inject('brokers');
const kafka = testKafka(brokers);
// The project's Redis: one server, or (integration-ha) the local Redis Cluster; the client is given
// it as shadowdiff's config would give it (redisEndpoint).
const endpoint = testRedisEndpoint();
const redis = testRedis();
const server = (url: string): RedisEndpoint => ({ kind: 'server', url, options: {} });
const prefixes: string[] = [];

afterAll(async () => {
  for (const prefix of prefixes) await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

async function setUp(where: RedisEndpoint = endpoint) {
  const prefix = uniqueId('client');
  prefixes.push(prefix);
  await createTopicPair(kafka, prefix);
  const control = openRedis(where);
  control.on('error', () => undefined);
  const registry = createModeRegistry({ redis: control, keyPrefix: prefix, comparison: 'c', defaultMode: 'old' });
  const problems: string[] = [];
  const client = createShadowClient({
    redisEndpoint: where,
    kafka,
    keyPrefix: prefix,
    comparison: 'c',
    oldTopic: `${prefix}.old`,
    newTopic: `${prefix}.new`,
    defaultMode: 'old',
    candidateTimeoutMs: 100,
    onProblem: ({ kind }) => problems.push(kind),
  });
  await client.start();
  return { prefix, registry, client, problems, control };
}

const SERVED: Record<MigrationMode, 'control' | 'candidate'> = { old: 'control', shadow: 'control', reverse_shadow: 'candidate', new: 'candidate' };

describe('the consumer library follows the live mode', () => {
  it('flips the mode while 10,000 inputs flow: each caller gets the result its mode says, and the right topics get outputs', async () => {
    const { prefix, registry, client, control } = await setUp();
    const cycle: MigrationMode[] = ['shadow', 'reverse_shadow', 'new', 'reverse_shadow', 'shadow', 'old', 'shadow', 'reverse_shadow', 'shadow', 'old'];
    const outcomes: (Outcome<{ by: string; i: number }> & { i: number })[] = [];
    for (let i = 0; i < 10_000; i += 1) {
      if (i % 1000 === 0) {
        const to = cycle[i / 1000] as MigrationMode;
        const from = (await registry.get()).mode;
        await registry.change({ from, to, actor: 'test', reason: `step ${i / 1000}`, forced: false });
        await pollUntil(async () => client.mode, (m) => m === to, { what: `the client to see ${to}`, intervalMs: 10, timeoutMs: 5000 });
      }
      const outcome = await client.execute({
        key: `k${i}`,
        control: async () => ({ by: 'control', i }),
        candidate: async () => ({ by: 'candidate', i }),
      });
      outcomes.push({ ...outcome, i });
    }
    await client.stop();
    control.disconnect();

    for (const o of outcomes) {
      expect(o.served, `input ${o.i} in ${o.mode}`).toBe(SERVED[o.mode]);
      expect(o.value.by).toBe(o.served);
      expect(o.mode).toBe(cycle[Math.floor(o.i / 1000)]);
    }
    const compared = new Set(outcomes.filter((o) => o.mode === 'shadow' || o.mode === 'reverse_shadow').map((o) => `k${o.i}`));
    const oldOut = await readAll<{ by: string; i: number }>(kafka, [`${prefix}.old`]);
    const newOut = await readAll<{ by: string; i: number }>(kafka, [`${prefix}.new`]);
    expect(new Set(oldOut.map((v) => `k${v.i}`))).toEqual(compared);
    expect(new Set(newOut.map((v) => `k${v.i}`))).toEqual(compared);
    expect(oldOut.every((v) => v.by === 'control')).toBe(true);
    expect(newOut.every((v) => v.by === 'candidate')).toBe(true);
  });

  it('in shadow, a slow or failing candidate neither delays the caller nor changes its result', async () => {
    const { registry, client, problems, control } = await setUp();
    await registry.change({ from: 'old', to: 'shadow', actor: 'test', reason: 'shadow', forced: false });
    await pollUntil(async () => client.mode, (m) => m === 'shadow', { what: 'shadow' });
    let release: () => void = () => undefined;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let candidateDone = false;
    const slow = await client.run({
      key: 'slow',
      control: async () => 'control',
      candidate: async () => {
        await gate; // finishes only after the caller has its answer
        candidateDone = true;
        return 'candidate';
      },
    });
    expect(slow).toBe('control');
    expect(candidateDone).toBe(false);
    release();
    const failing = await client.run({ key: 'failing', control: async () => 'control', candidate: async () => Promise.reject(new Error('boom')) });
    expect(failing).toBe('control');
    await pollUntil(async () => problems, (p) => p.includes('candidate_failed'), { what: 'the candidate failure to be reported' });
    await client.stop();
    control.disconnect();
  });

  it('in reverse_shadow, falls back to control when the candidate throws or times out', async () => {
    const { registry, client, control } = await setUp();
    await registry.change({ from: 'old', to: 'reverse_shadow', actor: 'test', reason: 'forced for the test', forced: true });
    await pollUntil(async () => client.mode, (m) => m === 'reverse_shadow', { what: 'reverse_shadow' });
    expect(await client.execute({ key: 'a', control: async () => 'control', candidate: async () => 'candidate' })).toMatchObject({ served: 'candidate', value: 'candidate' });
    expect(await client.execute({ key: 'b', control: async () => 'control', candidate: async () => Promise.reject(new Error('x')) })).toMatchObject({ served: 'control', value: 'control' });
    expect(await client.execute({ key: 'c', control: async () => 'control', candidate: () => new Promise<string>(() => undefined) })).toMatchObject({ served: 'control' });
    await client.stop();
    control.disconnect();
  });

  it('keeps the last known mode when Redis goes away, and says so', async () => {
    const lone = await startTestRedis({ aof: false });
    const { registry, client, problems, control } = await setUp(server(lone.url));
    await registry.change({ from: 'old', to: 'shadow', actor: 'test', reason: 'shadow', forced: false });
    await pollUntil(async () => client.mode, (m) => m === 'shadow', { what: 'shadow' });
    await lone.stop();
    await pollUntil(async () => client.stale, (s) => s, { what: 'the client to know its mode is stale' });
    expect(client.mode).toBe('shadow');
    expect(problems).toContain('mode_stale');
    expect(await client.run({ key: 'x', control: async () => 'control', candidate: async () => 'candidate' })).toBe('control');
    await client.stop();
    control.disconnect();
  });
});

describe('the consumer library never hurts its caller', () => {
  const shadowFor = async (prefix: string, where: RedisEndpoint = endpoint) => {
    const control = openRedis(where);
    control.on('error', () => undefined);
    await createModeRegistry({ redis: control, keyPrefix: prefix, comparison: 'c', defaultMode: 'old' }).change({ from: 'old', to: 'shadow', actor: 'test', reason: 'shadow', forced: false });
    return control;
  };

  it('with Kafka down: start() returns, every caller gets its own result, and what is held stays bounded', async () => {
    const prefix = uniqueId('client-nokafka');
    prefixes.push(prefix);
    const control = await shadowFor(prefix);
    // Nothing listens on port 1: every connection is refused.
    const client = createShadowClient({
      redisEndpoint: endpoint,
      kafka: testKafka('127.0.0.1:1'),
      keyPrefix: prefix,
      comparison: 'c',
      oldTopic: `${prefix}.old`,
      newTopic: `${prefix}.new`,
      maxInFlight: 50,
      maxCandidates: 20,
      candidateTimeoutMs: 50,
      connectTimeoutMs: 500,
    });
    await client.start();
    expect(client.mode).toBe('shadow');
    const N = 2000;
    let peakRunning = 0;
    for (let i = 0; i < N; i += 1) {
      // Every tenth candidate never finishes: it must not fill the candidate slots for good.
      const value = await client.run({
        key: `k${i}`,
        control: async () => ({ i, total: i * 2 }),
        candidate: i % 10 === 0 ? () => new Promise<{ i: number; total: number }>(() => undefined) : async () => ({ i, total: i * 2 + 1 }),
      });
      expect(value).toEqual({ i, total: i * 2 });
      const stats = client.stats();
      peakRunning = Math.max(peakRunning, stats.candidatesRunning);
      expect(stats.inFlight).toBeLessThanOrEqual(50);
    }
    await pollUntil(async () => client.stats(), (s) => s.candidatesRunning === 0, { what: 'the hanging candidates to time out' });
    const stats = client.stats();
    // At most 20 candidates at once: the hanging ones held their slot 50 ms each, and while every
    // slot was taken, candidates were skipped (counted) rather than queued.
    expect(peakRunning).toBeLessThanOrEqual(20);
    expect(stats.candidateTimedOut).toBeGreaterThan(0);
    expect(stats.candidateSkipped).toBeGreaterThan(0);
    const finished = N - stats.candidateSkipped - stats.candidateTimedOut;
    // Nothing was published: every result (each control's, each finished candidate's) was dropped
    // and counted; nothing waits in memory.
    expect(stats.published).toBe(0);
    expect(stats.publishDropped).toBe(N + finished);
    expect(stats.inFlight).toBe(0);
    await client.stop();
    control.disconnect();
  });

  it('with Redis down at start: start() returns and the client runs in the default mode, marked stale', async () => {
    const prefix = uniqueId('client-noredis');
    prefixes.push(prefix);
    await createTopicPair(kafka, prefix);
    const lone = await startTestRedis({ aof: false });
    await lone.stop();
    const problems: string[] = [];
    const client = createShadowClient({
      redisUrl: lone.url,
      kafka,
      keyPrefix: prefix,
      comparison: 'c',
      oldTopic: `${prefix}.old`,
      newTopic: `${prefix}.new`,
      defaultMode: 'shadow',
      connectTimeoutMs: 500,
      onProblem: ({ kind }) => problems.push(kind),
    });
    await client.start();
    expect([client.mode, client.stale]).toEqual(['shadow', true]);
    expect(problems).toContain('mode_stale');
    expect(await client.run({ key: 'x', control: async () => 'control', candidate: async () => 'candidate' })).toBe('control');
    // Redis comes back: the client reads the mode and follows changes again.
    await lone.start();
    const control = await shadowFor(prefix, server(lone.url));
    const registry = createModeRegistry({ redis: control, keyPrefix: prefix, comparison: 'c', defaultMode: 'old' });
    await pollUntil(async () => client.stale, (s) => !s, { what: 'the client to reconnect', timeoutMs: 30_000 });
    await registry.change({ from: 'shadow', to: 'reverse_shadow', actor: 'test', reason: 'next', forced: true });
    await pollUntil(async () => client.mode, (m) => m === 'reverse_shadow', { what: 'the change to reach the client' });
    await client.stop();
    control.disconnect();
    await lone.stop();
  });

  it('results JSON cannot hold, and garbage on the mode channel, are counted and change nothing for the caller', async () => {
    const { prefix, registry, client, problems, control } = await setUp();
    await registry.change({ from: 'old', to: 'shadow', actor: 'test', reason: 'shadow', forced: false });
    await pollUntil(async () => client.mode, (m) => m === 'shadow', { what: 'shadow' });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(await client.run({ key: 'big', control: async () => ({ n: 10n }), candidate: async () => cyclic })).toEqual({ n: 10n });
    await pollUntil(async () => client.stats().unserialisable, (n) => n === 2, { what: 'both results counted as unserialisable' });
    // The mode moves in Redis without an announcement; then garbage arrives on the channel.
    await control.set(`${prefix}:{c}:mode`, 'reverse_shadow');
    for (const garbage of ['not json', 'null', '{"comparison":"c","to":"sideways"}', '[]']) await control.publish(modeChannel(prefix), garbage);
    await pollUntil(async () => problems.filter((p) => p === 'mode_message_invalid').length, (n) => n === 4, { what: 'each garbage message counted' });
    await pollUntil(async () => client.mode, (m) => m === 'reverse_shadow', { what: 'the mode read again from Redis' });
    await client.stop();
    control.disconnect();
  });
});
