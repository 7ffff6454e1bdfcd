// What the discrepancy classes cost at 1,000,000 verdicts: `npm run up && npm run bench:classes`.
//
// Verdicts go into a real read model on the local Redis as the API's reader gives them (batches
// of 500, each verdict's class fields computed by classFieldsOf), twice over the same verdicts,
// alternating ROUNDS times: with the classes and without them (the class fields left empty, as
// before the classes existed). Two traffic shapes:
//   realistic: 97 % matches, 2 % mismatches of five bugs, 1 % missing_new;
//   hostile:   every mismatch differs at paths of its own (the atom and signature caps are hit).
// Measured: ingest rate with and without (median), the classifier's CPU per verdict, the Redis
// memory of the class keys and of the whole read model, the API process's heap and RSS, and one
// /classes request (read + analysis) at the end. Parameters: VERDICTS (1,000,000), ROUNDS (3).
// Writes its section of docs/benchmarks.md.
import { randomUUID } from 'node:crypto';
import { diff, type Json } from '@shadowdiff/compare';
import { analyseClasses } from '@shadowdiff/compare';
import { classFieldsOf, createReadModel, type VerdictRecord } from '@shadowdiff/store';
import { Redis } from 'ioredis';
import { machine, writeSection } from './lib/report.ts';

const VERDICTS = Number(process.env.VERDICTS ?? 1_000_000);
const ROUNDS = Number(process.env.ROUNDS ?? 3);
const BATCH = 500;
const redisUrl = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const redis = new Redis(redisUrl);
const run = `cls-${Date.now().toString(36)}`;
const log = (line: string) => process.stdout.write(`[bench] ${line}\n`);
const NOW = Date.now();

/** A ~1 KB order: shallow fields, lines, a pad. */
function order(i: number): Record<string, Json> {
  return {
    orderId: `order-${String(i).padStart(8, '0')}`,
    customerId: `c-${i % 9973}`,
    tier: i % 31 === 0 ? 'gold' : 'standard',
    status: 'PAID',
    amount: (i % 100000) / 100,
    eventId: randomUUID(),
    processedAt: new Date(NOW - 1000 + (i % 1000)).toISOString(),
    lines: Array.from({ length: 1 + (i % 3) }, (_, j) => ({ sku: `s${(i + j) % 40}`, qty: 1 + j })),
    pad: 'x'.repeat(700),
  };
}

/** The new side of order i under the realistic shape (five bugs), or null when missing. */
function realistic(i: number, o: Record<string, Json>): Record<string, Json> | null {
  if (i % 100 === 3) return null;
  if (i % 50 !== 7) return o;
  const n: Record<string, Json> = { ...o };
  const bug = Math.floor(i / 50) % 5;
  if (bug === 0) n.amount = (o.amount as number) * 100;
  if (bug === 1) n.status = 'paid';
  if (bug === 2) n.lines = [...(o.lines as Json[])].reverse();
  if (bug === 3) n.amount = (o.amount as number) + 1e-12;
  if (bug === 4) {
    delete n.customerId;
    n.customer_id = o.customerId as Json;
  }
  return n;
}

/** Every mismatch differs at field names of its own: the worst case for the caps. */
function hostile(i: number, o: Record<string, Json>): Record<string, Json> | null {
  if (i % 50 !== 7) return o;
  return { ...o, [`f${i}`]: i, [`g${i % 997}`]: 'x' };
}

/** Verdict i as the joiner writes it and the API's reader parses it. */
function verdictAt(shape: typeof realistic, i: number) {
  const old = order(i);
  const value = shape(i, old);
  const differences = value === null ? [] : diff(old, value);
  const kind = value === null ? 'missing_new' : differences.length === 0 ? 'match' : 'mismatch';
  const pairId = (i.toString(16) + run).padStart(32, '0').slice(-32);
  return { pairId, verdict: kind, decidedAt: NOW + i, old: { value: old }, new: value === null ? null : { value }, differences };
}

/** Verdicts [from, to) as the reader hands them to the read model, with their class fields or without. */
function verdicts(shape: typeof realistic, from: number, to: number, classes: boolean): VerdictRecord[][] {
  const batches: VerdictRecord[][] = [];
  let batch: VerdictRecord[] = [];
  for (let i = from; i < to; i += 1) {
    const v = verdictAt(shape, i);
    const record = { pairId: v.pairId, verdict: v.verdict, decidedAt: v.decidedAt, json: v.verdict === 'match' ? '' : JSON.stringify(v), key: v.old.value.orderId as string, paths: v.differences.map((d) => d.path) };
    batch.push(classes ? { ...record, classes: classFieldsOf(v) } : record);
    if (batch.length === BATCH) {
      batches.push(batch);
      batch = [];
    }
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}

async function memoryOf(pattern: string): Promise<{ bytes: number; keys: number }> {
  let cursor = '0';
  let bytes = 0;
  let keys = 0;
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    for (const key of found) {
      bytes += Number((await redis.call('MEMORY', 'USAGE', key, 'SAMPLES', '0')) ?? 0);
      keys += 1;
    }
  } while (cursor !== '0');
  return { bytes, keys };
}

async function drop(pattern: string): Promise<void> {
  let cursor = '0';
  do {
    const [next, found] = await redis.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
    cursor = next;
    if (found.length > 0) await redis.unlink(...found);
  } while (cursor !== '0');
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const mb = (b: number) => `${(b / 2 ** 20).toFixed(1)} MB`;
const rate = (r: number) => Math.round(r).toLocaleString('en-US');

interface Result {
  shape: string;
  withRate: number[];
  withoutRate: number[];
  classifyUs: number;
  classBytes: number;
  classKeys: number;
  modelBytes: number;
  heapMb: number;
  rssMb: number;
  analysisMs: number;
  classes: number;
}

async function measure(name: string, shape: typeof realistic): Promise<Result> {
  const result: Result = { shape: name, withRate: [], withoutRate: [], classifyUs: 0, classBytes: 0, classKeys: 0, modelBytes: 0, heapMb: 0, rssMb: 0, analysisMs: 0, classes: 0 };
  // The classifier alone: classFieldsOf per verdict, over the first 50,000.
  const probe = Array.from({ length: 50_000 }, (_, i) => verdictAt(shape, i));
  const started = process.hrtime.bigint();
  for (const v of probe) classFieldsOf(v);
  result.classifyUs = Number(process.hrtime.bigint() - started) / 1000 / probe.length;
  for (let round = 0; round < ROUNDS; round += 1) {
    for (const classes of [true, false]) {
      const prefix = `${run}-${name}-${round}-${classes ? 'with' : 'without'}`;
      const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'c' });
      let peakHeap = 0;
      let peakRss = 0;
      const t0 = process.hrtime.bigint();
      // Built a slice at a time (as a reader gets them), so memory is the reader's, not the bench's.
      for (let from = 0; from < VERDICTS; from += 100_000) {
        for (const batch of verdicts(shape, from, Math.min(VERDICTS, from + 100_000), classes)) await model.record(batch);
        const m = process.memoryUsage();
        peakHeap = Math.max(peakHeap, m.heapUsed);
        peakRss = Math.max(peakRss, m.rss);
      }
      const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
      (classes ? result.withRate : result.withoutRate).push(VERDICTS / seconds);
      log(`${name} round ${round + 1} ${classes ? 'with' : 'without'} classes: ${rate(VERDICTS / seconds)} verdicts/s (including building them)`);
      if (classes && round === ROUNDS - 1) {
        const cls = await memoryOf(`${prefix}:{c}:rm:k:cls:*`);
        const all = await memoryOf(`${prefix}:*`);
        result.classBytes = cls.bytes;
        result.classKeys = cls.keys;
        result.modelBytes = all.bytes;
        result.heapMb = peakHeap / 2 ** 20;
        result.rssMb = peakRss / 2 ** 20;
        const times: number[] = [];
        for (let k = 0; k < 5; k += 1) {
          const a = performance.now();
          result.classes = analyseClasses(await model.classInput()).classes.length;
          times.push(performance.now() - a);
        }
        result.analysisMs = median(times);
      }
      await drop(`${prefix}:*`);
    }
  }
  return result;
}

const results = [await measure('realistic', realistic), await measure('hostile', hostile)];
redis.disconnect();

const rows = results.map((r) => {
  const w = median(r.withRate);
  const wo = median(r.withoutRate);
  return `| ${r.shape} | ${rate(w)} | ${rate(wo)} | ${(w / wo).toFixed(2)}× | ${r.classifyUs.toFixed(1)} µs | ${mb(r.classBytes)} (${r.classKeys} keys) | ${mb(r.modelBytes)} | ${r.heapMb.toFixed(0)} MB / ${r.rssMb.toFixed(0)} MB | ${r.analysisMs.toFixed(1)} ms (${r.classes} classes) |`;
});
const section = `<a id="discrepancy-classes"></a>
## Discrepancy classes (the API's read model)

${machine()}; the local Redis on the same cores. ${VERDICTS.toLocaleString('en-US')} verdicts of ~1 KB orders into a real read
model, in batches of ${BATCH} as the API's reader writes them, ${ROUNDS} rounds alternating with and without the classes;
medians. *realistic*: 97 % matches, 2 % mismatches (five bugs), 1 % missing_new.
*hostile*: every mismatch differs at field names of its own, so the atom and signature caps are reached.
The rates include building the verdicts (and, with the classes, their class fields) in the bench's process,
which also holds 100,000 verdicts at a time: its heap is the bench's, not the classifier's, which keeps nothing
between verdicts. \`npm run bench:classes\`.

| traffic | verdicts/s with classes | without | ratio | classifier CPU per verdict | Redis: class keys | Redis: whole read model | bench process peak heap / RSS | one /classes: read + analysis (median of 5) |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${rows.join('\n')}

The class keys stay bounded whatever the count of verdicts (see [classes](classes.md#how-it-is-counted-and-what-it-costs));
the read model's own keys (pairIds remembered, discrepancies retained) are what grows, up to its retention.`;
writeSection('classes', section);
log(section);
