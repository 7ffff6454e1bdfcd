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
    offsets: `${base}:offsets`,
    outbox: `${base}:outbox`,
    outboxDue: `${base}:outbox:due`,
    mode: `${base}:mode`,
  };
}
