/**
 * Key lists several scripts take in the same order: where parked records live (first in the apply
 * and expiry scripts), and the outbox (first in ackOutbox, claimOutbox and deadLetter).
 */
import type { ComparisonKeys } from '../keys.ts';

/** Pending records, their event-time and their arrival indexes, old before new. */
export function parkedKeys(keys: ComparisonKeys): string[] {
  return [keys.pending('old'), keys.pending('new'), keys.eventTimes('old'), keys.eventTimes('new'), keys.arrivals('old'), keys.arrivals('new')];
}

export function outboxKeys(keys: ComparisonKeys): [outbox: string, due: string] {
  return [keys.outbox, keys.outboxDue];
}
