/**
 * What the joiner does with one batch kafkajs hands out: in chunks, it waits for room in the
 * comparisons reading the topic (backpressure), reads each chunk once per comparison, hands the
 * chunks over and lets kafkajs fetch on at once, so that Kafka and Redis work at the same time.
 * The committer commits a chunk only once every comparison has applied it; a failed chunk sends
 * its partition back to where it failed.
 */
import type { Side } from '@shadowdiff/config';
import { compares } from '@shadowdiff/store';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { chunkBytes, type ByteBudget } from './byte-budget.ts';
import type { Committer } from './committer.ts';
import type { Comparison } from './comparison.ts';
import type { JoinerEvents } from './events.ts';
import type { PartitionPauses } from './pauses.ts';
import type { ReadRecord } from './record-reader.ts';
import { eventTimeRange } from './segments.ts';

/** The comparisons a topic feeds, with the side it is to each (a topic may feed several). */
/** A comparison a topic feeds, with the side it is to it. */
export interface Route {
  readonly comparison: Comparison;
  readonly side: Side;
}

export type Routes = ReadonlyMap<string, readonly Route[]>;

export function routesOf(comparisons: readonly Comparison[]): Routes {
  const routes = new Map<string, { comparison: Comparison; side: Side }[]>();
  for (const comparison of comparisons) {
    for (const side of ['old', 'new'] as const) {
      const topic = comparison.config[side].topic;
      routes.set(topic, [...(routes.get(topic) ?? []), { comparison, side }]);
    }
  }
  return routes;
}

export interface BatchHandlerOptions {
  readonly routes: Routes;
  readonly chunkSize: number;
  readonly committer: Committer;
  readonly pauses: PartitionPauses;
  readonly events: JoinerEvents;
  /** Whether the joiner still consumes. */
  readonly isRunning: () => boolean;
  /** What a failed read turns into (a registry refusing the joiner stops it; the rest is retried). */
  readonly readFailed: (error: unknown) => never;
  /** Bounds the bytes of chunks read and not yet applied (byte-budget.ts). */
  readonly budget: ByteBudget;
}

export function createBatchHandler({ routes, chunkSize, committer, pauses, events, isRunning, readFailed, budget }: BatchHandlerOptions): (payload: EachBatchPayload) => Promise<void> {
  /** Hands one comparison its chunk of a partition; settles once Redis has applied it. */
  function handOver(comparison: Comparison, side: Side, topic: string, partition: number, first: string, count: number, records: ReadRecord[] | null, caughtUp: boolean): Promise<void> {
    const base = { comparison: comparison.config.name, side, topic, partition };
    if (records === null) {
      // Deliberately not applied: the next segment follows no record the store knows of.
      comparison.forget(topic, partition);
      events.emit('joiner.batch_applied', { ...base, outcomes: { paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0, idle: count }, redelivered: 0 });
      return Promise.resolve();
    }
    return comparison.submit(side, topic, partition, records, caughtUp).then(
      ({ paired, parked, duplicate, invalid, missing, late, skipped }) => {
        events.emit('joiner.batch_applied', { ...base, outcomes: { paired, parked, duplicate, invalid, missing, late, idle: 0 }, redelivered: skipped });
      },
      (error: unknown) => {
        committer.rewind(topic, partition, first);
        throw error;
      },
    );
  }

  /** Reads a chunk once for each comparison its topic feeds (null records: the comparison does not compare). */
  function readChunk(targets: readonly Route[], topic: string, partition: number, chunk: readonly KafkaMessage[], arrivedAt: number, caughtUp: boolean) {
    return Promise.all(
      targets.map(async ({ comparison, side }) => {
        // old or new: one consumer runs, there is nothing to compare; the comparison is idle.
        if (!compares(comparison.mode)) return { comparison, side, records: null };
        const reader = comparison.readers[side];
        const read = chunk.map((m) => reader(m, arrivedAt));
        const records = read.some((r) => r instanceof Promise) ? await Promise.all(read).catch(readFailed) : (read as ReadRecord[]);
        comparison.aligner.observe(topic, partition, { ...eventTimeRange(records), caughtUp });
        return { comparison, side, records };
      }),
    );
  }

  return async function applyBatch({ batch, resolveOffset, heartbeat, isRunning: consuming, isStale }: EachBatchPayload): Promise<void> {
    const targets = routes.get(batch.topic) ?? [];
    const goingOn = () => isRunning() && consuming() && !isStale();
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!goingOn()) break;
      const chunk = batch.messages.slice(start, start + chunkSize);
      const arrivedAt = Date.now();
      // Within a chunk of the end counts as no backlog: live traffic always leaves a little lag.
      const caughtUp = start + chunkSize >= batch.messages.length && Number(batch.offsetLag()) <= chunkSize;
      // Backpressure: at most one flush waits behind the one Redis is applying. The chunk is read
      // (decoded) only then: a chunk waiting here holds Kafka's bytes, not their decoded copies.
      await Promise.all(targets.map(({ comparison }) => comparison.ready()));
      if (!goingOn()) break;
      // And what the joiner holds read stays within its budget (each comparing comparison reads
      // its own copy), given back once every comparison applied the chunk or failed to.
      const readers = targets.filter(({ comparison }) => compares(comparison.mode)).length;
      const release = await budget.take(chunkBytes(chunk) * readers);
      let handed: Promise<void>[] | null = null;
      try {
        if (!goingOn()) break;
        const reads = await readChunk(targets, batch.topic, batch.partition, chunk, arrivedAt, caughtUp);
        pauses.reconcile();
        // A failed flush may have sent this partition back meanwhile: then this chunk is read again.
        if (!goingOn()) break;
        committer.resumed(batch.topic, batch.partition);
        const first = chunk[0]!.offset;
        handed = reads.map(({ comparison, side, records }) => handOver(comparison, side, batch.topic, batch.partition, first, chunk.length, records, caughtUp));
      } finally {
        // Whatever went wrong before the chunk was handed over, its room is given back now.
        if (handed === null) release();
        else void Promise.allSettled(handed).then(release);
      }
      const last = chunk[chunk.length - 1]!.offset;
      committer.track(batch.topic, batch.partition, last, Promise.all(handed));
      // kafkajs fetches on from here; the group commits it only once Redis has applied it.
      resolveOffset(last);
      // A chunk may wait a flush and a back-off: the group hears from this member after each.
      await heartbeat();
    }
  };
}
