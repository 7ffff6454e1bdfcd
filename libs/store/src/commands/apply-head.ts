/**
 * What the two apply scripts share (applyRecords, applyPredicted): their 24 keys in one order and
 * the first six arguments, laid out here once, as includes/apply-head.lua reads them.
 */
import type { ComparisonKeys } from '../keys.ts';
import { parkedKeys } from './shared-keys.ts';

export interface ApplyHead {
  readonly keys: ComparisonKeys;
  /** The live retention buckets, current first (retention.ts). */
  readonly live: readonly number[];
  readonly now: number;
  /** window + grace (ms). */
  readonly horizonMs: number;
  /** Most watermark expiries decided per side in one call. */
  readonly expireLimit: number;
  readonly duplicates: 'first' | 'sequence';
  /** The state epoch the caller knows. */
  readonly epoch: string;
  /** How long the current retention bucket is kept from now (ms). */
  readonly ttlMs: number;
}

/** KEYS of both apply scripts (see applyRecords-24.lua for what each holds). */
export function applyKeys({ keys, live }: ApplyHead): string[] {
  return [
    ...parkedKeys(keys),
    keys.streamTimes('old'),
    keys.streamTimes('new'),
    ...live.map((b) => keys.seen('old', b)),
    ...live.map((b) => keys.seen('new', b)),
    ...live.map((b) => keys.tombstones('old', b)),
    ...live.map((b) => keys.tombstones('new', b)),
    keys.offsets,
    keys.outbox,
    keys.outboxDue,
    keys.epoch,
  ];
}

/** ARGV[1..6] of both apply scripts. */
export function applyHeadArgs({ now, horizonMs, expireLimit, duplicates, epoch, ttlMs }: ApplyHead): (string | number)[] {
  return [now, horizonMs, expireLimit, duplicates, epoch, ttlMs];
}
