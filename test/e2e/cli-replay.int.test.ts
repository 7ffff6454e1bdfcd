import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner, type Verdict } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, readAll, stackYaml, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Three blocks of 60 orders a minute apart in event time (Kafka timestamps): in each, every tenth
// order's amount differs and every fifteenth is only on the old side.
const BLOCKS = ['a', 'b', 'c'] as const;
const PER_BLOCK = 60;
const t0 = Date.now() - 3_600_000;
const at = (block: number, i: number) => t0 + block * 60_000 + i * 100;
const mismatching = (i: number) => i % 10 === 3;
const oldOnly = (i: number) => i % 15 === 7;
const expected = { match: PER_BLOCK - 6 - 4, mismatch: 6, missing_new: 4 };

const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
const id = uniqueId('clireplay');
const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const yaml = stackYaml(
  { brokers, redisUrl, prefix: id },
  `  - name: orders
    old: { topic: ${id}.old }
    new: { topic: ${id}.new }
    key: { from: message-key }
    window: 5s
    maxWait: 5s`,
);
const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-replay-'));
const configFile = join(dir, 'shadowdiff.yaml');
let joiner: Joiner;

const liveCounts = () => joiner.metrics.verdicts.get().then((m): Record<string, number> => Object.fromEntries(m.values.map((v) => [String(v.labels.verdict), v.value])));
const replay = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'replay', 'orders', '--config', configFile, ...args], { timeout: 110_000, env: { ...process.env, NO_COLOR: '1' } }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  writeFileSync(configFile, yaml);
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, `${id}.old`, 2);
  await createTopic(admin, `${id}.new`, 2);
  await admin.disconnect();
  const oldMessages: Message[] = [];
  const newMessages: Message[] = [];
  BLOCKS.forEach((block, b) => {
    for (let i = 0; i < PER_BLOCK; i += 1) {
      const key = `${block}-${i}`;
      oldMessages.push({ key, value: JSON.stringify({ amount: i }), timestamp: String(at(b, i)) });
      if (!oldOnly(i)) newMessages.push({ key, value: JSON.stringify({ amount: mismatching(i) ? i + 1 : i }), timestamp: String(at(b, i) + 3) });
    }
  });
  await produceRecords(kafka, `${id}.old`, oldMessages);
  await produceRecords(kafka, `${id}.new`, newMessages);
  joiner = buildJoiner({ config: parseConfig(yaml, 'cli-replay.yaml'), logger: pino({ level: 'warn' }), metricsPort: 0 });
  await joiner.start();
  await pollUntil(liveCounts, (c) => Object.values(c).reduce((a, b) => a + b, 0) === PER_BLOCK * BLOCKS.length, { what: 'the live comparison decided every order', timeoutMs: 60_000 });
});

afterAll(async () => {
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

describe('shadowdiff replay', () => {
  it("re-pairs one block of history exactly, into its own verdict topics, while the live comparison's counts and state do not move", async () => {
    const before = await liveCounts();
    const liveKeys = (await redis.keys(`${id}*`)).sort();
    const run = await replay('--from', new Date(at(1, 0) - 1000).toISOString(), '--to', new Date(at(1, PER_BLOCK)).toISOString(), '--max-wait', '2s');
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`${PER_BLOCK * 2 - 4} records`);
    for (const [kind, n] of Object.entries(expected)) expect(run.stdout).toMatch(new RegExp(`^ {2}${kind} +${n}$`, 'm'));
    const topic = /^verdicts: (\S+\.mismatches) /m.exec(run.stdout)?.[1];
    expect(topic).toMatch(new RegExp(`^${id}\\.replay-orders-`));

    // The replay's verdicts: block b alone, the same decisions the live comparison took for it.
    const replayed = await readAll<Verdict>(kafka, [topic!]);
    expect(replayed.every((v) => v.key?.startsWith('b-'))).toBe(true);
    const live = (await readAll<Verdict>(kafka, [`${id}.orders.mismatches`])).filter((v) => v.key?.startsWith('b-'));
    const decision = (v: Verdict) => `${v.key} ${v.verdict} ${JSON.stringify(v.differences)}`;
    expect(replayed.map(decision).sort()).toEqual(live.map(decision).sort());

    // Nothing of the live comparison moved, and the replay left no state behind.
    expect(await liveCounts()).toEqual(before);
    expect((await redis.keys(`${id}*`)).sort()).toEqual(liveKeys);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics.filter((t) => t.startsWith(`${id}.replay-`) && (t.endsWith('.old') || t.endsWith('.new')))).toEqual([]);
    expect(readdirSync(dir)).toEqual(['shadowdiff.yaml']);
  });

  it('Ctrl-C while it pairs: exit 130, and neither copies, Redis state nor its config file stay behind', async () => {
    const liveKeys = (await redis.keys(`${id}*`)).sort();
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'replay', 'orders', '--config', configFile, '--from', new Date(at(1, 0) - 1000).toISOString(), '--to', new Date(at(1, PER_BLOCK)).toISOString(), '--max-wait', '10m'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // Everything copied, the replay's joiner running (with maxWait 10m it cannot finish by itself),
    // its config written elsewhere than beside the user's (which may be read-only).
    await pollUntil(async () => output, (o) => /^copy 116\/116 records$/m.test(o) && o.includes("pairing with the replay's joiner"), { what: 'the copy done and the joiner started', timeoutMs: 60_000 });
    expect(readdirSync(dir)).toEqual(['shadowdiff.yaml']);
    child.kill('SIGINT');
    expect(await exited, output).toBe(130);
    expect(output).toContain('replay interrupted');
    expect((await redis.keys(`${id}*`)).sort()).toEqual(liveKeys);
    expect(readdirSync(dir)).toEqual(['shadowdiff.yaml']);
    const admin = kafka.admin();
    await admin.connect();
    const topics = await admin.listTopics();
    await admin.disconnect();
    expect(topics.filter((t) => t.startsWith(`${id}.replay-`) && (t.endsWith('.old') || t.endsWith('.new')))).toEqual([]);
  });

  it('a range that ends on an aborted transaction is copied to its end: only committed records are replayed', async () => {
    // Block d: ten orders alike on both sides; then, on the old side, a transaction on every
    // partition that is aborted: its records and its abort marker end the range. kafkajs hands no
    // batch out for them, so the copy must know it is done by the position it read to.
    const b = 3;
    const alike: Message[] = Array.from({ length: 10 }, (_, i) => ({ key: `d-${i}`, value: JSON.stringify({ amount: i }), timestamp: String(at(b, i)) }));
    await produceRecords(kafka, `${id}.old`, alike);
    await produceRecords(kafka, `${id}.new`, alike);
    const producer = kafka.producer({ transactionalId: `${id}-aborted`, idempotent: true, maxInFlightRequests: 1 });
    await producer.connect();
    const tx = await producer.transaction();
    await tx.send({ topic: `${id}.old`, messages: [0, 1].map((partition) => ({ partition, key: `d-aborted-${partition}`, value: JSON.stringify({ amount: -1 }), timestamp: String(at(b, 20)) })) });
    await tx.abort();
    await producer.disconnect();

    const run = await replay('--from', new Date(at(b, 0) - 1000).toISOString(), '--max-wait', '2s', '--stall-timeout', '20s');
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toMatch(/^ {2}match +10$/m);
    expect(run.stdout).not.toContain('missing_new');
  });

  it('names what it cannot use: an unknown comparison, a range that ends before it starts', async () => {
    const unknown = await new Promise<{ status: number | null; stderr: string }>((resolve) =>
      execFile(process.execPath, [CLI, 'replay', 'payments', '--config', configFile, '--from', '1h'], (error, _o, stderr) => resolve({ status: error ? (error.code as number) : 0, stderr })),
    );
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toContain('no comparison "payments"');
    const backwards = await replay('--from', '1h', '--to', '2h');
    expect(backwards.status).toBe(1);
    expect(backwards.stderr).toContain('--to');
  });
});
