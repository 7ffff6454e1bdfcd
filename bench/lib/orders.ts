// The benchmark's data: ~SIZE-byte JSON orders keyed by order number, each carrying its source
// event's time in a `source-ts` header; the new side differs from the old in a share of records
// (one field changed) and lacks another share. What the verdicts must be follows from it.
import type { Message } from 'kafkajs';

export interface OrdersOptions {
  /** Bytes of each JSON value. */
  readonly size: number;
  /** Share of records whose new value differs (status NEW instead of PAID). */
  readonly mismatch: number;
  /** Share of records the new side never produced. */
  readonly missing: number;
  /** Event time of record 0 (ms); record i happened at t0 + i. */
  readonly t0: number;
}

export type VerdictCounts = Record<'match' | 'mismatch' | 'missing_old' | 'missing_new', number>;

export function orders({ size, mismatch, missing, t0 }: OrdersOptions) {
  const every = (rate: number) => (rate > 0 ? Math.round(1 / rate) : Number.POSITIVE_INFINITY);
  const isMissing = (i: number) => missing > 0 && i % every(missing) === 3;
  const isMismatch = (i: number) => mismatch > 0 && i % every(mismatch) === 7;
  const sourceTs = (i: number) => ({ 'source-ts': String(t0 + i) });

  /** A ~size-byte JSON order; `variant` changes one field (a mismatch). */
  function payload(i: number, variant: boolean): string {
    const base = { orderId: `order-${i}`, customerId: `c-${i % 9973}`, status: variant ? 'NEW' : 'PAID', amount: (i % 100000) / 100, pad: '' };
    const text = JSON.stringify(base);
    return JSON.stringify({ ...base, pad: 'x'.repeat(Math.max(0, size - text.length)) });
  }

  return {
    payload,
    /** Record i of the old side. */
    oldRecord: (i: number, keyPrefix = 'k'): Message => ({ key: `${keyPrefix}${i}`, value: payload(i, false), headers: sourceTs(i) }),
    /** Record i of the new side, or null where the new side never produced it. */
    newRecord: (i: number, keyPrefix = 'k'): Message | null =>
      isMissing(i) ? null : { key: `${keyPrefix}${i}`, value: payload(i, isMismatch(i)), headers: sourceTs(i) },
    /** The verdicts a correct comparator gives on `records` records per side. */
    expected(records: number): VerdictCounts {
      const counts: VerdictCounts = { match: 0, mismatch: 0, missing_old: 0, missing_new: 0 };
      for (let i = 0; i < records; i += 1) {
        if (isMissing(i)) counts.missing_new += 1;
        else if (isMismatch(i)) counts.mismatch += 1;
        else counts.match += 1;
      }
      return counts;
    },
  };
}
