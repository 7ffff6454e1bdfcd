import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { freePort } from '@shadowdiff/infra';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, stackYaml, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// 200 orders: 4 with a changed amount, 2 only on the old side (declared missing by watermark:
// later orders move the new side's stream time past them).
const KEYS = 200;
const MISMATCH = new Set([10, 30, 50, 70]);
const ONLY_OLD = new Set([5, 25]);

const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
const id = uniqueId('clireport');
const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
let joiner: Joiner;
let api: Api;
let url: string;

/** Runs `shadowdiff report orders …` as its own process (asynchronously: the API answers from this one). */
const report = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'report', ...args], { timeout: 30_000, env: { ...process.env, SHADOWDIFF_API_URL: url, SHADOWDIFF_API_TOKEN: 'tk' } }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, `${id}.old`, 2);
  await createTopic(admin, `${id}.new`, 2);
  await admin.disconnect();
  const t0 = Date.now() - 3_600_000;
  const oldMessages: Message[] = [];
  const newMessages: Message[] = [];
  for (let i = 0; i < KEYS; i += 1) {
    const key = `order-${String(i).padStart(4, '0')}`;
    const value = { orderId: key, amount: 100 + i, currency: 'EUR' };
    oldMessages.push({ key, value: JSON.stringify(value), timestamp: String(t0 + i * 100) });
    if (!ONLY_OLD.has(i)) newMessages.push({ key, value: JSON.stringify(MISMATCH.has(i) ? { ...value, amount: value.amount + 1 } : value), timestamp: String(t0 + i * 100 + 5) });
  }
  await produceRecords(kafka, `${id}.old`, oldMessages);
  await produceRecords(kafka, `${id}.new`, newMessages);

  const config = parseConfig(
    stackYaml(
      { brokers, redisUrl, prefix: id },
      `  - name: orders
    old: { topic: ${id}.old }
    new: { topic: ${id}.new }
    key: { from: message-key }
    window: 5s
    maxWait: 10m`,
      { api: 'tokens: [ { name: ci, role: read, value: { env: SD_TOKEN } } ], rateLimit: { max: 10000 }' },
    ),
    'cli-report.yaml',
    { SD_TOKEN: 'tk' },
  );
  joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0 });
  await joiner.start();
  api = buildApi({ config, logger: pino({ level: 'silent' }) });
  await api.start();
  url = `http://127.0.0.1:${await api.listen(0)}`;
  // Every verdict is in the API's read model.
  await pollUntil(
    async () => ((await (await fetch(`${url}/api/v1/comparisons/orders/summary`, { headers: { authorization: 'Bearer tk' } })).json()) as { total: number }).total,
    (total) => total === KEYS,
    { what: `${KEYS} verdicts in the API`, timeoutMs: 90_000 },
  );
});

afterAll(async () => {
  await api?.stop();
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

describe('shadowdiff report against real verdicts', () => {
  it('reports the counts, rates, fields and examples the joiner decided, as JSON', async () => {
    const run = await report('orders', '--format', 'json', '--examples', '10');
    expect(run.status, run.stderr).toBe(0);
    const body = JSON.parse(run.stdout) as { total: number; counts: Record<string, number>; pairs: number; rates: Record<string, number>; matchRateInterval: { low: number; high: number }; fields: { path: string; count: number }[]; examples: { verdict: string; key: string; paths: string[] }[] };
    expect(body.counts).toEqual({ match: 194, mismatch: 4, missing_new: 2 });
    expect(body.total).toBe(KEYS);
    expect(body.pairs).toBe(198);
    expect(body.rates.mismatch_rate).toBeCloseTo(4 / 198, 10);
    expect(body.rates.missing_rate).toBeCloseTo(2 / 200, 10);
    expect(body.matchRateInterval.low).toBeLessThan(194 / 198);
    expect(body.matchRateInterval.high).toBeGreaterThan(194 / 198);
    expect(body.fields).toEqual([expect.objectContaining({ path: 'amount', count: 4 })]);
    expect(new Set(body.examples.map((e) => e.verdict))).toEqual(new Set(['mismatch', 'missing_new']));
    for (const e of body.examples.filter((x) => x.verdict === 'mismatch')) expect(e.paths).toEqual(['amount']);
  });

  it('--fail-on: exit 3 exactly when a condition holds, for each kind of condition', async () => {
    const cases: [string, number][] = [
      ['mismatch_rate>0.001', 3],
      ['mismatch_rate>0.05', 0],
      ['missing_rate>0', 3],
      ['missing_rate>0.02', 0],
      ['match_rate<0.99', 3],
      ['field:amount>0', 3],
      ['field:currency>0', 0],
      // shadow → reverse_shadow is not ready: 198 pairs, and not the time in mode the default asks.
      ['readiness', 3],
      ['mismatch_rate>0.05,field:currency>0', 0],
      ['no_pairs', 0],
    ];
    const runs = await Promise.all(cases.map(([condition]) => report('orders', '--fail-on', condition)));
    runs.forEach((run, i) => expect(run.status, `${cases[i]![0]}: ${run.stderr}`).toBe(cases[i]![1]));
    expect(runs[0]!.stdout).toMatch(/^HOLDS {2}--fail-on mismatch_rate>0\.001: 0\.0202$/m);
    expect(runs[1]!.stdout).toMatch(/^clear {2}--fail-on mismatch_rate>0\.05: 0\.0202$/m);
  });

  it('all three formats; a range holding no verdict holds no rate condition, but no_pairs; the table has no colour off a terminal', async () => {
    const [table, markdown, empty, gated] = await Promise.all([
      report('orders'),
      report('orders', '--format', 'markdown'),
      report('orders', '--until', '2h', '--format', 'json', '--fail-on', 'mismatch_rate>0'),
      report('orders', '--until', '2h', '--fail-on', 'mismatch_rate>0', '--fail-on', 'no_pairs'),
    ]);
    expect(gated.status, gated.stderr).toBe(3);
    expect(gated.stdout).toMatch(/^HOLDS {2}--fail-on no_pairs: 0$/m);
    expect(table.status, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ {2}verdicts 200, pairs 198, match rate 97\.98% \(95% interval/m);
    expect(table.stdout).toMatch(/^ {2}mismatch +4$/m);
    expect(table.stdout).not.toContain('\u001b[');
    expect(markdown.status, markdown.stderr).toBe(0);
    expect(markdown.stdout).toContain('| mismatch | 4 |');
    expect(markdown.stdout).toContain('| amount | 4 |');
    expect(empty.status, empty.stderr).toBe(0);
    // The fields are of the range too: none differs in a range with no verdict.
    expect(JSON.parse(empty.stdout)).toMatchObject({ total: 0, pairs: 0, rates: { mismatch_rate: null }, fields: [], fieldsComplete: true });
  });

  it('an unknown comparison, a refused token, a bad condition or an API not there: one line naming it, exit 1', async () => {
    const nobody = `http://127.0.0.1:${await freePort()}`;
    const [unknown, refused, bad, absent] = await Promise.all([
      report('payments'),
      new Promise<{ status: number | null; stderr: string }>((resolve) =>
        execFile(process.execPath, [CLI, 'report', 'orders', '--api', url, '--token', 'wrong'], (error, _stdout, stderr) => resolve({ status: error ? (error.code as number) : 0, stderr })),
      ),
      report('orders', '--fail-on', 'latency>1'),
      report('orders', '--api', nobody),
    ]);
    expect(absent.status).toBe(1);
    expect(absent.stderr).toBe(`shadowdiff: could not ask the API at ${nobody} (connect ECONNREFUSED ${nobody.slice('http://'.length)})\n`);
    expect(unknown.status).toBe(1);
    expect(unknown.stderr).toMatch(/^shadowdiff: the API answered \/summary with 404/);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toMatch(/with 401/);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('unknown measure "latency"');
  });
});
