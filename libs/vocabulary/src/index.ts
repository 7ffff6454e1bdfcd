import { createHash } from 'node:crypto';

/**
 * The words every package of shadowdiff shares, said once: the sides of a comparison, the modes
 * of a migration, the kinds of verdict and their schema, the verdict topics, pairId, the record
 * blob. Pure: no I/O, no dependency but Node's hash, imported by all. The Lua scripts and the
 * dashboard cannot import it; tests check their lists against it.
 */

/** The two sides of a comparison: the consumer being replaced and its successor. */
export const SIDES = ['old', 'new'] as const;
export type Side = (typeof SIDES)[number];

/** The four modes of a migration, in promotion order. */
export const MODES = ['old', 'shadow', 'reverse_shadow', 'new'] as const;
export type MigrationMode = (typeof MODES)[number];

/** Every kind of verdict, `match` first. */
export const VERDICT_KINDS = ['match', 'mismatch', 'missing_old', 'missing_new', 'duplicate_old', 'duplicate_new', 'invalid_old', 'invalid_new', 'late'] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** The kinds that are discrepancies: every kind but `match` (they go to the mismatches topic). */
export const DISCREPANCY_KINDS = VERDICT_KINDS.filter((k): k is Exclude<VerdictKind, 'match'> => k !== 'match');
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** A record that never found its partner. */
export const MISSING_KINDS = ['missing_old', 'missing_new'] as const satisfies readonly VerdictKind[];

/** The `schema` field of every verdict event. */
export const VERDICT_SCHEMA = 'shadowdiff.verdict.v1';

/** The two topics a comparison's verdicts go to: `<prefix>.<comparison>.matches` and `.mismatches`. */
export function verdictTopics(prefix: string, comparison: string): { readonly matches: string; readonly mismatches: string } {
  return { matches: `${prefix}.${comparison}.matches`, mismatches: `${prefix}.${comparison}.mismatches` };
}

export function isMode(value: unknown): value is MigrationMode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

export function isVerdictKind(value: unknown): value is VerdictKind {
  return typeof value === 'string' && (VERDICT_KINDS as readonly string[]).includes(value);
}

/** A JSON value: what a payload decodes to and what a comparison compares. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * The record blob: what the joiner hands the pairing store for each record and reads back in
 * decisions. One JSON object, short keys (it is stored once per pending record).
 */
export interface RecordBlob {
  /** correlation key; null when the record had none */
  readonly k: string | null;
  /** Kafka timestamp, ms */
  readonly ts: number;
  /** event time, ms */
  readonly et: number;
  /** wall-clock arrival at the joiner, ms */
  readonly at: number;
  /** decoded value (absent for an invalid record) */
  readonly v?: Json;
  /** why the record is invalid */
  readonly x?: string;
}

/**
 * The blob of a readable record. `valueJson` is the decoded value's JSON text as the codec gave
 * it, put in as it is (the payload is not encoded a second time).
 */
export function recordBlob(fields: { key: string; ts: number; et: number; at: number; valueJson: string }): string {
  return `{"k":${JSON.stringify(fields.key)},"ts":${fields.ts},"et":${fields.et},"at":${fields.at},"v":${fields.valueJson}}`;
}

/** The blob of a record that cannot take part: its event time is its Kafka timestamp. */
export function invalidBlob(fields: { key: string | null; ts: number; at: number; reason: string }): string {
  return JSON.stringify({ k: fields.key, ts: fields.ts, et: fields.ts, at: fields.at, x: fields.reason } satisfies RecordBlob);
}

export function parseRecordBlob(text: string): RecordBlob {
  return JSON.parse(text) as RecordBlob;
}

export type DifferenceKind = 'changed' | 'added' | 'removed' | 'type_changed';

/**
 * One difference between the old and the new value. `path` is stable and readable:
 * `customer.id`, `items[2].price`, `["odd key"]`; the root itself is the empty path.
 * `added` means present only in new, `removed` present only in old.
 */
export interface Difference {
  readonly path: string;
  readonly kind: DifferenceKind;
  readonly old?: Json;
  readonly new?: Json;
}

/** Where a verdict's record came from, and its value (redacted). */
export interface VerdictSide {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  /** ISO-8601; null where the record's time is no real date (its verdict is invalid_*). */
  readonly timestamp: string | null;
  readonly eventTime: string | null;
  readonly value: Json;
}

/** The verdict event, as DESIGN.md "Verdicts" fixes it. */
export interface Verdict {
  readonly schema: typeof VERDICT_SCHEMA;
  readonly comparison: string;
  readonly pairId: string;
  readonly key: string | null;
  readonly verdict: VerdictKind;
  readonly reason: string | null;
  readonly mode: MigrationMode;
  readonly decidedAt: string;
  readonly old: VerdictSide | null;
  readonly new: VerdictSide | null;
  readonly differences: readonly Difference[];
  readonly latencyDeltaMs: number | null;
  /** Present when values were cut so that the verdict fits its topic. */
  readonly truncated?: true;
  /** With `truncated`: each side's value as JSON bytes before the cut, and how many differences there were. */
  readonly sizes?: { readonly old: number | null; readonly new: number | null; readonly differences: number };
}

/**
 * A verdict's id: a function of the comparison, the key and both records' coordinates
 * (`topic/partition/offset`, empty for a missing side) only, so a verdict published twice (after
 * a crash, or by two instances) is the same event twice. 32 lower-case hex digits.
 */
export function pairIdOf(comparison: string, key: string | null, oldCoordinate: string, newCoordinate: string): string {
  return createHash('sha256')
    .update(`${comparison}\x1f${key ?? ''}\x1f${oldCoordinate}\x1f${newCoordinate}`)
    .digest('hex')
    .slice(0, 32);
}

/** What a pairId looks like (see pairIdOf). */
export const PAIR_ID_FORMAT = /^[0-9a-f]{32}$/;

/** What stands in a verdict where a value was cut to fit the topic's message size. */
export const TRUNCATED = '[truncated by shadowdiff]';
