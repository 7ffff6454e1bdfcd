// In shadow mode, does a slow or failing candidate change the caller's latency or result?
// `npm run up && npm run bench:client`. Writes its section of docs/benchmarks.md.
import { createShadowClient } from '@shadowdiff/client';
import { createModeRegistry } from '@shadowdiff/store';
import { Redis } from 'ioredis';
import { Kafka, logLevel } from 'kafkajs';
import { formatRate, machine, writeSection } from './lib/report.ts';

const brokers = process.env.KAFKA_BROKERS ?? '127.0.0.1:9092';
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const CALLS = 5000;
const prefix = `bench-client-${Date.now().toString(36)}`;
const kafka = new Kafka({ clientId: 'bench', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [`${prefix}.old`, `${prefix}.new`].map((topic) => ({ topic, numPartitions: 3, replicationFactor: 1 })), waitForLeaders: true });
const redis = new Redis(redisUrl);
await createModeRegistry({ redis, keyPrefix: prefix, comparison: 'c', defaultMode: 'old' }).change({ from: 'old', to: 'shadow', actor: 'bench', reason: 'bench', forced: false });
const client = createShadowClient({ redisUrl, kafka, keyPrefix: prefix, comparison: 'c', oldTopic: `${prefix}.old`, newTopic: `${prefix}.new` });
await client.start();

/** The work the caller waits for: a little CPU, as a real handler would do. */
const control = async () => {
  let x = 0;
  for (let i = 0; i < 2000; i += 1) x += Math.sqrt(i);
  return { total: Math.round(x) };
};
const expected = (await control()).total;
const candidates: Record<string, () => Promise<{ total: number }>> = {
  'candidate as fast as control': control,
  'candidate 50 ms slower': async () => {
    await new Promise((r) => setTimeout(r, 50));
    return control();
  },
  'candidate always throws': async () => {
    throw new Error('candidate failure');
  },
};

async function measure(candidate: () => Promise<{ total: number }>, through = client) {
  const latencies: number[] = [];
  let wrong = 0;
  for (let i = 0; i < CALLS; i += 1) {
    const start = process.hrtime.bigint();
    const value = await through.run({ key: `k${i}`, control, candidate });
    latencies.push(Number(process.hrtime.bigint() - start) / 1000);
    if (value.total !== expected) wrong += 1;
  }
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] as number;
  return { p50: at(0.5), p99: at(0.99), wrong };
}

const bare: number[] = [];
for (let i = 0; i < CALLS; i += 1) {
  const start = process.hrtime.bigint();
  await control();
  bare.push(Number(process.hrtime.bigint() - start) / 1000);
}
bare.sort((a, b) => a - b);
const rows = [`| control alone, no client (reference) | ${bare[Math.floor(CALLS / 2)]?.toFixed(1)} | ${bare[Math.floor(CALLS * 0.99)]?.toFixed(1)} | – |`];
for (const [name, candidate] of Object.entries(candidates)) {
  const r = await measure(candidate);
  rows.push(`| shadow, ${name} | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.wrong} of ${formatRate(CALLS)} |`);
}
await client.stop();

// Kafka down (nothing listens on port 1): results are dropped and counted, the caller unaffected.
const down = createShadowClient({
  redisUrl,
  kafka: new Kafka({ clientId: 'bench-down', brokers: ['127.0.0.1:1'], logLevel: logLevel.NOTHING }),
  keyPrefix: prefix,
  comparison: 'c',
  oldTopic: `${prefix}.old`,
  newTopic: `${prefix}.new`,
  connectTimeoutMs: 500,
});
await down.start();
global.gc?.();
const heapBefore = process.memoryUsage().heapUsed;
const r = await measure(control, down);
global.gc?.();
const heapGrowth = (process.memoryUsage().heapUsed - heapBefore) / 1024 / 1024;
rows.push(`| shadow, Kafka down (${formatRate(down.stats().publishDropped)} results dropped, heap ${heapGrowth >= 0 ? '+' : ''}${heapGrowth.toFixed(1)} MB) | ${r.p50.toFixed(1)} | ${r.p99.toFixed(1)} | ${r.wrong} of ${formatRate(CALLS)} |`);
await down.stop();
await admin.deleteTopics({ topics: [`${prefix}.old`, `${prefix}.new`] });
await admin.disconnect();
const keys = await redis.keys(`${prefix}:*`);
if (keys.length > 0) await redis.del(...keys);
redis.disconnect();

const markdown = `## Consumer library in shadow mode (libs/client)

${machine()}. ${formatRate(CALLS)} sequential calls of \`run({ control, candidate })\` per scenario
in shadow mode, against the local Redis and Kafka (both results are published in the
background); the control does ~2,000 square roots. Latency is what the caller waits, from the call
to the result; the reference is the control alone, without the library, in the same run. The last
row runs the same calls with Kafka down (nothing listens on the broker's port): the client starts
anyway, drops and counts the results it cannot publish, and holds nothing for them (the heap
after a full GC, before and after the calls). In shadow mode at most 100 candidates run at once;
beyond that a candidate is skipped and counted, which is why a slow candidate costs the caller
nothing.

| scenario | caller p50 (µs) | caller p99 (µs) | results not control's |
|---|---:|---:|---:|
${rows.join('\n')}

Command: \`npm run bench:client\`.`;
writeSection('client-shadow', markdown);
process.stdout.write(`${markdown}\n`);
