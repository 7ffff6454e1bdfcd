/**
 * The protocol of applyRecords-24.lua, the general apply path: its arguments (every segment and
 * record, the hints) and its reply (hints taken, counts per segment, decisions).
 */
import type { ApplySegment, PairHint, ParkedHint, SegmentOutcome } from '../apply-types.ts';
import { parseDecisions, type Decision } from '../decision.ts';
import { ScriptCode, scriptCodeError } from '../errors.ts';
import { applyHeadArgs, applyKeys, type ApplyHead } from './apply-head.ts';
import { scriptProtocol } from './protocol.ts';

export interface ApplyRecordsInput extends ApplyHead {
  readonly segments: readonly ApplySegment[];
  readonly hints: readonly PairHint[];
  readonly parkedHints: readonly ParkedHint[];
  /** Send every blob, also those of hinted records (the script asked for them: NEED_BLOBS). */
  readonly withBlobs: boolean;
}

export type ApplyRecordsReply =
  | { readonly needBlobs: true }
  | {
      readonly needBlobs: false;
      readonly segments: SegmentOutcome[];
      readonly decisions: Decision[];
      readonly hintsTaken: boolean[];
      readonly parkedHintsTaken: boolean[];
    };

/** How many counts the script gives per segment. */
const COUNTS = 8;

export const applyRecords = scriptProtocol<ApplyRecordsInput, ApplyRecordsReply>({
  name: 'applyRecords',
  numberOfKeys: 24,
  keys: applyKeys,
  args(input) {
    const { segments, hints, parkedHints, withBlobs } = input;
    // A hinted record's blob stays here unless the script turns out to need it.
    const hinted = new Set<number>();
    if (!withBlobs) {
      for (const hint of hints) hinted.add(hint.old).add(hint.new);
      for (const hint of parkedHints) hinted.add(hint.record);
    }
    let total = 0;
    for (const segment of segments) total += segment.records.length;
    const args = applyHeadArgs(input);
    args.push(segments.length, total, hints.length, parkedHints.length);
    for (const s of segments) args.push(s.side, s.topic, s.partition, s.records.length, s.after ?? '');
    let index = 0;
    for (const s of segments) {
      for (const r of s.records) {
        args.push(r.offset, r.kind === 'invalid' ? 'i' : 'r', r.key, r.eventTime, hinted.has(index) ? '' : r.blob);
        index += 1;
      }
    }
    // Lua counts from 1.
    for (const h of hints) args.push(h.old + 1, h.new + 1, h.verdict ?? '');
    for (const h of parkedHints) args.push(h.record + 1, h.partner, h.verdict ?? '');
    return args;
  },
  reply(raw, { segments, hints, parkedHints }) {
    const reply = raw as unknown[];
    if (reply[0] === ScriptCode.NEED_BLOBS) return { needBlobs: true };
    if (typeof reply[0] === 'number') throw scriptCodeError('applyRecords', reply[0]);
    const flags = String(reply[0]);
    const outcomes = segments.map((_, i): SegmentOutcome => {
      const [applied, skipped, paired, parked, duplicate, invalid, missing, late] = reply.slice(1 + i * COUNTS, 1 + (i + 1) * COUNTS) as number[];
      return { applied: applied!, skipped: skipped!, paired: paired!, parked: parked!, duplicate: duplicate!, invalid: invalid!, missing: missing!, late: late! };
    });
    return {
      needBlobs: false,
      segments: outcomes,
      decisions: parseDecisions(reply, 1 + segments.length * COUNTS),
      hintsTaken: hints.map((_, i) => flags[i] === '1'),
      parkedHintsTaken: parkedHints.map((_, i) => flags[hints.length + i] === '1'),
    };
  },
});
