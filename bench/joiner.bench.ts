// The joiner's throughput, latency and memory on a filled pair of topics, against a bare
// consume-and-discard loop and a Kafka Streams peer over the same topics in the same run:
// `npm run up && npm run bench:joiner`.
//
// Phases (PHASES, comma-separated; all by default, in this order):
//   bare     a bare kafkajs consume-and-discard loop over both topics;
//   peer     the Kafka Streams peer (bench/streams-peer, built with Maven on first use) over the
//            same topics, alone, with 1 stream thread and then each count in PEER_THREADS: what a
//            team would write instead of shadowdiff, a KStream–KStream outer join by message key
//            within the joiner's window on the source event time, comparing both JSON values
//            field by field. Its verdict counts are set beside the expected ones: Kafka Streams
//            emits a one-sided result only once a later record moves stream time past the window
//            and grace, so at the end of its input some missing verdicts never come;
//   joiner   one joiner draining both topics;
//   live     the same joiner, caught up, fed live at half its rate (latency; needs `joiner`);
//   two      two joiners in one group draining the topics again (scaling);
//   pending  a joiner with a million records pending (RSS, Redis memory);
//   lagging  the new side lagging far behind the old, which the ordered backlog hides: a fresh
//            joiner parks a whole old side in Redis before the new side is filled, so every new
//            record meets its partner parked (rate, Redis memory, latency and verdicts of that phase);
//   peer-lagging  the same for the Kafka Streams peer (1 stream thread), on its own pair of topics:
//            its verdicts when the new side comes only after it has consumed the old side.
// Parameters (environment): RECORDS (per side, default 1,000,000), SIZE (bytes, 1024),
// MISMATCH (0.01), MISSING (0.001), LIVE_SECONDS (30), FILL_IN_FLIGHT (1), JOINER_NODE_ARGS,
// PHASES, PEER_THREADS (1,2), PEER_JAVA_ARGS (-Xmx1g), BENCH_TIMEOUT_MS.
// Writes its section of docs/benchmarks.md.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { createProducer, registerCompressionCodecs } from '@shadowdiff/kafka';
import { pollUntil, scrapeMetric, startJoinerProcess, sumWhere, type JoinerProcess } from '@shadowdiff/testing';
import { JOINER_ENV, JOINER_NODE_FLAGS, workDir } from '@shadowdiff/infra';
import { fill } from './lib/fill.ts';
import { histogramBuckets, quantile, recordsApplied, rateSinceFirst, redisCalls, rssMb, usedMemory, verdictCounts } from './lib/joiner-metrics.ts';
import { stopJoiner, tracked } from './lib/joiner-processes.ts';
import { laggingPhase, type LaggingResult } from './lib/lagging-phase.ts';
import { peerLaggingPhase, type PeerLaggingResult } from './lib/peer-lagging-phase.ts';
import { orders } from './lib/orders.ts';
import { formatRate, machine, writeSection } from './lib/report.ts';
import { buildStreamsPeer, peerErrors, runStreamsPeer, type PeerResult } from './lib/streams-peer.ts';

const RECORDS = Number(process.env.RECORDS ?? 1_000_000);
const SIZE = Number(process.env.SIZE ?? 1024);
const MISMATCH = Number(process.env.MISMATCH ?? 0.01);
const MISSING = Number(process.env.MISSING ?? 0.001);
const PARTITIONS = 6;
// The window both the joiner and the peer pair within; grace is the joiner's default.
const WINDOW_MS = 5000;
const GRACE_MS = 0;
// Produce requests in flight while filling. kafkajs does not keep concurrent requests in order, so
// more than one writes each partition in blocks of 2,000 records out of event-time order, which
// a consumer's output (one producer, in input order) is not; the default keeps the order.
const FILL_IN_FLIGHT = Number(process.env.FILL_IN_FLIGHT ?? 1);
const TIMEOUT_MS = Number(process.env.BENCH_TIMEOUT_MS ?? 1_800_000);
const ALL_PHASES = ['bare', 'peer', 'joiner', 'live', 'two', 'pending', 'lagging', 'peer-lagging'] as const;
type Phase = (typeof ALL_PHASES)[number];
const PHASES = new Set((process.env.PHASES ?? ALL_PHASES.join(',')).split(',').map((p) => p.trim()));
for (const p of PHASES) if (!(ALL_PHASES as readonly string[]).includes(p)) throw new Error(`PHASES: unknown phase "${p}" (known: ${ALL_PHASES.join(', ')})`);
if (PHASES.has('live') && !PHASES.has('joiner')) throw new Error('PHASES: live needs joiner (it feeds that joiner at half its rate)');
const runs = (p: Phase) => PHASES.has(p);
const PEER_THREADS = (process.env.PEER_THREADS ?? '1,2').split(',').map(Number);
const PEER_JAVA_ARGS = (process.env.PEER_JAVA_ARGS ?? '-Xmx1g').split(' ').filter((a) => a !== '');
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
const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(0);
const notRun = 'not run';

// Both sides carry the source event's time, as consumers under migration should: the new side is
// filled after the old one, and its Kafka timestamps say nothing about the input it came from.
const data = orders({ size: SIZE, mismatch: MISMATCH, missing: MISSING, t0: Date.now() - 3_600_000 });

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
    window: ${WINDOW_MS / 1000}s
    grace: ${GRACE_MS / 1000}s
    maxWait: ${maxWait}
    maxAhead: 1h
    matches: { emit: sample, ratio: 0.01 }
`;
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
      Array.from({ length: perTick }, (_, i) => ({ key: `live${base + i}`, value: data.payload(base + i, false), headers: { 'source-ts': String(Date.now()) } }));
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
const expected = data.expected(RECORDS);
log(`phases: ${[...PHASES].join(', ')}`);

// The filled pair: bare, peer, joiner and two read it.
let total = 0;
if (['bare', 'peer', 'joiner', 'two'].some((p) => runs(p as Phase))) {
  await admin.createTopics({ topics: [oldTopic, newTopic].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });
  log(`filling ${RECORDS} records per side of ${SIZE} bytes (${MISMATCH * 100}% mismatches, ${MISSING * 100}% missing on new)`);
  for (const [topic, make] of [
    [oldTopic, (i: number) => data.oldRecord(i)],
    [newTopic, (i: number) => data.newRecord(i)],
  ] as const) {
    const filled = await fill(kafka, topic, RECORDS, make, FILL_IN_FLIGHT);
    log(`${topic}: ${filled.produced} records in ${seconds(filled.ms)} s`);
    total += filled.produced;
  }
}

let bareRate: number | undefined;
if (runs('bare')) {
  log('bare kafkajs consume-and-discard loop over both topics');
  bareRate = await bareConsume([oldTopic, newTopic], total);
  log(`bare: ${formatRate(bareRate)} records/s`);
}

// The Kafka Streams peer, alone on the machine, over the same topics (before the live phase adds to them).
const peers: { threads: number; result: PeerResult }[] = [];
if (runs('peer')) {
  const jar = buildStreamsPeer(log);
  for (const threads of PEER_THREADS) {
    log(`Kafka Streams peer, ${threads} stream thread${threads > 1 ? 's' : ''} (${PEER_JAVA_ARGS.join(' ') || 'default heap'})`);
    const appId = `${run}.peer-${threads}t`;
    await admin.createTopics({ topics: [{ topic: `${appId}.verdicts`, numPartitions: PARTITIONS, replicationFactor: 1 }], waitForLeaders: true });
    const result = await runStreamsPeer(jar, {
      brokers,
      oldTopic,
      newTopic,
      outTopic: `${appId}.verdicts`,
      appId,
      threads,
      expected: total,
      windowMs: WINDOW_MS,
      graceMs: GRACE_MS,
      javaArgs: PEER_JAVA_ARGS,
      timeoutMs: TIMEOUT_MS,
    });
    peers.push({ threads, result });
    const wrong = peerErrors(result.last.verdicts, expected);
    log(`peer (${threads}t): ${formatRate(result.rate)} records/s, peak RSS ${result.peakRssMb.toFixed(0)} MB, verdicts ${JSON.stringify(result.last.verdicts)}, dropped ${result.last.droppedRecords}${wrong.length > 0 ? `; wrong: ${wrong.join(', ')}` : ''}`);
  }
}

let joinerRate: number | undefined;
let joinerSeconds = 0;
let peakRss = 0;
let p50 = Number.NaN;
let p99 = Number.NaN;
let joinerVerdicts: Record<string, number> = {};
let commandsPerRecord = Number.NaN;
let halfRate = 0;
let liveP50 = Number.NaN;
let liveP99 = Number.NaN;
let liveProduced = 0;
const LIVE_SECONDS = Number(process.env.LIVE_SECONDS ?? 30);
if (runs('joiner')) {
  log('joiner');
  const callsBefore = await redisCalls(redis);
  const joiner: JoinerProcess = tracked(startJoinerProcess(joinerConfig(run, oldTopic, newTopic, '10s'), { nodeArgs }));
  const joinerLog = join(workDir(), `bench-joiner-${run}.log`);
  process.on('exit', () => writeFileSync(joinerLog, joiner.output()));
  const url = await joiner.metricsUrl();
  const sampler = setInterval(() => (peakRss = Math.max(peakRss, rssMb(joiner.child.pid as number))), 250);
  // The clock starts at the first flush seen applied; the records of that flush are not counted.
  const firstApplied = await pollUntil(() => recordsApplied([url]), (n) => n > 0, { what: 'the first record', intervalMs: 20 });
  const started = Date.now();
  await pollUntil(() => recordsApplied([url]), (n) => n >= total, { what: 'every record applied', intervalMs: 100, timeoutMs: TIMEOUT_MS });
  const appliedAt = Date.now();
  joinerSeconds = (appliedAt - started) / 1000;
  joinerRate = rateSinceFirst(total, firstApplied, appliedAt - started, log);
  // The kernel's peak, as for the peer (VmHWM), before the live phase adds its own.
  peakRss = Math.max(peakRss, rssMb(joiner.child.pid as number, 'VmHWM'));
  await pollUntil(async () => sumWhere(await scrapeMetric(url, 'shadowdiff_verdicts_total'), {}), (n) => n >= RECORDS, { what: 'every verdict', intervalMs: 200, timeoutMs: 600_000 });
  commandsPerRecord = ((await redisCalls(redis)) - callsBefore) / total;
  const drained = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
  p50 = quantile(drained, 0.5);
  p99 = quantile(drained, 0.99);
  joinerVerdicts = await verdictCounts(url);
  log(`joiner: ${formatRate(joinerRate)} records/s, ${joinerSeconds.toFixed(1)} s; peak RSS ${peakRss.toFixed(0)} MB; verdicts ${JSON.stringify(joinerVerdicts)}`);

  if (runs('live')) {
    // Half the maximum rate, live: the joiner has caught up; records now arrive as they are produced.
    halfRate = joinerRate / 2;
    log(`live at half the joiner's rate: ${formatRate(halfRate)} records/s for ${LIVE_SECONDS} s`);
    const liveBefore = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
    const appliedBefore = await recordsApplied([url]);
    liveProduced = await produceLive(halfRate, LIVE_SECONDS);
    await pollUntil(() => recordsApplied([url]), (n) => n >= appliedBefore + liveProduced, { what: 'every live record applied', intervalMs: 100, timeoutMs: 120_000 });
    const liveAfter = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
    liveP50 = quantile(liveAfter, 0.5, liveBefore);
    liveP99 = quantile(liveAfter, 0.99, liveBefore);
    log(`live: ${liveProduced} records, verdict latency p50 ${liveP50 * 1000} ms, p99 ${liveP99 * 1000} ms`);
  }
  clearInterval(sampler);
  await stopJoiner(joiner);
}

// Scaling: two instances in one group over the same topics, from the beginning, with their own state.
const twoPrefix = `${run}-2`;
let twoRate: number | undefined;
let twoRss: number[] = [];
if (runs('two')) {
  log('two joiner instances in one group');
  const pair = [0, 1].map(() => tracked(startJoinerProcess(joinerConfig(twoPrefix, oldTopic, newTopic, '10s'), { nodeArgs })));
  const pairUrls = await Promise.all(pair.map((j) => j.metricsUrl()));
  const allRecords = total + liveProduced;
  const twoFirst = await pollUntil(() => recordsApplied(pairUrls), (n) => n > 0, { what: 'the first record (two instances)', intervalMs: 20 });
  const twoStarted = Date.now();
  await pollUntil(() => recordsApplied(pairUrls), (n) => n >= allRecords, { what: 'every record applied (two instances)', intervalMs: 100, timeoutMs: TIMEOUT_MS });
  twoRate = rateSinceFirst(allRecords, twoFirst, Date.now() - twoStarted, log);
  twoRss = pair.map((j) => rssMb(j.child.pid as number));
  await Promise.all(pair.map((j) => stopJoiner(j)));
  log(`two instances: ${formatRate(twoRate)} records/s together`);
}

let rssPending: number | undefined;
let pendingRss = 0;
let perPending = Number.NaN;
if (runs('pending')) {
  log(`a million records pending: ${RECORDS} old records, no new side`);
  const pendingTopic = `${run}.pending`;
  const emptyTopic = `${run}.empty`;
  await admin.createTopics({ topics: [pendingTopic, emptyTopic].map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });
  const filled = await fill(kafka, pendingTopic, RECORDS, (i) => data.oldRecord(i, 'p'), FILL_IN_FLIGHT);
  log(`${pendingTopic}: ${filled.produced} records in ${seconds(filled.ms)} s`);
  const memoryBefore = await usedMemory(redis);
  const pending = tracked(startJoinerProcess(joinerConfig(`${run}-p`, pendingTopic, emptyTopic, '1h'), { nodeArgs }));
  const pendingUrl = await pending.metricsUrl();
  const pendingSampler = setInterval(() => (pendingRss = Math.max(pendingRss, rssMb(pending.child.pid as number))), 250);
  await pollUntil(async () => sumWhere(await scrapeMetric(pendingUrl, 'shadowdiff_pending_records'), { side: 'old' }), (n) => n >= RECORDS, {
    what: 'every record pending',
    intervalMs: 500,
    timeoutMs: TIMEOUT_MS,
  });
  rssPending = rssMb(pending.child.pid as number);
  perPending = ((await usedMemory(redis)) - memoryBefore) / RECORDS;
  clearInterval(pendingSampler);
  await stopJoiner(pending);
}

let lagging: LaggingResult | undefined;
const LAGGING_MAX_WAIT = '1h';
if (runs('lagging')) {
  log(`the new side lagging: ${RECORDS} old records parked before the new side is filled`);
  lagging = await laggingPhase({
    kafka,
    admin,
    redis,
    prefix: `${run}-lag`,
    partitions: PARTITIONS,
    records: RECORDS,
    data,
    config: joinerConfig,
    maxWait: LAGGING_MAX_WAIT,
    nodeArgs,
    fillInFlight: FILL_IN_FLIGHT,
    log,
    timeoutMs: TIMEOUT_MS,
  });
  log(
    `lagging: ${formatRate(lagging.rate)} new records/s applied (fill ${formatRate((lagging.fillNew.produced / lagging.fillNew.ms) * 1000)}/s), p50 ${lagging.p50 * 1000} ms, p99 ${lagging.p99 * 1000} ms, verdicts ${JSON.stringify(lagging.verdicts)}, still parked ${JSON.stringify(lagging.stillParked)}`,
  );
}

let peerLagging: PeerLaggingResult | undefined;
if (runs('peer-lagging')) {
  log(`the new side lagging, for the Kafka Streams peer (1 stream thread): ${RECORDS} old records consumed before the new side is filled`);
  peerLagging = await peerLaggingPhase({
    kafka,
    admin,
    prefix: `${run}-peer-lag`,
    partitions: PARTITIONS,
    records: RECORDS,
    data,
    jar: buildStreamsPeer(log),
    peer: { brokers, threads: 1, windowMs: WINDOW_MS, graceMs: GRACE_MS, javaArgs: PEER_JAVA_ARGS, timeoutMs: TIMEOUT_MS },
    fillInFlight: FILL_IN_FLIGHT,
    log,
  });
  log(`peer, lagging: verdicts ${JSON.stringify(peerLagging.last.verdicts)}, dropped ${peerLagging.last.droppedRecords}, peak RSS ${peerLagging.peakRssMb.toFixed(0)} MB`);
}

for (const prefix of [run, twoPrefix, `${run}-p`, `${run}-lag`]) {
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

// ---- the section of docs/benchmarks.md ----
const n = (value: number | undefined) => (value === undefined ? notRun : formatRate(value));
const ms = (s: number) => (Number.isNaN(s) ? notRun : `${s * 1000} ms`);
const KINDS = ['match', 'mismatch', 'missing_old', 'missing_new'];
// The four kinds this data can give, and any other kind someone counted.
const kindsSeen = (counts: Record<string, number>[]) => [...new Set([...KINDS, ...counts.flatMap((c) => Object.keys(c).filter((k) => (c[k] ?? 0) > 0))])];
const countsText = (counts: Record<string, number>) =>
  Object.entries(counts)
    .filter(([, v]) => v > 0)
    .map(([k, v]) => `${k} ${formatRate(v)}`)
    .join(', ');
const joinerWrong = runs('joiner') ? peerErrors(joinerVerdicts, expected) : [];

const peerSection = (() => {
  if (peers.length === 0) return '';
  const columns = peers.map((p) => `Kafka Streams peer, ${p.threads} stream thread${p.threads > 1 ? 's' : ''}`);
  const row = (label: string, exp: string, joiner: string, cells: string[]) => `| ${label} | ${exp} | ${joiner} | ${cells.join(' | ')} |`;
  const kinds = kindsSeen([expected, joinerVerdicts, ...peers.map((p) => p.result.last.verdicts)]);
  const wrongText = peers
    .map((p) => {
      const wrong = peerErrors(p.result.last.verdicts, expected);
      return `- ${p.threads} stream thread${p.threads > 1 ? 's' : ''}: ${wrong.length === 0 ? 'every count as expected.' : `**wrong**: ${wrong.join('; ')}.`}${p.result.last.droppedRecords > 0 ? ` Kafka Streams dropped ${formatRate(p.result.last.droppedRecords)} input records (its \`dropped-records-total\`: too late for the window and grace, so neither paired nor reported).` : ''}`;
    })
    .join('\n');
  const short = peers.some((p) => (p.result.last.verdicts.missing_new ?? 0) < expected.missing_new || (p.result.last.verdicts.missing_old ?? 0) < expected.missing_old);
  return `
### Against a Kafka Streams peer (bench/streams-peer)

What a team would write instead of shadowdiff, run alone over the same filled topics in the same
run, before the joiner: Kafka Streams 4.1.1 (the broker's version), a KStream–KStream outer join of
the two topics by message key, \`JoinWindows.ofTimeDifferenceAndGrace(${WINDOW_MS / 1000}s, ${GRACE_MS / 1000}s)\` (the joiner's window and
grace) on the event time of the \`source-ts\` header, both values parsed with Jackson and compared
field by field, verdicts as JSON to an output topic (every non-match and 1% of the matches, as the
joiner). Kafka Streams' defaults otherwise: \`at_least_once\`, RocksDB window stores with their
changelog topics. Compiled for Java 17, run on the \`java\` on the PATH, \`${PEER_JAVA_ARGS.join(' ') || 'default heap'}\`. Records/s counts input records (both sides) from the first
the peer consumed to the last; RSS is the JVM's peak (\`VmHWM\`). The expected counts follow from
how the data was generated.

${row('figure', 'expected', 'joiner', columns)}
|---|---:|---:|${columns.map(() => '---:|').join('')}
${row('records/s (both sides, first record to last)', '', n(joinerRate), peers.map((p) => formatRate(p.result.rate)))}
${row('joiner ÷ Kafka Streams peer', '', '', peers.map((p) => (joinerRate === undefined ? notRun : (joinerRate / p.result.rate).toFixed(2))))}
${row('peak RSS, MB', '', runs('joiner') ? peakRss.toFixed(0) : notRun, peers.map((p) => p.result.peakRssMb.toFixed(0)))}
${kinds.map((k) => row(`verdicts: ${k}`, formatRate((expected as Record<string, number>)[k] ?? 0), runs('joiner') ? formatRate(joinerVerdicts[k] ?? 0) : notRun, peers.map((p) => formatRate(p.result.last.verdicts[k] ?? 0)))).join('\n')}
${row('input records dropped as too late', '0', '–', peers.map((p) => formatRate(p.result.last.droppedRecords)))}

Where the counts differ from the expected ones:

- joiner: ${!runs('joiner') ? notRun : joinerWrong.length === 0 ? 'every count as expected.' : `**wrong**: ${joinerWrong.join('; ')}.`}
${wrongText}
${short ? `
Missing verdicts short of the expected ones are the peer's flaw, not noise: Kafka Streams emits a
one-sided outer-join result only when a later record moves the task's stream time past the record's
time + window + grace, and it has no wall-clock cap. After the last record of its input nothing
moves stream time, so the records without a partner in the last window + grace of event time are
never reported, nor those whose window closed after its last emission of one-sided results (it
emits them at most once a second of wall time). The joiner's \`maxWait\` declares such records at
the wall-clock cap.
` : ''}`;
})();

const laggingSection = (() => {
  if (lagging === undefined) return '';
  const l = lagging;
  const kinds = kindsSeen([l.expected, l.verdicts]);
  const wrong = peerErrors(l.verdicts, l.expected);
  const parked = l.stillParked.old + l.stillParked.new;
  const fillRate = (l.fillNew.produced / Math.max(1, l.fillNew.ms)) * 1000;
  return `
### The new side lagging far behind the old

The phase the ordered backlog hides. A fresh joiner (same configuration, \`maxWait: ${LAGGING_MAX_WAIT}\`, above the
lag) starts on a pair whose new topic is empty and parks the whole old side (${formatRate(l.oldRecords)} records)
in Redis; once it has applied all of it, the new topic is filled (${formatRate(l.newRecords)} records,
${FILL_IN_FLIGHT} produce request${FILL_IN_FLIGHT > 1 ? 's' : ''} in flight) while the joiner runs, so every new record meets its partner parked.

| figure | value |
|---|---:|
| records: old side, then new side | ${formatRate(l.oldRecords)} + ${formatRate(l.newRecords)} |
| old side parked, records/s (first to last applied) | ${formatRate((l.oldRecords / Math.max(1, l.parkMs)) * 1000)} |
| new side filled by the producer, records/s | ${formatRate(fillRate)} |
| **new side applied against parked partners, records/s (first to last)** | **${formatRate(l.rate)}** (${seconds(l.applyMs)} s) |
| verdict latency p50 / p99 during the new side | ${ms(l.p50)} / ${ms(l.p99)} |
| Redis used_memory: before / old side parked / after the new side | ${mb(l.memory.before)} / ${mb(l.memory.parked)} / ${mb(l.memory.after)} MB |
| Redis memory per parked record (${SIZE}-byte payload) | ${formatRate((l.memory.parked - l.memory.before) / Math.max(1, l.oldRecords))} bytes |
| joiner peak RSS | ${l.peakRssMb.toFixed(0)} MB |
${kinds.map((k) => `| verdicts: ${k} (expected) | ${formatRate(l.verdicts[k] ?? 0)} (${formatRate((l.expected as Record<string, number>)[k] ?? 0)}) |`).join('\n')}
| records still parked at the end | ${formatRate(parked)} |

${wrong.length === 0 ? 'Every verdict count as expected.' : `Counts apart from the expected ones at the end of the phase: ${wrong.join('; ')}.`}${parked > 0 ? ` ${formatRate(parked)} record${parked > 1 ? 's' : ''} still parked: the new side's stream time ended less than window + grace past ${parked > 1 ? 'them' : 'it'}, so ${parked > 1 ? 'they wait' : 'it waits'} for \`maxWait\` (${LAGGING_MAX_WAIT}) to be declared missing; the phase does not wait for that.` : ''}
The producer wrote the new side while the joiner ran; the joiner applied the last new record
${seconds(l.behindFillMs)} s after the producer's last was acknowledged, ${
    l.behindFillMs < 2000
      ? 'so it kept up with the producer: this rate is bounded by the fill, and the joiner\'s own limit in this phase is higher.'
      : 'so it fell behind the producer: this rate is the joiner\'s own.'
  }
`;
})();

const peerLaggingSection = (() => {
  if (peerLagging === undefined) return '';
  const l = peerLagging;
  const kinds = kindsSeen([l.expected, l.last.verdicts, l.afterOld.verdicts]);
  const wrong = peerErrors(l.last.verdicts, l.expected);
  const row = (k: string) => `| ${k} | ${formatRate((l.expected as Record<string, number>)[k] ?? 0)} | ${formatRate(l.afterOld.verdicts[k] ?? 0)} | ${formatRate(l.last.verdicts[k] ?? 0)} |`;
  const v = (k: string) => l.last.verdicts[k] ?? 0;
  // Verdicts that involve an old record, beyond one per old record: old records judged twice.
  const twice = v('match') + v('mismatch') + v('missing_new') + v('invalid_old') + v('invalid_new') - l.oldRecords;
  const falseMissing = v('missing_old') > l.expected.missing_old || v('missing_new') > l.expected.missing_new;
  return `
### The new side lagging: the Kafka Streams peer

The Kafka Streams peer in the same phase (1 stream thread, \`${PEER_JAVA_ARGS.join(' ') || 'default heap'}\`, its own pair of topics filled the
same way): it consumes the whole old side (${formatRate(l.oldRecords)} records) with the new topic empty, then the
new side (${formatRate(l.newRecords)} records) is filled while it runs. Peak RSS ${l.peakRssMb.toFixed(0)} MB.

| verdicts | expected | peer, old side consumed | peer, at the end |
|---|---:|---:|---:|
${kinds.map(row).join('\n')}
| input records dropped as too late | 0 | ${formatRate(l.afterOld.droppedRecords)} | ${formatRate(l.last.droppedRecords)} |

${wrong.length === 0 ? 'Every count as expected.' : `**The peer is wrong here**: ${wrong.join('; ')}.`}${twice > 0 ? ` At least ${formatRate(twice)} old records got two verdicts (the verdicts that involve an old record outnumber the old records).` : ''}${
    falseMissing
      ? `

Why: with its default \`max.task.idle.ms\` of 0, Kafka Streams does not wait for an input partition it knows to be empty, so the old side
alone moved the join's stream time to its end, and every old record whose window had closed was
reported \`missing_new\`. A new record that came later was paired only if its partner was still in
the join's window store, which keeps records for window before + after + grace behind stream time;
otherwise it was reported \`missing_old\` at once.${twice > 0 ? ' An old record paired then may already have been reported `missing_new` (the emission of one-sided results is throttled to once a second of wall time, so which ones were is a matter of timing).' : ''}
The joiner's expiry looks at the other side's stream time, not the faster side's, and so waits
for the new side. Kafka Streams has a setting for this case (KIP-695): with \`max.task.idle.ms\` above 0 a task
waits that long for an empty input partition before it processes the others; the peer runs with
the default, as a team that does not know of it would, and this phase was not run with it set
(how long to wait is the lag to be expected, here minutes).`
      : ''
  }
`;
})();

const onePeer = peers.find((p) => p.threads === 1);
const markdown = `## Joiner throughput, latency and memory (services/joiner)

${machine()}; Kafka, Redis and the joiner on the same machine. ${formatRate(RECORDS)} records per
side of ${SIZE}-byte JSON, ${PARTITIONS} partitions per topic, ${MISMATCH * 100}% mismatches,
${MISSING * 100}% missing on the new side, filled with ${FILL_IN_FLIGHT} produce request${FILL_IN_FLIGHT > 1 ? 's' : ''} in flight${FILL_IN_FLIGHT > 1 ? ' (blocks of a partition out of event-time order)' : ' (each partition in event-time order)'}; the joiner reads both topics from the beginning to the
end as one process, started as \`shadowdiff joiner\` starts it (${[...JOINER_NODE_FLAGS, ...Object.entries(JOINER_ENV).map(([k, v]) => `${k}=${v}`)].join(', ')}${nodeArgs.length > 0 ? `, plus ${nodeArgs.join(' ')}` : ''}), emitting every non-match and 1% of the matches (the DESIGN example; verdicts: ${runs('joiner') ? countsText(joinerVerdicts) : notRun}). Reference in the same run: a bare kafkajs
consume-and-discard loop over the same topics, with the joiner's fetch settings, and a Kafka Streams
peer (below).${PHASES.size < ALL_PHASES.length ? ` Phases run: ${[...PHASES].join(', ')}.` : ''}

| figure | value |
|---|---:|
| joiner, records/s (both sides, first record applied to last) | ${n(joinerRate)} |
| bare kafkajs consume loop, records/s | ${n(bareRate)} |
| joiner ÷ bare loop | ${joinerRate !== undefined && bareRate !== undefined ? (joinerRate / bareRate).toFixed(2) : notRun} |
| joiner ÷ Kafka Streams peer (1 stream thread) | ${joinerRate !== undefined && onePeer ? (joinerRate / onePeer.result.rate).toFixed(2) : notRun} |
| verdict latency p50 / p99 while draining the backlog at full rate | ${ms(p50)} / ${ms(p99)} |
| verdict latency p50 / p99 live at half the joiner's rate (${formatRate(halfRate)} records/s for ${LIVE_SECONDS} s) | ${ms(liveP50)} / ${ms(liveP99)} |
| two instances in one group, records/s together (each its own process) | ${twoRate === undefined ? notRun : `${formatRate(twoRate)} (RSS ${twoRss.map((r) => r.toFixed(0)).join(' + ')} MB)`} |
| Redis commands per record | ${Number.isNaN(commandsPerRecord) ? notRun : commandsPerRecord.toFixed(3)} |
| joiner peak RSS while draining | ${runs('joiner') ? `${peakRss.toFixed(0)} MB` : notRun} |
| joiner RSS with ${formatRate(RECORDS)} records pending | ${rssPending === undefined ? notRun : `${rssPending.toFixed(0)} MB (peak ${pendingRss.toFixed(0)} MB)`} |
| Redis memory per pending record (${SIZE}-byte payload) | ${Number.isNaN(perPending) ? notRun : `${formatRate(perPending)} bytes`} |

Latency is the joiner's \`shadowdiff_verdict_latency_seconds\`: from reading the record that
completed a decision to Kafka's ack of its verdict (or to the decision, for a match not emitted),
as histogram bucket bounds.
${peerSection}${laggingSection}${peerLaggingSection}
Command: \`npm run up && RECORDS=${RECORDS} npm run bench:joiner\`${PHASES.size < ALL_PHASES.length ? ` (with \`PHASES=${[...PHASES].join(',')}\`)` : ''}.`;
writeSection('joiner', markdown);
process.stdout.write(`${markdown}\n`);
