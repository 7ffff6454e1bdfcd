import { TRUNCATED, VERDICT_SCHEMA, pairIdOf, parseRecordBlob, type RecordBlob, type Verdict, type VerdictKind, type VerdictSide } from '@shadowdiff/vocabulary';
import { describeWithoutData } from '@shadowdiff/errors';
import { createRedactor, diff, type Comparator, type Difference, type Redactor } from '@shadowdiff/compare';
import type { Mode } from '@shadowdiff/config';
import type { Decision, StoredRecord } from '@shadowdiff/store';

export { VERDICT_SCHEMA, type VerdictKind } from '@shadowdiff/vocabulary';

/** The verdict event and its sides: the vocabulary's, built here. */
export type { Verdict, VerdictSide } from '@shadowdiff/vocabulary';
export type { RecordBlob } from '@shadowdiff/vocabulary';

/** One side of a decision: where the record came from and what the joiner knew of it. */
export interface ParsedSide {
  readonly record: Pick<StoredRecord, 'topic' | 'partition' | 'offset'>;
  readonly blob: RecordBlob;
}

function parseSide(record: StoredRecord | null): ParsedSide | null {
  return record === null ? null : { record, blob: parseRecordBlob(record.blob) };
}

function coordinate(side: ParsedSide | null): string {
  return side === null ? '' : `${side.record.topic}/${side.record.partition}/${side.record.offset}`;
}

export { pairIdOf } from '@shadowdiff/vocabulary';

const NO_REDACTION: Redactor = createRedactor([]);

/** ISO-8601 of a time in ms, or null where no date exists (an absurd clock). */
function isoOrNull(ms: number): string | null {
  const date = new Date(ms);
  return Number.isNaN(date.getTime()) ? null : date.toISOString();
}

function toVerdictSide(side: ParsedSide | null, redactor: Redactor): VerdictSide | null {
  if (side === null) return null;
  return {
    topic: side.record.topic,
    partition: side.record.partition,
    offset: side.record.offset,
    timestamp: isoOrNull(side.blob.ts),
    eventTime: isoOrNull(side.blob.et),
    value: redactor.value(side.blob.v ?? null),
  };
}

/**
 * A fault of one side's record found only when comparing: its normaliser threw, or returned
 * something that is not a JSON value. The pair's verdict becomes invalid_<side> with the reason.
 */
export class SideFault extends Error {
  readonly side: 'old' | 'new';

  constructor(side: 'old' | 'new', message: string) {
    super(message);
    this.name = 'SideFault';
    this.side = side;
  }
}

/** What became of a pair whose comparison failed: the side at fault and why. */
function comparisonFault(error: unknown): { kind: VerdictKind; reason: string } {
  if (error instanceof SideFault) return { kind: error.side === 'old' ? 'invalid_old' : 'invalid_new', reason: error.message };
  // Nothing known causes this (depth is bounded at decode, normaliser output is checked): the
  // candidate's record is the one under test, so the pair is reported against it, with the cause.
  return { kind: 'invalid_new', reason: `the pair could not be compared: ${describeWithoutData(error)}` };
}

/** Both sides as the verdict shows them; a side that cannot be shown loses its value, with the reason. */
function verdictSides(oldSide: ParsedSide | null, newSide: ParsedSide | null, redactor: Redactor): { old: VerdictSide | null; new: VerdictSide | null; problem: string | null } {
  try {
    return { old: toVerdictSide(oldSide, redactor), new: toVerdictSide(newSide, redactor), problem: null };
  } catch (error) {
    const bare = (side: ParsedSide | null) => (side === null ? null : { ...toVerdictSide({ ...side, blob: { ...side.blob, v: null } }, NO_REDACTION)!, value: null });
    return { old: bare(oldSide), new: bare(newSide), problem: `the record could not be shown: ${describeWithoutData(error)}` };
  }
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

interface Judgement {
  kind: VerdictKind;
  reason: string | null;
  differences: readonly Difference[];
  pairWaitMs: number | null;
}

/** What a decision says of its records, comparing a pair under the rules. May throw (a normaliser did). */
function judge(decision: Pick<Decision, 'kind' | 'reason' | 'decidedAt'>, oldSide: ParsedSide | null, newSide: ParsedSide | null, comparator: Comparator): Judgement {
  const none = { reason: null, differences: [], pairWaitMs: null };
  switch (decision.kind) {
    case 'pair': {
      const o = oldSide as ParsedSide;
      const n = newSide as ParsedSide;
      const differences = comparator.compare(o.blob.v ?? null, n.blob.v ?? null);
      const pairWaitMs = Math.max(0, decision.decidedAt - Math.min(o.blob.at, n.blob.at));
      return { kind: differences.length === 0 ? 'match' : 'mismatch', reason: null, differences, pairWaitMs };
    }
    case 'late':
      // Its counterpart was already declared missing; the pair is still compared, for information.
      return { ...none, kind: 'late', differences: comparator.compare((oldSide as ParsedSide).blob.v ?? null, (newSide as ParsedSide).blob.v ?? null) };
    case 'missing':
      return { ...none, kind: oldSide === null ? 'missing_old' : 'missing_new', reason: decision.reason };
    case 'duplicate':
      return { ...none, kind: oldSide === null ? 'duplicate_new' : 'duplicate_old' };
    case 'invalid':
      return { ...none, kind: oldSide === null ? 'invalid_new' : 'invalid_old', reason: (oldSide ?? newSide)?.blob.x ?? 'invalid record' };
  }
}

/**
 * The verdict of a decision whose sides are already parsed (a pair the joiner matched within one
 * flush holds both values already: nothing is parsed again). It never throws: whatever a record
 * holds affects only this verdict, which then says invalid_old / invalid_new and why.
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
  let judged: Judgement;
  try {
    judged = judge(decision, oldSide, newSide, comparator);
  } catch (error) {
    judged = { ...comparisonFault(error), differences: [], pairWaitMs: null };
  }
  const lastArrivalMs = Math.max(oldSide?.blob.at ?? 0, newSide?.blob.at ?? 0);
  const latencyDeltaMs = oldSide && newSide ? newSide.blob.ts - oldSide.blob.ts : null;
  // Without redaction nothing in showing a side can fail, so the kind is settled already, and the
  // sides and the decision time are built only when read: most pairs are matches that are only
  // counted, and nobody reads them (JSON.stringify and a spread do). With redaction, showing a
  // side may fail and turn the verdict into invalid_*, so the sides are built here.
  let sides: { old: VerdictSide | null; new: VerdictSide | null } | undefined;
  if (redactor.active) {
    const shownNow = verdictSides(oldSide, newSide, redactor);
    if (shownNow.problem !== null) {
      const kind: VerdictKind = oldSide === null ? 'invalid_new' : newSide === null ? 'invalid_old' : judged.kind === 'invalid_old' ? 'invalid_old' : 'invalid_new';
      judged = { kind, reason: shownNow.problem, differences: [], pairWaitMs: null };
    }
    sides = { old: shownNow.old, new: shownNow.new };
  }
  const shown = () => (sides ??= { old: toVerdictSide(oldSide, redactor), new: toVerdictSide(newSide, redactor) });
  let decidedAt: string | undefined;
  const verdict: Verdict = {
    schema: VERDICT_SCHEMA,
    comparison,
    pairId,
    key,
    verdict: judged.kind,
    reason: judged.reason,
    mode,
    get decidedAt() {
      return (decidedAt ??= new Date(decision.decidedAt).toISOString());
    },
    get old() {
      return shown().old;
    },
    get new() {
      return shown().new;
    },
    differences: judged.differences,
    latencyDeltaMs,
  };
  return { verdict, pairWaitMs: judged.pairWaitMs, lastArrivalMs };
}

/** What stands where serializeVerdict cut a value (the vocabulary's: readers recognise it). */
export { TRUNCATED };

const jsonBytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '');

/**
 * The verdict's JSON text, at most `maxBytes` long (its topic's max.message.bytes less the
 * record's overhead): a verdict too large for its topic is never refused, its values are cut
 * instead, in this order until it fits — both sides' values, then the values inside its
 * differences, then differences past the first few — and it says so (`truncated: true`, with
 * the sizes before the cut). The kind, the key, the reason, the coordinates and the paths of the
 * differences kept are never cut.
 */
export function serializeVerdict(verdict: Verdict, maxBytes: number = Number.POSITIVE_INFINITY): string {
  let text: string | undefined;
  try {
    text = JSON.stringify(verdict);
  } catch {
    // Nothing known leads here (values are JSON from decode, normaliser output is checked); were
    // it to, the values are what cannot be written, and they are cut like those of a large verdict.
    text = undefined;
  }
  // UTF-8 takes at most three bytes per UTF-16 unit: most verdicts need no counting.
  if (text !== undefined && (text.length * 3 <= maxBytes || Buffer.byteLength(text) <= maxBytes)) return text;
  const sizeOf = (value: unknown) => {
    try {
      return jsonBytes(value);
    } catch {
      return null;
    }
  };
  const sizes = {
    old: verdict.old === null ? null : sizeOf(verdict.old.value),
    new: verdict.new === null ? null : sizeOf(verdict.new.value),
    differences: verdict.differences.length,
  };
  const cutSide = (side: VerdictSide | null) => (side === null ? null : { ...side, value: TRUNCATED });
  const cutValues = (d: Difference): Difference => ({ ...d, ...('old' in d ? { old: TRUNCATED } : {}), ...('new' in d ? { new: TRUNCATED } : {}) });
  const base: Verdict = { ...verdict, old: cutSide(verdict.old), new: cutSide(verdict.new), truncated: true, sizes };
  const attempts: (() => Verdict)[] = [
    () => base,
    () => ({ ...base, differences: verdict.differences.map(cutValues) }),
    () => {
      // As many differences (values cut) as fit, in their order.
      let budget = maxBytes - Buffer.byteLength(JSON.stringify({ ...base, differences: [] }));
      if (!Number.isFinite(budget)) budget = Number.MAX_SAFE_INTEGER;
      const kept: Difference[] = [];
      for (const d of verdict.differences) {
        const cut = cutValues(d);
        budget -= jsonBytes(cut) + 1;
        if (budget < 0) break;
        kept.push(cut);
      }
      return { ...base, differences: kept };
    },
  ];
  let last = '';
  for (const attempt of attempts) {
    try {
      last = JSON.stringify(attempt());
    } catch {
      continue;
    }
    if (Buffer.byteLength(last) <= maxBytes) return last;
  }
  // Even bare, it does not fit (a key or a reason of megabytes): the broker refuses it, and it
  // goes to the dead-letter list instead of holding back the verdicts after it.
  return last;
}
