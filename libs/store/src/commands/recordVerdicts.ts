/** The protocol of recordVerdicts-9.lua: adds verdicts to the API's read model, each once by pairId. */
import type { ReadModelKeys } from '../keys.ts';
import { scriptProtocol } from './protocol.ts';

/** One verdict as the script takes it. */
export interface VerdictRow {
  readonly pairId: string;
  readonly verdict: string;
  readonly decidedAt: number;
  /** The verdict JSON ('' for a match: matches are only counted). */
  readonly json: string;
  readonly paths: readonly string[];
  /** What a filtered read checks without fetching the verdict (read-model.ts encodes it; '' for a match). */
  readonly filterFields: string;
  /** The latency-delta bucket (latency.ts) of a pair; null for a verdict on one side. */
  readonly latencyBucket: number | null;
}

export interface RecordVerdictsInput {
  readonly keys: ReadModelKeys;
  /** Most distinct field paths counted (the others count under "_other"). */
  readonly maxPaths: number;
  readonly rows: readonly VerdictRow[];
}

/** How many of the verdicts were new. */
export const recordVerdicts = scriptProtocol<RecordVerdictsInput, number>({
  name: 'recordVerdicts',
  numberOfKeys: 9,
  keys: ({ keys: k }) => [k.seen, k.discrepancies, k.byTime, k.buckets, k.totals, k.fields, k.fieldFirst, k.fieldLast, k.kindPrefix],
  args({ maxPaths, rows }) {
    const args: (string | number)[] = [maxPaths, rows.length];
    for (const r of rows) args.push(r.pairId, r.verdict, r.decidedAt, r.json, r.paths.join('\x1f'), r.filterFields, r.latencyBucket ?? '');
    return args;
  },
  reply: (raw) => Number(raw),
});
