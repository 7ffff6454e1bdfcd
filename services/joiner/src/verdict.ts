import { createHash } from 'node:crypto';
import { diff, type Comparator, type Difference, type Json, type Redactor } from '@shadowdiff/compare';
import type { Mode } from '@shadowdiff/config';
import type { Decision, StoredRecord } from '@shadowdiff/store';

export const VERDICT_SCHEMA = 'shadowdiff.verdict.v1';

export type VerdictKind =
  | 'match'
  | 'mismatch'
  | 'missing_old'
  | 'missing_new'
  | 'duplicate_old'
  | 'duplicate_new'
  | 'invalid_old'
  | 'invalid_new'
  | 'late';

export interface VerdictSide {
  readonly topic: string;
  readonly partition: number;
  readonly offset: string;
  readonly timestamp: string;
  readonly eventTime: string;
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
  readonly mode: Mode;
  readonly decidedAt: string;
  readonly old: VerdictSide | null;
  readonly new: VerdictSide | null;
  readonly differences: readonly Difference[];
  readonly latencyDeltaMs: number | null;
}

/** What the joiner writes as a record's blob (see record-reader.ts). */
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

/** One side of a decision: where the record came from and what the joiner knew of it. */
export interface ParsedSide {
  readonly record: Pick<StoredRecord, 'topic' | 'partition' | 'offset'>;
  readonly blob: RecordBlob;
}

function parseSide(record: StoredRecord | null): ParsedSide | null {
  return record === null ? null : { record, blob: JSON.parse(record.blob) as RecordBlob };
}

function coordinate(side: ParsedSide | null): string {
  return side === null ? '' : `${side.record.topic}/${side.record.partition}/${side.record.offset}`;
}

/**
 * A verdict's id: a function of the comparison, the key and both records' coordinates only, so a
 * verdict published twice (after a crash, or by two instances) is the same event twice.
 */
export function pairIdOf(comparison: string, key: string | null, oldCoordinate: string, newCoordinate: string): string {
  return createHash('sha256')
    .update(`${comparison}\x1f${key ?? ''}\x1f${oldCoordinate}\x1f${newCoordinate}`)
    .digest('hex')
    .slice(0, 32);
}

const NO_REDACTION: Redactor = { covers: () => false, value: (v) => v };

function toVerdictSide(side: ParsedSide | null, redactor: Redactor): VerdictSide | null {
  if (side === null) return null;
  return {
    topic: side.record.topic,
    partition: side.record.partition,
    offset: side.record.offset,
    timestamp: new Date(side.blob.ts).toISOString(),
    eventTime: new Date(side.blob.et).toISOString(),
    value: redactor.value(side.blob.v ?? null),
  };
}

export interface DecidedVerdict {
  readonly verdict: Verdict;
  /** For pairs: how long the first record waited for the second, ms. */
  readonly pairWaitMs: number | null;
  /** When the joiner read the record that completed the decision (the later of a pair), ms. */
  readonly lastArrivalMs: number;
}

const PLAIN: Comparator = { compare: diff };

/** Turns a decision from the store into its verdict, comparing a pair under the comparison's rules. */
export function toVerdict(
  comparison: string,
  mode: Mode,
  decision: Decision,
  comparator: Comparator = PLAIN,
  redactor: Redactor = NO_REDACTION,
): DecidedVerdict {
  return verdictOf(comparison, mode, decision, parseSide(decision.old), parseSide(decision.new), comparator, redactor);
}

/**
 * The verdict of a decision whose sides are already parsed (a pair the joiner matched within one
 * flush holds both values already: nothing is parsed again).
 */
export function verdictOf(
  comparison: string,
  mode: Mode,
  decision: Pick<Decision, 'kind' | 'reason' | 'decidedAt'>,
  oldSide: ParsedSide | null,
  newSide: ParsedSide | null,
  comparator: Comparator = PLAIN,
  redactor: Redactor = NO_REDACTION,
): DecidedVerdict {
  const present = (oldSide ?? newSide) as ParsedSide;
  const key = present.blob.k;
  const pairId = pairIdOf(comparison, key, coordinate(oldSide), coordinate(newSide));
  let kind: VerdictKind;
  let reason: string | null = null;
  let differences: readonly Difference[] = [];
  let pairWaitMs: number | null = null;
  switch (decision.kind) {
    case 'pair': {
      const o = oldSide as ParsedSide;
      const n = newSide as ParsedSide;
      differences = comparator.compare(o.blob.v ?? null, n.blob.v ?? null);
      kind = differences.length === 0 ? 'match' : 'mismatch';
      pairWaitMs = Math.max(0, decision.decidedAt - Math.min(o.blob.at, n.blob.at));
      break;
    }
    case 'late': {
      // Its counterpart was already declared missing; the pair is still compared, for information.
      kind = 'late';
      differences = comparator.compare((oldSide as ParsedSide).blob.v ?? null, (newSide as ParsedSide).blob.v ?? null);
      break;
    }
    case 'missing':
      kind = oldSide === null ? 'missing_old' : 'missing_new';
      reason = decision.reason;
      break;
    case 'duplicate':
      kind = oldSide === null ? 'duplicate_new' : 'duplicate_old';
      break;
    case 'invalid':
      kind = oldSide === null ? 'invalid_new' : 'invalid_old';
      reason = present.blob.x ?? 'invalid record';
      break;
  }
  const verdict: Verdict = {
    schema: VERDICT_SCHEMA,
    comparison,
    pairId,
    key,
    verdict: kind,
    reason,
    mode,
    decidedAt: new Date(decision.decidedAt).toISOString(),
    old: toVerdictSide(oldSide, redactor),
    new: toVerdictSide(newSide, redactor),
    differences,
    latencyDeltaMs: oldSide && newSide ? newSide.blob.ts - oldSide.blob.ts : null,
  };
  const lastArrivalMs = Math.max(oldSide?.blob.at ?? 0, newSide?.blob.at ?? 0);
  return { verdict, pairWaitMs, lastArrivalMs };
}
