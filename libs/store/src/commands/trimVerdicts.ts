/** The protocol of trimVerdicts-5.lua: the read model's retention, a bounded amount per call. */
import type { ReadModelKeys } from '../keys.ts';
import { LATENCY_BUCKET_COUNT } from '../latency.ts';
import { scriptProtocol } from './protocol.ts';

export interface TrimVerdictsInput {
  readonly keys: ReadModelKeys;
  /** The oldest decided-at to keep (ms). */
  readonly oldest: number;
  /** Most discrepancies to keep. */
  readonly maxCount: number;
  /** Most to drop in one call: while a call drops this many or more, the caller calls again. */
  readonly perCall: number;
  /** Most pairIds to remember. */
  readonly maxSeen: number;
}

/** What the call dropped (discrepancies and bucket minutes, plus a hundredth of the pairIds forgotten). */
export const trimVerdicts = scriptProtocol<TrimVerdictsInput, number>({
  name: 'trimVerdicts',
  numberOfKeys: 5,
  keys: ({ keys: k }) => [k.seen, k.discrepancies, k.byTime, k.kindPrefix, k.buckets],
  args: ({ oldest, maxCount, perCall, maxSeen }) => [oldest, maxCount, perCall, maxSeen, LATENCY_BUCKET_COUNT],
  reply: (raw) => Number(raw),
});
