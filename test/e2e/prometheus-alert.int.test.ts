import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@shadowdiff/config';
import { freePort } from '@shadowdiff/infra';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, requireTool, stackYaml, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const RULES = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus', 'shadowdiff-rules.yml');
const id = uniqueId('promalert');
const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
let joiner: Joiner;
let prometheus: ChildProcess | undefined;
let prometheusUrl: string;

interface Alert {
  labels: Record<string, string>;
  state: 'pending' | 'firing';
}

beforeAll(async () => {
  const binary = requireTool('prometheus');
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, `${id}.old`, 1);
  await createTopic(admin, `${id}.new`, 1);
  await admin.disconnect();
  const yaml = stackYaml({ brokers, redisUrl, prefix: id }, `  - { name: orders, old: { topic: ${id}.old }, new: { topic: ${id}.new }, key: { from: message-key }, window: 5s, maxWait: 10m }`);
  joiner = buildJoiner({ config: parseConfig(yaml, 'prometheus-alert.yaml'), logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 500 });
  const metricsPort = await joiner.start();

  // The rules as shipped, with their `for:` shortened: the expressions are the ones under test, and
  // a test cannot wait five minutes for a pending alert to fire.
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-prometheus-'));
  writeFileSync(join(dir, 'rules.yml'), readFileSync(RULES, 'utf8').replace(/^(\s+)for: \d+m$/gm, '$1for: 3s'));
  writeFileSync(
    join(dir, 'prometheus.yml'),
    `global: { scrape_interval: 1s, evaluation_interval: 1s }
rule_files: [rules.yml]
scrape_configs:
  - job_name: shadowdiff-joiner
    static_configs: [{ targets: ["127.0.0.1:${metricsPort}"] }]
`,
  );
  const port = await freePort();
  prometheusUrl = `http://127.0.0.1:${port}`;
  prometheus = spawn(binary, [`--config.file=${join(dir, 'prometheus.yml')}`, `--storage.tsdb.path=${join(dir, 'data')}`, `--web.listen-address=127.0.0.1:${port}`], { stdio: 'ignore' });
  await pollUntil(
    async () => (await fetch(`${prometheusUrl}/-/ready`).catch(() => null))?.status ?? 0,
    (status) => status === 200,
    { what: 'Prometheus to be ready', timeoutMs: 30_000 },
  );
}, 60_000);

afterAll(async () => {
  prometheus?.kill('SIGKILL');
  await joiner?.stop();
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

const alerts = async () => ((await (await fetch(`${prometheusUrl}/api/v1/alerts`)).json()) as { data: { alerts: Alert[] } }).data.alerts;

describe('a real Prometheus scraping a running joiner', () => {
  it('fires ShadowdiffMismatchRateHigh during a bad run, and nothing says the joiner is down', async () => {
    // A bad run, until the alert fires: ten pairs at each look, one in five with a changed amount.
    let i = 0;
    const produceBatch = async () => {
      const timestamp = String(Date.now());
      const batch = Array.from({ length: 10 }, () => (i += 1));
      await Promise.all([
        produceRecords(kafka, `${id}.old`, batch.map((n) => ({ key: `order-${n}`, value: JSON.stringify({ amount: n }), timestamp }))),
        produceRecords(kafka, `${id}.new`, batch.map((n) => ({ key: `order-${n}`, value: JSON.stringify({ amount: n % 5 === 0 ? n + 1 : n }), timestamp }))),
      ]);
    };
    const firing = await pollUntil(
      async () => {
        await produceBatch();
        return (await alerts()).filter((a) => a.labels.alertname === 'ShadowdiffMismatchRateHigh' && a.state === 'firing');
      },
      (list) => list.length > 0,
      { what: 'ShadowdiffMismatchRateHigh firing', timeoutMs: 60_000, intervalMs: 200 },
    );
    expect(firing.map((a) => a.labels)).toEqual([{ alertname: 'ShadowdiffMismatchRateHigh', comparison: 'orders', severity: 'warning' }]);
    const all = await alerts();
    expect(all.filter((a) => a.labels.alertname === 'ShadowdiffJoinerDown')).toEqual([]);
  });
});
