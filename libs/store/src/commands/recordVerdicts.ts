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
  /** The verdict's place in the discrepancy classes (read-model-classes.ts encodes it). */
  readonly classes: ClassFields;
}

/** One verdict's class fields, as includes/record-classes.lua takes them. */
export interface ClassFields {
  /** Atom ids joined by \x1f, in id order ('' for a match). */
  readonly atoms: string;
  /** `<id>\x1e<atom JSON>\x1e<measure>` joined by \x1f. */
  readonly metas: string;
  /** The sample entry's JSON, '' when it is not sampled. */
  readonly sample: string;
  readonly baseline: boolean;
}

/** How much of the classes the read model keeps (docs/api.md#classes). */
export interface ClassCaps {
  readonly atoms: number;
  readonly signatures: number;
  readonly examples: number;
  readonly sample: number;
  readonly baseline: number;
}

export interface RecordVerdictsInput {
  readonly keys: ReadModelKeys;
  /** Most distinct field paths counted (the others count under "_other"). */
  readonly maxPaths: number;
  readonly caps: ClassCaps;
  readonly rows: readonly VerdictRow[];
}

/** How many of the verdicts were new. */
export const recordVerdicts = scriptProtocol<RecordVerdictsInput, number>({
  name: 'recordVerdicts',
  numberOfKeys: 9,
  keys: ({ keys: k }) => [k.seen, k.discrepancies, k.byTime, k.buckets, k.totals, k.fields, k.fieldFirst, k.fieldLast, k.kindPrefix],
  args({ maxPaths, caps, rows }) {
    const args: (string | number)[] = [maxPaths, [caps.atoms, caps.signatures, caps.examples, caps.sample, caps.baseline].join(','), rows.length];
    for (const r of rows) {
      const c = r.classes;
      args.push(r.pairId, r.verdict, r.decidedAt, r.json, r.paths.join('\x1f'), r.filterFields, r.latencyBucket ?? '', c.atoms, c.metas, c.sample, c.baseline ? '1' : '');
    }
    return args;
  },
  reply: (raw) => Number(raw),
});
