import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { ansiToSvg, cleanUpPrefix, createTopic, pollUntil, produceRecords, stackYaml, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-results');
const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
const id = uniqueId('clitail');
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
    maxWait: 10m`,
);
const configFile = join(mkdtempSync(join(tmpdir(), 'shadowdiff-tail-')), 'shadowdiff.yaml');
let joiner: Joiner;
const children: ChildProcess[] = [];

/** `shadowdiff tail orders …` as its own process; its output as it comes, each chunk with the time it came. */
function tail(...args: string[]) {
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'tail', 'orders', '--config', configFile, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  const out: { at: number; text: string }[] = [];
  let err = '';
  child.stdout.on('data', (d: Buffer) => out.push({ at: Date.now(), text: d.toString() }));
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
  return { child, out, err: () => err, text: () => out.map((o) => o.text).join(''), exited };
}

const pair = (key: string, oldValue: object, newValue: object) => {
  const timestamp = String(Date.now());
  return Promise.all([
    produceRecords(kafka, `${id}.old`, [{ key, value: JSON.stringify(oldValue), timestamp }]),
    produceRecords(kafka, `${id}.new`, [{ key, value: JSON.stringify(newValue), timestamp }]),
  ]);
};

beforeAll(async () => {
  writeFileSync(configFile, yaml);
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, `${id}.old`, 1);
  await createTopic(admin, `${id}.new`, 1);
  await admin.disconnect();
  joiner = buildJoiner({ config: parseConfig(yaml, 'cli-tail.yaml'), logger: pino({ level: 'warn' }), metricsPort: 0 });
  await joiner.start();
});

afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

describe('shadowdiff tail', () => {
  it('prints a mismatch within a second of its decision, the differing path coloured, and leaves matches out', async () => {
    const live = tail('--color', 'always');
    await pollUntil(async () => live.err(), (e) => e.includes('from now'), { what: 'tail to join its group', timeoutMs: 30_000 });
    await pair('order-a', { amount: 5 }, { amount: 5 });
    await pair('order-b', { amount: 1, currency: 'EUR' }, { amount: 2, currency: 'EUR' });
    const line = await pollUntil(async () => live.out.find((o) => o.text.includes('order-b')), (o) => o !== undefined, { what: 'the mismatch on the terminal', timeoutMs: 30_000 });
    const decidedAt = Date.parse(/(\d{4}-\d\d-\d\dT[\d:.]+Z)/.exec(line!.text)![1]!);
    expect(line!.at - decidedAt).toBeLessThan(1000);
    expect(line!.text).toContain('\u001b[36mamount');
    expect(line!.text).toContain('\u001b[31m1');
    expect(line!.text).toContain('\u001b[32m2');
    expect(live.text()).not.toContain('order-a');
    // Kept as a picture of the terminal (docs/tail.svg is one).
    mkdirSync(ARTIFACTS, { recursive: true });
    writeFileSync(join(ARTIFACTS, 'tail.svg'), ansiToSvg(live.text(), { title: '$ shadowdiff tail orders --config shadowdiff.yaml' }));
    // Ctrl-C: it leaves its group and exits 0.
    live.child.kill('SIGINT');
    expect(await live.exited).toBe(0);
  });

  it('a record on the verdict topic that is not a verdict is named on stderr and skipped; the next verdict is shown', async () => {
    const live = tail('--color', 'never');
    await pollUntil(async () => live.err(), (e) => e.includes('from now'), { what: 'tail to join its group', timeoutMs: 30_000 });
    // Valid JSON, but not a verdict (anyone who can write to the topic can write this).
    await produceRecords(kafka, `${id}.orders.mismatches`, [{ key: 'x', value: JSON.stringify({ verdict: 'mismatch', differences: 'not a list' }) }]);
    await pair('order-d', { amount: 1 }, { amount: 3 });
    await pollUntil(async () => live.text(), (t) => t.includes('order-d'), { what: 'the verdict after the bad record', timeoutMs: 30_000 });
    expect(live.err()).toMatch(/skipped a record of \S+\.orders\.mismatches \(partition \d+, offset \d+\) that is not a verdict: schema is not shadowdiff\.verdict\.v1/);
    live.child.kill('SIGINT');
    expect(await live.exited).toBe(0);
  });

  it('--since reads back; --json, --verdict, --key and --max filter and stop; a bad flag is named', async () => {
    await pair('order-c', { amount: 7 }, { amount: 8 });
    const back = tail('--since', '10m', '--json', '--verdict', 'mismatch,match', '--key', 'order-a', '--key', 'order-c', '--max', '2');
    expect(await back.exited, back.err()).toBe(0);
    const lines = back.text().trim().split('\n').map((l) => JSON.parse(l) as { key: string; verdict: string });
    expect(lines.map((v) => [v.key, v.verdict]).sort()).toEqual([
      ['order-a', 'match'],
      ['order-c', 'mismatch'],
    ]);
    const bad = tail('--verdict', 'mismatches');
    expect(await bad.exited).toBe(1);
    expect(bad.err()).toContain('--verdict "mismatches": not a verdict kind');
    // Every tail above has exited: none left its consumer group behind.
    const admin = kafka.admin();
    await admin.connect();
    const { groups } = await admin.listGroups();
    await admin.disconnect();
    expect(groups.filter((g) => g.groupId.startsWith(`${id}.tail.`))).toEqual([]);
  });
});
