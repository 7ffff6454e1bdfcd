import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopicPair, pollUntil, produceRecords, stackYaml, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// A generated scenario: 300 orders written by an old and a new consumer. The new one has five
// bugs, each on the orders whose number ends in its digit, and both stamp two values of their own
// on every order (an event id, a processing time): noise that differs in every pair.
const RECORDS = 300;
const BUGS: Record<number, { change: string; path: string; kind: string }> = {
  1: { path: 'total', kind: 'changed', change: 'float_noise' },
  2: { path: 'price', kind: 'changed', change: 'factor:100' },
  3: { path: 'status', kind: 'changed', change: 'case' },
  4: { path: 'tags', kind: 'reordered', change: 'order_only' },
  5: { path: 'customer_id', kind: 'renamed', change: 'to:customerId' },
};
const digit = (i: number) => i % 10;
const absorbable = (i: number) => ![2, 3, 5].includes(digit(i));

const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
const id = uniqueId('classes');
const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const comparison = (rules = '') => `  - name: orders
    old: { topic: ${id}.old }
    new: { topic: ${id}.new }
    key: { from: message-key }
    window: 5s
    maxWait: 10m
    matches: { emit: all }
${rules}`;
const yaml = stackYaml({ brokers, redisUrl, prefix: id }, comparison(), { api: 'rateLimit: { max: 10000 }' });
const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-classes-'));
const t0 = Date.now() - 600_000;
let joiner: Joiner;
let api: Api;
let url: string;

const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, ...args], { timeout: 110_000, env: { ...process.env, NO_COLOR: '1', SHADOWDIFF_API_URL: url } }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });
const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
  const response = await fetch(`${url}/api/v1/comparisons/orders${path}`);
  return { status: response.status, body: (await response.json()) as T };
};

interface Atom {
  path: string;
  kind: string;
  change: string;
}
interface Class {
  id: string;
  atoms: Atom[];
  count: number;
  explanation: string;
  causes: { statement: string; classShare: number; baselineShare: number }[];
  suggestion?: { rule: string; path: string };
}
interface Classes {
  pairs: number;
  classes: Class[];
  noise: { path: string; change: string; share: number; suggestion?: { rule: string; path: string } }[];
}

beforeAll(async () => {
  await createTopicPair(kafka, id, { oldPartitions: 2, newPartitions: 2 });
  const oldMessages: Message[] = [];
  const newMessages: Message[] = [];
  for (let i = 0; i < RECORDS; i += 1) {
    const key = `r-${String(i).padStart(6, '0')}`;
    const price = 10 + (i % 50) + 0.25;
    const stamped = Date.now();
    const old = { id: key, eventId: randomUUID(), processedAt: new Date(stamped).toISOString(), customer_id: `c-${i % 37}`, status: ['paid', 'open', 'shipped'][i % 3], price, total: Math.round(price * 120) / 100, tags: [`t${i % 5}`, 'b', 'c'] };
    const next: Record<string, unknown> = { ...old, eventId: randomUUID(), processedAt: new Date(stamped + 5 + (i % 50)).toISOString() };
    if (digit(i) === 1) next.total = old.total + 1e-12;
    if (digit(i) === 2) next.price = old.price * 100;
    if (digit(i) === 3) next.status = old.status!.toUpperCase();
    if (digit(i) === 4) next.tags = [...old.tags].reverse();
    if (digit(i) === 5) {
      delete next.customer_id;
      next.customerId = old.customer_id;
    }
    oldMessages.push({ key, value: JSON.stringify(old), timestamp: String(t0 + i * 10) });
    newMessages.push({ key, value: JSON.stringify(next), timestamp: String(t0 + i * 10 + 3) });
  }
  await produceRecords(kafka, `${id}.old`, oldMessages);
  await produceRecords(kafka, `${id}.new`, newMessages);
  writeFileSync(join(dir, 'shadowdiff.yaml'), yaml);
  const config = parseConfig(yaml, 'classes.yaml');
  joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0 });
  await joiner.start();
  api = buildApi({ config, logger: pino({ level: 'silent' }) });
  await api.start();
  url = `http://127.0.0.1:${await api.listen(0)}`;
  await pollUntil(async () => (await get<{ total: number }>('/summary')).body.total, (total) => total === RECORDS, { what: `${RECORDS} verdicts in the API`, timeoutMs: 90_000 });
});

afterAll(async () => {
  await api?.stop();
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

describe('discrepancy classes of a generated scenario: five bugs, two noise fields', () => {
  it('finds exactly seven things: five classes, each with its change class and its likely cause, and two noise fields', async () => {
    const { body } = await get<Classes>('/classes');
    expect(body.pairs).toBe(RECORDS);
    const found = body.classes.map((c) => c.atoms.map((a) => `${a.kind} ${a.path} ${a.change}`).join(' + ')).sort();
    expect(found).toEqual(Object.values(BUGS).map((b) => `${b.kind} ${b.path} ${b.change}`).sort());
    for (const [d, bug] of Object.entries(BUGS)) {
      const c = body.classes.find((x) => x.atoms[0]!.path === bug.path)!;
      expect(c.count).toBe(RECORDS / 10);
      // Its likely cause: the orders it strikes are those whose id ends in its digit; no match does.
      expect(c.causes[0], c.explanation).toMatchObject({ statement: `id ends with "${d}"`, classShare: 1, baselineShare: 0 });
    }
    expect(body.noise.map((n) => `${n.path} ${n.change} ${n.share}`).sort()).toEqual(['eventId generated_id 1', 'processedAt timestamp 1']);
    // Prometheus sees one series per class, with the class's count.
    const metrics = await (await fetch(`${url}/metrics`)).text();
    const series = metrics.split('\n').filter((l) => l.startsWith('shadowdiff_class_discrepancies{comparison="orders"'));
    expect(series.map((l) => /class="([0-9a-f]{12})"/.exec(l)?.[1]).sort()).toEqual(body.classes.map((c) => c.id).sort());
    expect(series.every((l) => l.endsWith(` ${RECORDS / 10}`))).toBe(true);
  });

  it('shows one class with its newest examples in full, and refuses an unknown or malformed class id', async () => {
    const { body } = await get<Classes>('/classes');
    const factor = body.classes.find((c) => c.atoms[0]!.change === 'factor:100')!;
    const one = await get<{ class: Class; examples: { verdict: string; old: { value: { price: number } }; new: { value: { price: number } } }[] }>(`/classes/${factor.id}`);
    expect(one.status).toBe(200);
    expect(one.body.class.id).toBe(factor.id);
    expect(one.body.examples.length).toBeGreaterThan(0);
    for (const e of one.body.examples) expect(e.new.value.price).toBeCloseTo(e.old.value.price * 100, 6);
    expect((await get<{ code: string }>('/classes/0123456789ab')).status).toBe(404);
    expect((await get<{ code: string }>('/classes/..%2F..%2Fsummary')).status).toBe(400);
  });

  it('suggests rules for the two noise fields and the two absorbable classes; a replay under them turns exactly those into matches', async () => {
    const suggest = await cli('suggest', 'orders');
    expect(suggest.status, suggest.stderr).toBe(0);
    const rules = suggest.stdout.split('\n').filter((line) => line !== '' && !line.startsWith('#'));
    expect(rules.join('\n')).toMatch(/^compare:\n {2}ignore: \["eventId"\]\n {2}timestamps:\n {4}"processedAt": \{ tolerance: \d+(ms|s) \}\n {2}tolerance:\n {4}"total": \{ relative: 1e-9 \}\n {2}unordered:\n {4}"tags": multiset$/);
    expect(suggest.stdout).toContain(`# Together they would turn ${RECORDS * 0.7} of ${RECORDS} discrepancies into matches.`);
    const { body } = await get<Classes>('/classes');
    expect(body.noise.every((n) => n.suggestion !== undefined)).toBe(true);

    const configFile = join(dir, 'suggested.yaml');
    writeFileSync(configFile, stackYaml({ brokers, redisUrl, prefix: id }, comparison(rules.map((line) => `    ${line}`).join('\n'))));
    const run = await cli('replay', 'orders', '--config', configFile, '--from', new Date(t0 - 1000).toISOString(), '--to', new Date(t0 + RECORDS * 10 + 1000).toISOString(), '--max-wait', '2s');
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    const absorbed = Array.from({ length: RECORDS }, (_, i) => i).filter(absorbable).length;
    expect(run.stdout).toMatch(new RegExp(`^ {2}match +${absorbed}$`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^ {2}mismatch +${RECORDS - absorbed}$`, 'm'));
  });
});
