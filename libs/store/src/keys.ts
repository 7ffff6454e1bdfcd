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
  seen(side: Side): string;
  tombstones(side: Side): string;
  readonly retention: string;
  readonly epoch: string;
  readonly offsets: string;
  readonly outbox: string;
  readonly outboxDue: string;
  readonly mode: string;
}

export function comparisonKeys(prefix: string, comparison: string): ComparisonKeys {
  const base = `${prefix}:{${comparison}}`;
  return {
    pending: (side) => `${base}:pending:${side}`,
    eventTimes: (side) => `${base}:etime:${side}`,
    arrivals: (side) => `${base}:arrival:${side}`,
    streamTimes: (side) => `${base}:stream:${side}`,
    seen: (side) => `${base}:seen:${side}`,
    tombstones: (side) => `${base}:late:${side}`,
    retention: `${base}:retain`,
    epoch: `${base}:epoch`,
    offsets: `${base}:offsets`,
    outbox: `${base}:outbox`,
    outboxDue: `${base}:outbox:due`,
    mode: `${base}:mode`,
  };
}
