/**
 * What one apply call of the pairing store takes and gives back: records by segment, the
 * caller's hints, the outcome. Types only, shared by the store and the scripts' protocols
 * (commands/), so neither imports the other.
 */
import type { Decision, Side, StoredRecord } from './decision.ts';
import type { PrePair } from './pre-pair.ts';

/** A record handed to the store; `blob` is kept verbatim and comes back in decisions. */
export interface ApplyRecord {
  readonly offset: string;
  /** `record` to pair, or `invalid` to turn into an invalid verdict (atomically with the offset). */
  readonly kind: 'record' | 'invalid';
  readonly key: string;
  readonly eventTime: number;
  readonly blob: string;
}

/** Records of one partition of one side, in offset order. */
export interface ApplySegment {
  readonly side: Side;
  readonly topic: string;
  readonly partition: number;
  readonly records: readonly ApplyRecord[];
  /**
   * The offset of the record this caller handed to the store just before this segment's first,
   * when it knows one. The store refuses the call (GAP, nothing written) when the partition's
   * applied offset is below it: that record's call failed, and applying this one would skip it.
   */
  readonly after?: string;
}

/**
 * Two records of one apply call that the caller paired and compared itself. `old` and `new` are
 * indices into the call's records, counted across its segments in order from 0. When the store
 * pairs exactly these two, `verdict` goes to the outbox as it is (null: nothing to publish, e.g.
 * an unsampled match) and their blobs are never sent to Redis.
 */
export interface PairHint {
  readonly old: number;
  readonly new: number;
  readonly verdict: string | null;
}

/**
 * A record of the call and the other side's parked record the caller read for it (`peekParked`)
 * and compared it with. When the store pairs the record with exactly that parked record, `verdict`
 * goes to the outbox as it is (null: nothing to publish) and the record's blob is never sent.
 */
export interface ParkedHint {
  readonly record: number;
  /** The parked record's "topic/partition/offset". */
  readonly partner: string;
  readonly verdict: string | null;
}

/** What became of a segment's records. */
export interface SegmentOutcome {
  /** Records new to the store... */
  readonly applied: number;
  /** ...and records at or below the partition's applied offset: redelivered, ignored. */
  readonly skipped: number;
  readonly paired: number;
  readonly parked: number;
  readonly duplicate: number;
  readonly invalid: number;
  /** Declared missing on arrival: the other side had already moved past its window. */
  readonly missing: number;
  readonly late: number;
}

/**
 * Which scripts one apply ran: the fast path alone (`predicted`, one round trip), the general
 * path (`general`: applyRecords after the fast path declined or was not tried), or the general
 * path twice because a left-out blob was needed (`general-with-blobs`).
 */
export type ApplyPath = 'predicted' | 'general' | 'general-with-blobs';

export interface ApplyResult {
  readonly path: ApplyPath;
  /** One per segment, in order. */
  readonly segments: SegmentOutcome[];
  /** Decisions taken from stored entries (every decision but the taken hints). */
  readonly decisions: Decision[];
  /** One per pair hint: whether the store paired exactly those records (its verdict is in the outbox under `hintId`). */
  readonly hintsTaken: boolean[];
  /** One per parked-partner hint, likewise. */
  readonly parkedHintsTaken: boolean[];
  /** With `replication` set: how many replicas it asked for, and how many acknowledged the apply's writes within its timeout (WAIT). */
  readonly replicas?: { readonly wanted: number; readonly acknowledged: number };
}

export interface ApplyOptions {
  readonly hints?: readonly PairHint[];
  readonly parkedHints?: readonly ParkedHint[];
  readonly now?: number;
}

/**
 * What the store expects of a flush before it applies it (pre-pair.ts): the pairs its records
 * form among themselves, and for records left without one, the other side's record of the same
 * key parked now. The caller compares these and hands the verdicts back as hints; the store takes
 * a hint only when it pairs exactly those records.
 */
export interface Prediction {
  readonly pairs: readonly PrePair[];
  readonly parked: readonly { readonly record: number; readonly partner: StoredRecord }[];
  /**
   * How the parked records were looked up: keys answered by a read sent ahead (peekAhead, no round
   * trip of the flush's own) and keys read now (one round trip before the apply).
   */
  readonly lookups: { readonly ahead: number; readonly now: number };
}
