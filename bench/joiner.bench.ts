// The joiner's throughput, latency and memory on a filled pair of topics, against a bare
// consume-and-discard loop over the same topics in the same run: `npm run up && npm run bench:joiner`.
// Phases: a bare consume loop; one joiner draining both topics; the same joiner, caught up, fed
// live at half its rate (latency); two joiners in one group draining the topics again (scaling);
// a joiner with a million records pending (RSS, Redis memory).
// Parameters (environment): RECORDS (per side, default 1,000,000), SIZE (bytes, 1024),
// MISMATCH (0.01), MISSING (0.001), LIVE_SECONDS (30), FILL_IN_FLIGHT (1), JOINER_NODE_ARGS.
// Writes its section of docs/benchmarks.md.
import { readFileSync, writeFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { Kafka, logLevel, type Message } from 'kafkajs';
import { createProducer, registerCompressionCodecs } from '@shadowdiff/kafka';
import { pollUntil, scrapeMetric, startJoinerProcess, sumWhere, type JoinerProcess } from '@shadowdiff/testing';
import { JOINER_ENV, JOINER_NODE_FLAGS } from '@shadowdiff/infra';
import { formatRate, machine, writeSection } from './lib/report.ts';

const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const SIZE = Number(process.env.SIZE ?? 1024);
const MISMATCH = Number(process.env.MISMATCH ?? 0.01);
const MISSING = Number(process.env.MISSING ?? 0.001);
const PARTITIONS = 6;
// Produce requests in flight while filling. kafkajs does not keep concurrent requests in order, so
// more than one writes each partition in blocks of 2,000 records out of event-time order, which
// a consumer's output (one producer, in input order) is not; the default keeps the order.
const FILL_IN_FLIGHT = Number(process.env.FILL_IN_FLIGHT ?? 1);
// Extra Node.js flags for the joiner process, e.g. JOINER_NODE_ARGS="--cpu-prof --cpu-prof-dir=.work/prof".
const nodeArgs = (process.env.JOINER_NODE_ARGS ?? '').split(' ').filter((a) => a !== '');
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `bench-${Date.now().toString(36)}`;
// The bare loop reads every codec the joiner reads (gzip, snappy, lz4, zstd).
registerCompressionCodecs();
const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const redis = new Redis(redisUrl);
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const seconds = (ms: number) => (ms / 1000).toFixed(1);

/** A ~SIZE-byte JSON order; `variant` changes one field (a mismatch). */
function payload(i: number, variant: boolean): string {
  const base = { orderId: `order-${i}`, customerId: `c-${i % 9973}`, status: variant ? 'NEW' : 'PAID', amount: (i % 100000) / 100, pad: '' };
  const text = JSON.stringify(base);
  return JSON.stringify({ ...base, pad: 'x'.repeat(Math.max(0, SIZE - text.length)) });
}

async function fill(topic: string, count: number, make: (i: number) => Message | null): Promise<number> {
  const producer = createProducer(kafka);
  await producer.connect();
  const started = Date.now();
  const inFlight = new Set<Promise<unknown>>();
  let batch: Message[] = [];
  let produced = 0;
  for (let i = 0; i < count; i += 1) {
    const message = make(i);
    if (message) batch.push(message);
    if (batch.length === 2000 || i === count - 1) {
      const sent = producer.send({ topic, acks: 1, messages: batch }).finally(() => inFlight.delete(sent));
      inFlight.add(sent);
      produced += batch.length;
      batch = [];
      if (inFlight.size >= FILL_IN_FLIGHT) await Promise.race(inFlight);
    }
  }
  await Promise.all(inFlight);
  await producer.disconnect();
  log(`${topic}: ${produced} records in ${seconds(Date.now() - started)} s`);
  return produced;
}

async function bareConsume(topics: string[], expected: number): Promise<number> {
  // The joiner's fetch settings: every partition of both topics in each fetch, 1 MiB of each.
  const consumer = kafka.consumer({ groupId: `${run}.bare`, maxBytesPerPartition: 1024 * 1024, maxBytes: 64 * 1024 * 1024 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  let seen = 0;
  let first = 0;
  let last = 0;
  await new Promise<void>((resolve, reject) => {
    consumer
      .run({
        partitionsConsumedConcurrently: 64,
        eachBatch: async ({ batch }) => {
          if (first === 0) first = Date.now();
          seen += batch.messages.length;
          if (seen >= expected && last === 0) {
            last = Date.now();
            resolve();
          }
        },
      })
      .catch(reject);
  });
  await consumer.disconnect();
  return (seen / (last - first)) * 1000;
}

function rssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

async function redisCalls(): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

async function usedMemory(): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

function joinerConfig(prefix: string, oldTopic: string, newTopic: string, maxWait: string): string {
  return `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner", metricsPort: 0 }
comparisons:
  - name: c
    old: { topic: ${oldTopic} }
    new: { topic: ${newTopic} }
    eventTime: { from: header, name: source-ts }
    window: 5s
    maxWait: ${maxWait}
    maxAhead: 1h
    matches: { emit: sample, ratio: 0.01 }
`;
}

type Buckets = { le: number; count: number }[];

/** A Prometheus histogram's cumulative buckets, as they are now. */
async function histogramBuckets(url: string, name: string): Promise<Buckets> {
  return [...(await scrapeMetric(url, `${name}_bucket`))]
    .map(([labels, count]) => ({ le: Number(/le="([^"]+)"/.exec(labels)?.[1]?.replace('+Inf', 'Infinity')), count }))
    .sort((a, b) => a.le - b.le);
}

/** Percentile (upper bucket bound) of what a histogram observed between two snapshots. */
function quantile(after: Buckets, q: number, before: Buckets = []): number {
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  return counts.find((b) => b.count >= q * total)?.le ?? Number.NaN;
}

/** Sum of `shadowdiff_records_total` over several joiners. */
async function recordsApplied(urls: readonly string[]): Promise<number> {
  const counts = await Promise.all(urls.map(async (u) => sumWhere(await scrapeMetric(u, 'shadowdiff_records_total'), {})));
  return counts.reduce((a, b) => a + b, 0);
}

/**
 * Produces matching records to both topics at `rate` records/s (both sides together) for
 * `seconds`, each carrying the time it was produced as its source event time, in ticks of 50 ms.
 */
async function produceLive(rate: number, seconds: number): Promise<number> {
  const producer = createProducer(kafka);
  await producer.connect();
  const perTick = Math.max(1, Math.round(rate / 2 / 20));
  const ticks = seconds * 20;
  const started = Date.now();
  let produced = 0;
  for (let t = 0; t < ticks; t += 1) {
    const base = t * perTick;
    const messages = () =>
      Array.from({ length: perTick }, (_, i) => ({ key: `live${base + i}`, value: payload(base + i, false), headers: { 'source-ts': String(Date.now()) } }));
    await Promise.all([
      producer.send({ topic: oldTopic, acks: 1, messages: messages() }),
      producer.send({ topic: newTopic, acks: 1, messages: messages() }),
    ]);
    produced += 2 * perTick;
    const wait = started + (t + 1) * 50 - Date.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  }
  await producer.disconnect();
  return produced;
}

const admin = kafka.admin();
await admin.connect();
const oldTopic = `${run}.old`;
const newTopic = `${run}.new`;
await admin.createTopics({ topics: [oldTopic, newTopic].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });

log(`filling ${RECORDS} records per side of ${SIZE} bytes (${MISMATCH * 100}% mismatches, ${MISSING * 100}% missing on new)`);
const every = (rate: number) => (rate > 0 ? Math.round(1 / rate) : Number.POSITIVE_INFINITY);
// Both sides carry the source event's time, as consumers under migration should: the new side is
// filled after the old one, and its Kafka timestamps say nothing about the input it came from.
const T0 = Date.now() - 3_600_000;
const sourceTs = (i: number) => ({ 'source-ts': String(T0 + i) });
const oldCount = await fill(oldTopic, RECORDS, (i) => ({ key: `k${i}`, value: payload(i, false), headers: sourceTs(i) }));
const newCount = await fill(newTopic, RECORDS, (i) =>
  i % every(MISSING) === 3 ? null : { key: `k${i}`, value: payload(i, i % every(MISMATCH) === 7), headers: sourceTs(i) },
);
const total = oldCount + newCount;

log('bare kafkajs consume-and-discard loop over both topics');
const bareRate = await bareConsume([oldTopic, newTopic], total);
log(`bare: ${formatRate(bareRate)} records/s`);

log('joiner');
const callsBefore = await redisCalls();
const joiner: JoinerProcess = startJoinerProcess(joinerConfig(run, oldTopic, newTopic, '10s'), { nodeArgs });
process.on('exit', () => writeFileSync(`.work/bench-joiner-${run}.log`, joiner.output()));
const url = await joiner.metricsUrl();
let peakRss = 0;
const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(joiner.child.pid as number))), 250);
await pollUntil(async () => sumWhere(await scrapeMetric(url, 'shadowdiff_records_total'), {}), (n) => n > 0, { what: 'the first record', intervalMs: 20 });
const started = Date.now();
await pollUntil(async () => sumWhere(await scrapeMetric(url, 'shadowdiff_records_total'), {}), (n) => n >= total, { what: 'every record applied', intervalMs: 100, timeoutMs: Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000) });
const appliedAt = Date.now();
const joinerRate = (total / (appliedAt - started)) * 1000;
await pollUntil(async () => sumWhere(await scrapeMetric(url, 'shadowdiff_verdicts_total'), {}), (n) => n >= RECORDS, { what: 'every verdict', intervalMs: 200, timeoutMs: 600_000 });
const callsAfter = await redisCalls();
const drained = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
const p50 = quantile(drained, 0.5);
const p99 = quantile(drained, 0.99);
const verdicts = await scrapeMetric(url, 'shadowdiff_verdicts_total');
log(`joiner: ${formatRate(joinerRate)} records/s, ${seconds(appliedAt - started)} s; peak RSS ${peakRss.toFixed(0)} MB`);

// Half the maximum rate, live: the joiner has caught up; records now arrive as they are produced.
const LIVE_SECONDS = Number(process.env.LIVE_SECONDS ?? 30);
const halfRate = joinerRate / 2;
log(`live at half the joiner's rate: ${formatRate(halfRate)} records/s for ${LIVE_SECONDS} s`);
const liveBefore = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
const appliedBefore = await recordsApplied([url]);
const liveProduced = await produceLive(halfRate, LIVE_SECONDS);
await pollUntil(() => recordsApplied([url]), (n) => n >= appliedBefore + liveProduced, { what: 'every live record applied', intervalMs: 100, timeoutMs: 120_000 });
const liveAfter = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
const liveP50 = quantile(liveAfter, 0.5, liveBefore);
const liveP99 = quantile(liveAfter, 0.99, liveBefore);
log(`live: ${liveProduced} records, verdict latency p50 ${liveP50 * 1000} ms, p99 ${liveP99 * 1000} ms`);
clearInterval(sampler);
joiner.child.kill('SIGTERM');
await joiner.exited;

// Scaling: two instances in one group over the same topics, from the beginning, with their own state.
log('two joiner instances in one group');
const twoPrefix = `${run}-2`;
const pair = [0, 1].map(() => startJoinerProcess(joinerConfig(twoPrefix, oldTopic, newTopic, '10s'), { nodeArgs }));
const pairUrls = await Promise.all(pair.map((j) => j.metricsUrl()));
const allRecords = total + liveProduced;
await pollUntil(() => recordsApplied(pairUrls), (n) => n > 0, { what: 'the first record (two instances)', intervalMs: 20 });
const twoStarted = Date.now();
await pollUntil(() => recordsApplied(pairUrls), (n) => n >= allRecords, { what: 'every record applied (two instances)', intervalMs: 100, timeoutMs: Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000) });
const twoRate = (allRecords / (Date.now() - twoStarted)) * 1000;
const twoRss = pair.map((j) => rssMb(j.child.pid as number));
for (const j of pair) j.child.kill('SIGTERM');
await Promise.all(pair.map((j) => j.exited));
log(`two instances: ${formatRate(twoRate)} records/s together`);

log(`a million records pending: ${RECORDS} old records, no new side`);
const pendingTopic = `${run}.pending`;
const emptyTopic = `${run}.empty`;
await admin.createTopics({ topics: [pendingTopic, emptyTopic].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });
await fill(pendingTopic, RECORDS, (i) => ({ key: `p${i}`, value: payload(i, false), headers: sourceTs(i) }));
const memoryBefore = await usedMemory();
const pending = startJoinerProcess(joinerConfig(`${run}-p`, pendingTopic, emptyTopic, '1h'), { nodeArgs });
const pendingUrl = await pending.metricsUrl();
let pendingRss = 0;
const pendingSampler = setInterval(() => (pendingRss = Math.max(pendingRss, rssMb(pending.child.pid as number))), 250);
await pollUntil(async () => sumWhere(await scrapeMetric(pendingUrl, 'shadowdiff_pending_records'), { side: 'old' }), (n) => n >= RECORDS, {
  what: 'every record pending',
  intervalMs: 500,
  timeoutMs: 1_800_000,
});
const rssPending = rssMb(pending.child.pid as number);
const perPending = (await usedMemory() - memoryBefore) / RECORDS;
clearInterval(pendingSampler);
pending.child.kill('SIGTERM');
await pending.exited;

for (const prefix of [run, twoPrefix, `${run}-p`]) {
  let cursor = '0';
  do {
    const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
    if (keys.length > 0) await redis.del(...keys);
    cursor = next;
  } while (cursor !== '0');
}
await admin.deleteTopics({ topics: (await admin.listTopics()).filter((t) => t.startsWith(run)) });
await admin.disconnect();
redis.disconnect();

const counts = ['match', 'mismatch', 'missing_new'].map((k) => `${k} ${formatRate(sumWhere(verdicts, { verdict: k }))}`).join(', ');
const markdown = `## Joiner throughput, latency and memory (services/joiner)

${machine()}; Kafka, Redis and the joiner on the same machine. ${formatRate(RECORDS)} records per
side of ${SIZE}-byte JSON, ${PARTITIONS} partitions per topic, ${MISMATCH * 100}% mismatches,
${MISSING * 100}% missing on the new side, filled with ${FILL_IN_FLIGHT} produce request${FILL_IN_FLIGHT > 1 ? 's' : ''} in flight${FILL_IN_FLIGHT > 1 ? ' (blocks of a partition out of event-time order)' : ' (each partition in event-time order)'}; the joiner reads both topics from the beginning to the
end as one process, started as \`shadowdiff joiner\` starts it (${[...JOINER_NODE_FLAGS, ...Object.entries(JOINER_ENV).map(([k, v]) => `${k}=${v}`)].join(', ')}${nodeArgs.length > 0 ? `, plus ${nodeArgs.join(' ')}` : ''}), emitting every non-match and 1% of the matches (the DESIGN example; verdicts: ${counts}). Reference in the same run: a bare kafkajs
consume-and-discard loop over the same topics, with the joiner's fetch settings.

| figure | value |
|---|---:|
| joiner, records/s (both sides, first record applied to last) | ${formatRate(joinerRate)} |
| bare kafkajs consume loop, records/s | ${formatRate(bareRate)} |
| joiner ÷ bare loop | ${(joinerRate / bareRate).toFixed(2)} |
| verdict latency p50 / p99 while draining the backlog at full rate | ${p50 * 1000} ms / ${p99 * 1000} ms |
| verdict latency p50 / p99 live at half the joiner's rate (${formatRate(halfRate)} records/s for ${LIVE_SECONDS} s) | ${liveP50 * 1000} ms / ${liveP99 * 1000} ms |
| two instances in one group, records/s together (each its own process) | ${formatRate(twoRate)} (RSS ${twoRss.map((r) => r.toFixed(0)).join(' + ')} MB) |
| Redis commands per record | ${((callsAfter - callsBefore) / total).toFixed(3)} |
| joiner peak RSS while draining | ${peakRss.toFixed(0)} MB |
| joiner RSS with ${formatRate(RECORDS)} records pending | ${rssPending.toFixed(0)} MB (peak ${pendingRss.toFixed(0)} MB) |
| Redis memory per pending record (${SIZE}-byte payload) | ${formatRate(perPending)} bytes |

Latency is the joiner's \`shadowdiff_verdict_latency_seconds\`: from reading the record that
completed a decision to Kafka's ack of its verdict (or to the decision, for a match not emitted),
as histogram bucket bounds.

Command: \`npm run up && RECORDS=${RECORDS} npm run bench:joiner\`.`;
writeSection('joiner', markdown);
process.stdout.write(`${markdown}\n`);
