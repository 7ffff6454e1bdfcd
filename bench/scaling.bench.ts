// How the joiner's throughput grows with instances and with Redis shards, on one server and on the
// local Redis Cluster, over the same filled topics in one run: `npm run up && npm run bench:scaling`.
//
// A comparison's state is one slot (its keys share the hash tag {<comparison>}), so one comparison
// is served by one Redis primary whatever the cluster's size: shards add capacity across
// comparisons. The configurations say so by measuring both:
//   one comparison:    one server, 1 instance; the cluster, 1 instance; the cluster, 3 instances;
//   three comparisons: one server, 3 instances; the cluster, 3 instances, each comparison's slot
//                      on a different primary (3 shards).
// Each drains its topics from the beginning with a key prefix and group of its own; records/s
// counts from the first record applied to the last (both sides). It also measures the Redis
// memory a decided pair leaves behind (the seen keys kept for `retention`), on the one server.
// Parameters (environment): RECORDS (per side, in all, default 300,000), SIZE (bytes, 1024),
// ROUNDS (3: each configuration this many times, alternating; the median is reported).
// Writes its section of docs/benchmarks.md.
import { readFileSync } from 'node:fs';
import calculateSlot from 'cluster-key-slot';
import { Kafka, logLevel } from 'kafkajs';
import { redisClusterUp } from '@shadowdiff/infra';
import { openRedis, primaries } from '@shadowdiff/store';
import { pollUntil, startJoinerProcess } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { fill } from './lib/fill.ts';
import { rateSinceFirst, recordsApplied, usedMemory, verdictCounts } from './lib/joiner-metrics.ts';
import { stopJoiner, tracked } from './lib/joiner-processes.ts';
import { orders } from './lib/orders.ts';
import { formatRate, machine, writeSection } from './lib/report.ts';

const RECORDS = Number(process.env.RECORDS ?? 300_000);
const SIZE = Number(process.env.SIZE ?? 1024);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const PARTITIONS = 6;
const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const run = `scale-${Date.now().toString(36)}`;
const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const data = orders({ size: SIZE, mismatch: 0.01, missing: 0.001, t0: Date.now() - 3_600_000 });

const cluster = await redisClusterUp(log);
const clusterClient = openRedis({ kind: 'cluster', nodes: cluster.nodes, options: {} });
await pollUntil(async () => primaries(clusterClient).length, (n) => n === 3, { what: 'the cluster client to know its primaries' });

/** Names whose slots are served by different primaries of the cluster, as many as asked. */
async function namesOnDistinctPrimaries(count: number): Promise<string[]> {
  const shards = (await clusterClient.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
  const owner = (slot: number) => shards.find(([a, b]) => slot >= a && slot <= b)?.[2].join(':');
  const names: string[] = [];
  const owners = new Set<string>();
  for (let i = 0; names.length < count; i += 1) {
    const name = `c${i}`;
    const o = owner(calculateSlot(name));
    if (o !== undefined && !owners.has(o)) {
      owners.add(o);
      names.push(name);
    }
  }
  return names;
}

const admin = kafka.admin();
await admin.connect();
/** A topic pair per comparison, filled with `perSide` records per side. */
async function pairs(names: readonly string[], perSide: number): Promise<{ name: string; old: string; new: string }[]> {
  const out = names.map((name) => ({ name, old: `${run}.${name}.old`, new: `${run}.${name}.new` }));
  await admin.createTopics({ topics: out.flatMap((p) => [p.old, p.new]).map((topic) => ({ topic, numPartitions: PARTITIONS, replicationFactor: 1 })), waitForLeaders: true });
  for (const p of out) {
    await fill(kafka, p.old, perSide, (i) => data.oldRecord(i, `${p.name}-`));
    await fill(kafka, p.new, perSide, (i) => data.newRecord(i, `${p.name}-`));
  }
  return out;
}

function yaml(prefix: string, redis: string, topics: readonly { name: string; old: string; new: string }[]): string {
  return `
kafka: { brokers: ["${brokers}"] }
redis: { ${redis}, keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner", metricsPort: 0 }
comparisons:
${topics.map((t) => `  - { name: ${t.name}, old: { topic: ${t.old} }, new: { topic: ${t.new} }, eventTime: { from: header, name: source-ts }, window: 5s, maxWait: 10s, maxAhead: 1h, matches: { emit: sample, ratio: 0.01 } }`).join('\n')}
`;
}

interface Config {
  readonly label: string;
  readonly redis: 'server' | 'cluster';
  readonly instances: number;
  readonly topics: { name: string; old: string; new: string }[];
}

let runNumber = 0;
/** Drains the config's topics from the beginning; records/s from the first record applied to the last. */
/** A process's user + system CPU time so far, seconds (/proc/<pid>/stat, in clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/** The joiners' CPU seconds over the last drain (from the first record applied to the last). */
let joinerCpu = 0;

async function drain(config: Config): Promise<number> {
  runNumber += 1;
  const prefix = `${run}-${runNumber}`;
  const redis = config.redis === 'server' ? `url: "${redisUrl}"` : `cluster: { nodes: ${JSON.stringify(cluster.nodes)} }`;
  const joiners = Array.from({ length: config.instances }, () => tracked(startJoinerProcess(yaml(prefix, redis, config.topics))));
  try {
    const urls = await Promise.all(joiners.map((j) => j.metricsUrl()));
    const perSide = RECORDS / config.topics.length;
    const total = config.topics.length * (2 * perSide - data.expected(perSide).missing_new);
    const first = await pollUntil(() => recordsApplied(urls), (n) => n > 0, { what: `the first record (${config.label})`, intervalMs: 20, timeoutMs: 120_000 });
    const started = Date.now();
    const cpuAt = joiners.reduce((n, j) => n + cpuSeconds(j.child.pid as number), 0);
    await pollUntil(() => recordsApplied(urls), (n) => n >= total, { what: `every record applied (${config.label})`, intervalMs: 100, timeoutMs: 1_800_000 });
    joinerCpu = joiners.reduce((n, j) => n + cpuSeconds(j.child.pid as number), 0) - cpuAt;
    const rate = rateSinceFirst(total, first, Date.now() - started, log);
    const decided = (await Promise.all(urls.map(verdictCounts))).reduce((n, c) => n + Object.values(c).reduce((a, b) => a + b, 0), 0);
    if (decided < RECORDS * 0.99) log(`${config.label}: only ${decided} verdicts counted so far`);
    return rate;
  } finally {
    await Promise.all(joiners.map((j) => stopJoiner(j)));
  }
}

log(`filling ${RECORDS} records per side for one comparison, and as many over three`);
const one = await pairs(['c'], RECORDS);
const three = await pairs(await namesOnDistinctPrimaries(3), RECORDS / 3);
const configs: Config[] = [
  { label: 'one comparison, one server, 1 instance', redis: 'server', instances: 1, topics: one },
  { label: 'one comparison, cluster, 1 instance', redis: 'cluster', instances: 1, topics: one },
  { label: 'one comparison, cluster, 3 instances', redis: 'cluster', instances: 3, topics: one },
  { label: 'three comparisons, one server, 3 instances', redis: 'server', instances: 3, topics: three },
  { label: 'three comparisons on 3 shards, cluster, 3 instances', redis: 'cluster', instances: 3, topics: three },
];
const rates = new Map<string, number[]>(configs.map((c) => [c.label, []]));
for (let round = 0; round < ROUNDS; round += 1) {
  for (const config of configs) {
    const rate = await drain(config);
    rates.get(config.label)!.push(rate);
    log(`round ${round + 1}: ${config.label}: ${formatRate(rate)} records/s`);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

// What a decided pair leaves in Redis: the seen keys kept for `retention` (1 h by default), on the
// one server, for one comparison drained by one instance.
// And the Redis CPU a record costs (the server's user + system CPU time over the drain): what one
// primary, which serves a whole comparison, can take per core.
const server = new Redis(redisUrl);
const cpu = async () => {
  const info = await server.info('cpu');
  return Number(/used_cpu_user:([\d.]+)/.exec(info)?.[1] ?? 0) + Number(/used_cpu_sys:([\d.]+)/.exec(info)?.[1] ?? 0);
};
const [before, cpuBefore] = [await usedMemory(server), await cpu()];
await drain({ label: 'memory', redis: 'server', instances: 1, topics: one });
const [after, cpuAfter] = [await usedMemory(server), await cpu()];
server.disconnect();
const records = 2 * RECORDS - data.expected(RECORDS).missing_new;
const perKey = (after - before) / records;
const redisMicros = ((cpuAfter - cpuBefore) * 1e6) / records;
// The records after the first flush seen, as rateSinceFirst counts them; near enough all of them.
const joinerMicros = (joinerCpu * 1e6) / records;

const base = median(rates.get(configs[0]!.label)!);
const rows = configs.map((c) => {
  const m = median(rates.get(c.label)!);
  return `| ${c.label} | ${formatRate(m)} | ${(m / base).toFixed(2)}× | ${rates.get(c.label)!.map(formatRate).join(', ')} |`;
});
writeSection(
  'scaling',
  `## Scaling: instances and Redis shards

${machine()}; Kafka, Redis (one server, and a local cluster of 3 primaries and 3 replicas) and
every joiner on the same two cores. ${RECORDS.toLocaleString('en-US')} records per side of ${SIZE} bytes, either
one comparison or three of a third each, 6 partitions per topic; each configuration drains its
topics from the beginning with state of its own, ${ROUNDS} rounds alternating; the median and each
round. \`npm run bench:scaling\`.

| configuration | records/s (median) | vs one server, 1 instance | rounds |
|---|---:|---:|---|
${rows.join('\n')}

| one server, one comparison, 1 instance | |
|---|---:|
| Redis memory a decided record leaves for \`retention\` (its seen key) | ${Math.round(perKey)} bytes |
| Redis CPU per record (user + system) | ${redisMicros.toFixed(1)} µs: ${formatRate(1e6 / redisMicros)} records/s per core of a primary |
| joiner CPU per record (user + system, its process) | ${joinerMicros.toFixed(1)} µs: ${formatRate(1e6 / joinerMicros)} records/s per core of an instance |

On two cores the instances and the Redis processes share the same CPUs as Kafka: these figures
show what each deployment costs here, not how far it scales on a machine per component. One
comparison lives in one slot: on a cluster, its state is one primary's work whatever the number
of shards; shards add capacity across comparisons.`,
);
await admin.disconnect();
clusterClient.disconnect();
log('done: docs/benchmarks.md');
process.exit(0);
