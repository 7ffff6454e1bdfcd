// The phase an ordered backlog hides: the new side lagging far behind the old. A joiner starts on a
// pair whose new topic is empty and parks the whole old side in Redis; only then is the new topic
// filled (while the joiner runs), so every new record finds its partner parked. Measured: the rate
// of that phase, Redis memory before and after, the verdict latency during it, and the verdicts.
import type { Redis } from 'ioredis';
import type { Admin, Kafka } from 'kafkajs';
import { pollUntil, scrapeMetric, startJoinerProcess, sumWhere } from '@shadowdiff/testing';
import { fill, type Filled } from './fill.ts';
import { histogramBuckets, quantile, rateSinceFirst, recordsApplied, rssMb, usedMemory, verdictCounts } from './joiner-metrics.ts';
import { stopJoiner, tracked } from './joiner-processes.ts';
import type { VerdictCounts, orders } from './orders.ts';

export interface LaggingOptions {
  readonly kafka: Kafka;
  readonly admin: Admin;
  readonly redis: Redis;
  /** Topic and key prefix of this phase. */
  readonly prefix: string;
  readonly partitions: number;
  readonly records: number;
  readonly data: ReturnType<typeof orders>;
  /** The joiner's configuration for a pair of topics. */
  readonly config: (prefix: string, oldTopic: string, newTopic: string, maxWait: string) => string;
  /** The joiner's wall-clock cap, above the time the new side lags. */
  readonly maxWait: string;
  readonly nodeArgs: readonly string[];
  readonly fillInFlight: number;
  readonly log: (line: string) => void;
  readonly timeoutMs: number;
}

export interface LaggingResult {
  readonly oldRecords: number;
  readonly newRecords: number;
  /** From the joiner's first old record applied to the last (the whole old side parked), ms. */
  readonly parkMs: number;
  readonly fillNew: Filled;
  /** New-side records applied per second, first to last. */
  readonly rate: number;
  readonly applyMs: number;
  /** From the producer's last new record acknowledged to the joiner's last new record applied, ms. */
  readonly behindFillMs: number;
  /** Redis used_memory (bytes): before the joiner started, with the old side parked, after the phase. */
  readonly memory: { readonly before: number; readonly parked: number; readonly after: number };
  readonly p50: number;
  readonly p99: number;
  readonly verdicts: Record<string, number>;
  readonly expected: VerdictCounts;
  /** Records still parked at the end (their partner's side's stream time has not passed them). */
  readonly stillParked: { readonly old: number; readonly new: number };
  readonly peakRssMb: number;
}

export async function laggingPhase(o: LaggingOptions): Promise<LaggingResult> {
  const oldTopic = `${o.prefix}.old`;
  const newTopic = `${o.prefix}.new`;
  await o.admin.createTopics({ topics: [oldTopic, newTopic].map((topic) => ({ topic, numPartitions: o.partitions, replicationFactor: 1 })), waitForLeaders: true });
  const filledOld = await fill(o.kafka, oldTopic, o.records, (i) => o.data.oldRecord(i), o.fillInFlight);
  o.log(`${oldTopic}: ${filledOld.produced} records in ${(filledOld.ms / 1000).toFixed(1)} s`);

  const before = await usedMemory(o.redis);
  const joiner = tracked(startJoinerProcess(o.config(o.prefix, oldTopic, newTopic, o.maxWait), { nodeArgs: o.nodeArgs }));
  try {
    const url = await joiner.metricsUrl();
    const applied = (side: string) => recordsApplied([url], { side });
    const pending = async (side: string) => sumWhere(await scrapeMetric(url, 'shadowdiff_pending_records'), { side });
    await pollUntil(() => applied('old'), (n) => n > 0, { what: 'the first old record (lagging phase)', intervalMs: 20, timeoutMs: 120_000 });
    const parkStarted = Date.now();
    await pollUntil(() => applied('old'), (n) => n >= filledOld.produced, { what: 'the old side applied (lagging phase)', intervalMs: 100, timeoutMs: o.timeoutMs });
    const parkMs = Date.now() - parkStarted;
    await pollUntil(() => pending('old'), (n) => n >= filledOld.produced, { what: 'the old side parked (lagging phase)', intervalMs: 100, timeoutMs: 120_000 });
    const parked = await usedMemory(o.redis);
    o.log(`lagging: ${filledOld.produced} old records parked in ${(parkMs / 1000).toFixed(1)} s; Redis +${((parked - before) / 2 ** 20).toFixed(0)} MB`);

    // Now the new side comes, while the joiner runs.
    const latencyBefore = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
    const filling = fill(o.kafka, newTopic, o.records, (i) => o.data.newRecord(i), o.fillInFlight);
    const firstNew = await pollUntil(() => applied('new'), (n) => n > 0, { what: 'the first new record (lagging phase)', intervalMs: 20, timeoutMs: 120_000 });
    const applyStarted = Date.now();
    const fillNew = await filling;
    const filledAt = Date.now();
    await pollUntil(() => applied('new'), (n) => n >= fillNew.produced, { what: 'the new side applied (lagging phase)', intervalMs: 100, timeoutMs: o.timeoutMs });
    const appliedAt = Date.now();
    const applyMs = appliedAt - applyStarted;
    // Every decision published: the verdict counts stay the same for 3 s.
    let seen = '';
    let since = Date.now();
    const verdicts = await pollUntil(
      async () => {
        const counts = await verdictCounts(url);
        if (JSON.stringify(counts) !== seen) [seen, since] = [JSON.stringify(counts), Date.now()];
        return counts;
      },
      () => Date.now() - since >= 3000,
      { what: 'the verdicts to settle (lagging phase)', intervalMs: 250, timeoutMs: 300_000 },
    );
    const latencyAfter = await histogramBuckets(url, 'shadowdiff_verdict_latency_seconds');
    const after = await usedMemory(o.redis);
    const stillParked = { old: await pending('old'), new: await pending('new') };
    const peakRssMb = rssMb(joiner.child.pid as number, 'VmHWM');
    return {
      oldRecords: filledOld.produced,
      newRecords: fillNew.produced,
      parkMs,
      fillNew,
      rate: rateSinceFirst(fillNew.produced, firstNew, applyMs, o.log),
      applyMs,
      behindFillMs: appliedAt - filledAt,
      memory: { before, parked, after },
      p50: quantile(latencyAfter, 0.5, latencyBefore),
      p99: quantile(latencyAfter, 0.99, latencyBefore),
      verdicts,
      expected: o.data.expected(o.records),
      stillParked,
      peakRssMb,
    };
  } finally {
    await stopJoiner(joiner);
  }
}
