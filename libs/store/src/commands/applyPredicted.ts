/**
 * The protocol of applyPredicted-24.lua, the fast apply path: the layout of a call in which the
 * caller has said what becomes of every record (layoutPredicted), and its reply (the watermark
 * decisions, or null when a prediction did not hold and applyRecords must decide).
 */
import type { ApplySegment, ParkedHint, PairHint, SegmentOutcome } from '../apply-types.ts';
import { parseDecisions, prebuiltValue, storedEntry, type Decision, type Side } from '../decision.ts';
import { ScriptCode, scriptCodeError } from '../errors.ts';
import { applyHeadArgs, applyKeys, type ApplyHead } from './apply-head.ts';
import { scriptProtocol } from './protocol.ts';

export interface PredictedLayout {
  /** ARGV of the script after the shared head (ARGV[1..6], apply-head.ts). */
  readonly args: (string | number)[];
  /** What becomes of each segment's records when the predictions hold. */
  readonly outcomes: SegmentOutcome[];
}

export interface ApplyPredictedInput extends ApplyHead {
  readonly layout: PredictedLayout;
}

/** The watermark decisions the call took, or null: a prediction did not hold, nothing was written. */
export type ApplyPredictedReply = Decision[] | null;

export const applyPredicted = scriptProtocol<ApplyPredictedInput, ApplyPredictedReply>({
  name: 'applyPredicted',
  numberOfKeys: 24,
  keys: applyKeys,
  args: (input) => [...applyHeadArgs(input), ...input.layout.args],
  reply(raw) {
    const reply = raw as unknown[];
    if (reply[0] === 'ok') return parseDecisions(reply, 1);
    if (reply[0] === ScriptCode.NEED_GENERAL) return null;
    throw scriptCodeError('applyPredicted', Number(reply[0]));
  },
});

const SIDES: readonly Side[] = ['old', 'new'];

/** Appends a range as the script reads it: its length, then its items. */
function pushRange(args: (string | number)[], list: readonly (string | number)[]): void {
  args.push(list.length);
  for (const item of list) args.push(item);
}

/**
 * Lays out a call for the fast path (applyPredicted): every record pairs as a hint says or is
 * parked. Returns null when the call does not fit it, so that applyRecords decides record by
 * record: duplicates: sequence, an invalid record, a key twice on one side, or a key on both sides
 * that no hint pairs.
 */
export function layoutPredicted(
  segments: readonly ApplySegment[],
  hints: readonly PairHint[],
  parkedHints: readonly ParkedHint[],
  duplicates: 'first' | 'sequence',
  now: number,
): PredictedLayout | null {
  if (duplicates !== 'first') return null;
  const located: { segment: ApplySegment; index: number }[] = [];
  const keys: Record<Side, Map<string, number>> = { old: new Map(), new: new Map() };
  for (const segment of segments) {
    if (segment.records.length === 0) return null;
    for (let index = 0; index < segment.records.length; index += 1) {
      const record = segment.records[index]!;
      if (record.kind !== 'record' || keys[segment.side].has(record.key)) return null;
      located.push({ segment, index });
      keys[segment.side].set(record.key, located.length - 1);
    }
  }
  const role = new Array<'pair' | 'parked' | undefined>(located.length);
  const recordAt = (i: number) => located[i]!.segment.records[located[i]!.index]!;
  const idAt = (i: number) => `${located[i]!.segment.topic}/${located[i]!.segment.partition}/${recordAt(i).offset}`;
  const outbox: string[] = [];
  const due: (string | number)[] = [];
  const verdict = (id: string, text: string | null) => {
    if (text === null) return;
    outbox.push(id, prebuiltValue(text));
    due.push(now, id);
  };
  for (const h of hints) {
    if (located[h.old]?.segment.side !== 'old' || located[h.new]?.segment.side !== 'new' || recordAt(h.old).key !== recordAt(h.new).key) return null;
    role[h.old] = 'pair';
    role[h.new] = 'pair';
    verdict(idAt(h.new), h.verdict);
  }
  // A key on both sides of the call must be a pair the caller compared.
  for (const [key, i] of keys.old) {
    const j = keys.new.get(key);
    if (j !== undefined && (role[i] !== 'pair' || role[j] !== 'pair')) return null;
  }
  const takes: Record<Side, { keys: string[]; ids: string[] }> = { old: { keys: [], ids: [] }, new: { keys: [], ids: [] } };
  for (const h of parkedHints) {
    if (located[h.record] === undefined || role[h.record] !== undefined) return null;
    role[h.record] = 'parked';
    takes[located[h.record]!.segment.side].keys.push(recordAt(h.record).key);
    takes[located[h.record]!.segment.side].ids.push(h.partner);
    verdict(idAt(h.record), h.verdict);
  }

  const args: (string | number)[] = [segments.length];
  const outcomes: SegmentOutcome[] = [];
  const ranges: Record<Side, { seen: string[]; park: string[]; pending: string[]; etimes: (string | number)[]; arrivals: (string | number)[] }> = {
    old: { seen: [], park: [], pending: [], etimes: [], arrivals: [] },
    new: { seen: [], park: [], pending: [], etimes: [], arrivals: [] },
  };
  let i = 0;
  for (const segment of segments) {
    const r = ranges[segment.side];
    let paired = 0;
    let parked = 0;
    let newest = Number.NEGATIVE_INFINITY;
    for (const record of segment.records) {
      r.seen.push(record.key, '1');
      if (role[i] === undefined) {
        parked += 1;
        r.park.push(record.key);
        r.pending.push(record.key, storedEntry(`${segment.topic}/${segment.partition}/${record.offset}`, record.blob));
        r.etimes.push(record.eventTime, record.key);
        r.arrivals.push(now, record.key);
      } else {
        paired += 1;
      }
      if (record.eventTime > newest) newest = record.eventTime;
      i += 1;
    }
    const first = segment.records[0]!.offset;
    const last = segment.records.at(-1)!.offset;
    args.push(segment.side, `${segment.topic}/${segment.partition}`, segment.partition, first, last, newest, segment.after ?? '');
    outcomes.push({ applied: segment.records.length, skipped: 0, paired, parked, duplicate: 0, invalid: 0, missing: 0, late: 0 });
  }
  for (const side of SIDES) {
    const r = ranges[side];
    for (const list of [r.seen, takes[side].keys, takes[side].ids, r.park, r.pending, r.etimes, r.arrivals]) pushRange(args, list);
  }
  pushRange(args, outbox);
  pushRange(args, due);
  return { args, outcomes };
}
