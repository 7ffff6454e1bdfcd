import type { Side } from './decision.ts';

/**
 * Every Redis key shadowdiff uses comes from here. All keys of one comparison share the hash tag
 * `{<comparison>}`, so every script touches a single slot and Redis Cluster accepts it.
 */
export interface ComparisonKeys {
  pending(side: Side): string;
  eventTimes(side: Side): string;
  arrivals(side: Side): string;
  streamTimes(side: Side): string;
  /** Seen counters of one retention bucket (see retention.ts). */
  seen(side: Side, bucket: number): string;
  /** Tombstones of one retention bucket: a record of `side` arriving for one of them is late. */
  tombstones(side: Side, bucket: number): string;
  readonly epoch: string;
  readonly offsets: string;
  readonly outbox: string;
  readonly outboxDue: string;
  /** Verdicts the broker refused for good (list of JSON entries, newest first). */
  readonly deadLetters: string;
  readonly mode: string;
  /** The mode's history (list of JSON changes, newest first) and when the current mode was set. */
  readonly modeHistory: string;
  readonly modeSince: string;
}

/** The keys of a comparison's read model (the API's; see commands/recordVerdicts-9.lua). */
export interface ReadModelKeys {
  readonly seen: string;
  readonly discrepancies: string;
  readonly byTime: string;
  readonly buckets: string;
  readonly totals: string;
  readonly fields: string;
  readonly fieldFirst: string;
  readonly fieldLast: string;
  /** The prefix of the per-kind zsets, the example lists, the minutes zset and the meta hash. */
  readonly kindPrefix: string;
}

export function comparisonKeys(prefix: string, comparison: string): ComparisonKeys {
  const base = `${prefix}:{${comparison}}`;
  return {
    pending: (side) => `${base}:pending:${side}`,
    eventTimes: (side) => `${base}:etime:${side}`,
    arrivals: (side) => `${base}:arrival:${side}`,
    streamTimes: (side) => `${base}:stream:${side}`,
    seen: (side, bucket) => `${base}:seen:${side}:${bucket}`,
    tombstones: (side, bucket) => `${base}:late:${side}:${bucket}`,
    epoch: `${base}:epoch`,
    offsets: `${base}:offsets`,
    outbox: `${base}:outbox`,
    outboxDue: `${base}:outbox:due`,
    deadLetters: `${base}:dead`,
    mode: `${base}:mode`,
    modeHistory: `${base}:mode:history`,
    modeSince: `${base}:mode:since`,
  };
}

export function readModelKeys(prefix: string, comparison: string): ReadModelKeys {
  const base = `${prefix}:{${comparison}}:rm:`;
  return {
    seen: `${base}seen`,
    discrepancies: `${base}v`,
    byTime: `${base}t`,
    buckets: `${base}buckets`,
    totals: `${base}totals`,
    fields: `${base}fields`,
    fieldFirst: `${base}ffirst`,
    fieldLast: `${base}flast`,
    kindPrefix: `${base}k:`,
  };
}
