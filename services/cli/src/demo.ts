import { CliError, CliErrorCode } from './errors.ts';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { freePort, joinerLaunch, workDir } from '@shadowdiff/infra';
import { createKafka, createProducer, ensureTopics } from '@shadowdiff/kafka';
import { demoOrders, newInvoice, oldInvoice, runSampleConsumer } from './demo-consumers.ts';
import { renderClasses, renderProgress, renderSummary, scrapeVerdicts, type ShownClass, type VerdictCounts } from './demo-report.ts';
import { byLabel, scrape } from './metrics-scrape.ts';
import { startService } from './service-process.ts';
import { deleteKeysUnder } from './redis-keys.ts';
import { up, type Log } from './stack.ts';

const DEMO_PREFIX = 'shadowdiff-demo-';
const COMPARISON = 'invoices';

function demoConfig(run: string, brokers: string, redisUrl: string, port: number, apiPort: number): string {
  return `# Written by 'shadowdiff demo' for run ${run}. A real config has the same shape: see docs/configuration.md.
kafka: { brokers: [${brokers.split(',').map((b) => JSON.stringify(b)).join(', ')}], clientId: shadowdiff-demo }
redis: { url: ${JSON.stringify(redisUrl)}, keyPrefix: ${JSON.stringify(run)} }
topics: { prefix: ${run} }
joiner: { groupId: ${run}.joiner, metricsPort: ${port} }
api: { port: ${apiPort} }
comparisons:
  - name: ${COMPARISON}
    old: { topic: ${run}.invoices.v1, codec: json }
    new: { topic: ${run}.invoices.v2, codec: json }
    key: { from: message-key }
    eventTime: { from: header, name: source-ts }
    window: 2s
    maxWait: 5s
    matches: { emit: all }
`;
}

/** Removes the topics and Redis keys of earlier demo runs; the last run's stay for inspection until the next. */
async function cleanEarlierRuns(kafka: ReturnType<typeof createKafka>, redisUrl: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const old = (await admin.listTopics()).filter((t) => t.startsWith(DEMO_PREFIX));
    if (old.length > 0) await admin.deleteTopics({ topics: old });
  } finally {
    await admin.disconnect();
  }
  await deleteKeysUnder({ kind: 'server', url: redisUrl, options: {} }, DEMO_PREFIX);
}


/**
 * `shadowdiff demo`: local Kafka and Redis, an input topic of orders, two sample consumers (the
 * one in production and a rewrite with deliberate bugs) writing invoices to their own topics, the
 * joiner comparing them, a live progress line, and a summary of the verdicts.
 */
export async function runDemo(args: string[], log: Log): Promise<number> {
  const { values } = parseArgs({ args, options: { records: { type: 'string', default: '2000' }, serve: { type: 'boolean', default: true }, 'no-serve': { type: 'boolean', default: false } } });
  const serve = values.serve && !values['no-serve'];
  const records = Number(values.records);
  if (!Number.isInteger(records) || records < 1) throw new CliError(CliErrorCode.USAGE, `--records takes a whole number, got ${values.records}`);

  const stack = await up(log, { registry: false });
  const run = `${DEMO_PREFIX}${new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14)}`;
  const kafka = createKafka({ brokers: stack.brokers.split(','), clientId: 'shadowdiff-demo' });
  await cleanEarlierRuns(kafka, stack.redisUrl);
  const input = `${run}.orders`;
  const admin = kafka.admin();
  await admin.connect();
  await ensureTopics(
    admin,
    [input, `${run}.invoices.v1`, `${run}.invoices.v2`].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })),
  );
  await admin.disconnect();

  const dir = workDir('demo');
  const configFile = join(dir, 'shadowdiff.yaml');
  const port = await freePort();
  const apiPort = await freePort();
  writeFileSync(configFile, demoConfig(run, stack.brokers, stack.redisUrl, port, apiPort));
  log(`config ${configFile}`);

  const joiner = startService('@shadowdiff/joiner/main', configFile, join(dir, 'joiner.log'), joinerLaunch());
  const joinerExit = new Promise<number>((resolve) => joiner.on('exit', (code) => resolve(code ?? 1)));
  const stops = await Promise.all([
    runSampleConsumer(kafka, { group: `${run}.old-consumer`, input, output: `${run}.invoices.v1`, transform: oldInvoice }),
    runSampleConsumer(kafka, { group: `${run}.new-consumer`, input, output: `${run}.invoices.v2`, transform: newInvoice }),
  ]);

  log(`producing ${records} orders to ${input}; the old and the new consumer turn them into invoices…`);
  const producer = createProducer(kafka);
  await producer.connect();
  const orders = demoOrders(records);
  for (let i = 0; i < orders.length; i += 500) {
    await producer.send({
      topic: input,
      messages: orders.slice(i, i + 500).map((o) => ({ key: o.orderId, value: JSON.stringify(o) })),
    });
  }
  await producer.disconnect();

  // Every order ends in exactly one verdict: match, mismatch, or missing_new for the dropped ones.
  const metricsUrl = `http://127.0.0.1:${port}/metrics`;
  const deadline = Date.now() + 120_000;
  let counts: VerdictCounts = new Map();
  let exited: number | undefined;
  void joinerExit.then((code) => (exited = code));
  const tty = process.stdout.isTTY;
  let lastLine = 0;
  for (;;) {
    counts = await scrapeVerdicts(metricsUrl, COMPARISON).catch(() => counts);
    const done = [...counts.values()].reduce((a, b) => a + b, 0);
    if (tty) process.stdout.write(`\r${renderProgress(done, records, counts)}`);
    else if (Date.now() - lastLine > 2000 || done >= records) {
      log(renderProgress(done, records, counts));
      lastLine = Date.now();
    }
    if (done >= records || exited !== undefined || Date.now() > deadline) break;
    await new Promise((r) => setTimeout(r, 250));
  }
  if (tty) process.stdout.write('\n');

  const fields = await scrape(metricsUrl).then((samples) => byLabel(samples, 'shadowdiff_field_differences_total', 'path', COMPARISON)).catch(() => new Map<string, number>());
  await Promise.all(stops.map((stop) => stop()));
  joiner.kill('SIGTERM');
  const code = await joinerExit;
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  if (total < records) {
    log(`the joiner decided ${total} of ${records} verdicts before ${exited !== undefined ? `it exited (${exited})` : 'the deadline'}; its log: ${join(dir, 'joiner.log')}`);
    return 1;
  }
  log(renderSummary({ run, comparison: COMPARISON, counts, fields, brokers: stack.brokers, configFile }));
  if (code !== 0) return 1;
  return serve ? serveDashboard(configFile, dir, apiPort, records, log) : 0;
}

/**
 * Leaves the API and its dashboard running on the demo's verdicts until Ctrl-C, and says what to
 * try next. The API reads the verdict topics into its read model from the start.
 */
async function serveDashboard(configFile: string, dir: string, apiPort: number, records: number, log: Log): Promise<number> {
  const api = startService('@shadowdiff/api/main', configFile, join(dir, 'api.log'), { nodeArgs: [], env: process.env });
  const apiExit = new Promise<number>((resolve) => api.on('exit', (code) => resolve(code ?? 1)));
  const url = `http://127.0.0.1:${apiPort}`;
  const summary = `${url}/api/v1/comparisons/${COMPARISON}/summary`;
  const deadline = Date.now() + 60_000;
  let exited: number | undefined;
  void apiExit.then((c) => (exited = c));
  // Ready once its read model holds every one of the demo's verdicts (the summary counts them).
  const held = () => fetch(summary).then((r) => (r.ok ? (r.json() as Promise<{ total: number }>) : null), () => null);
  while (((await held())?.total ?? -1) < records) {
    if (exited !== undefined || Date.now() > deadline) {
      log(`the API did not start${exited !== undefined ? ` (exit ${exited})` : ''}; its log: ${join(dir, 'api.log')}`);
      api.kill('SIGTERM');
      return 1;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  const classes = await fetch(`${url}/api/v1/comparisons/${COMPARISON}/classes`).then((r) => (r.ok ? (r.json() as Promise<{ classes: ShownClass[] }>) : null), () => null);
  if (classes) log(renderClasses(classes.classes));
  log('');
  log(`dashboard:  ${url}/`);
  log(`REST API:   ${url}/api/v1/comparisons/${COMPARISON}/summary`);
  log('try next:');
  log(`  npm run shadowdiff -- tail ${COMPARISON} --config ${configFile} --since 1h`);
  log(`  npm run shadowdiff -- report ${COMPARISON} --api ${url} --fail-on 'mismatch_rate>0.001'`);
  log(`  npm run shadowdiff -- suggest ${COMPARISON} --api ${url}`);
  log('Ctrl-C stops the API and the dashboard (npm run down stops Kafka and Redis).');
  const stop = new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  const how = await Promise.race([stop.then(() => 'stopped' as const), apiExit.then(() => 'exited' as const)]);
  if (how === 'exited') {
    log(`the API stopped by itself (exit ${exited}); its log: ${join(dir, 'api.log')}`);
    return 1;
  }
  api.kill('SIGTERM');
  await apiExit;
  return 0;
}
