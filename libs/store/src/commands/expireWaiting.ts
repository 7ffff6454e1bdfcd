/** The protocol of expireWaiting-10.lua: the wall-clock cap (max_wait) on waiting for a partner. */
import { parseDecisions, type Decision } from '../decision.ts';
import type { ComparisonKeys } from '../keys.ts';
import { outboxKeys, parkedKeys } from './shared-keys.ts';
import { scriptProtocol } from './protocol.ts';

export interface ExpireWaitingInput {
  readonly keys: ComparisonKeys;
  readonly now: number;
  readonly maxWaitMs: number;
  /** Most records declared missing per side. */
  readonly limit: number;
  /** The current retention bucket (its tombstones) and how long it is kept from now (retention.ts). */
  readonly bucket: number;
  readonly ttlMs: number;
}

export const expireWaiting = scriptProtocol<ExpireWaitingInput, Decision[]>({
  name: 'expireWaiting',
  numberOfKeys: 10,
  keys: ({ keys, bucket }) => [...parkedKeys(keys), ...outboxKeys(keys), keys.tombstones('old', bucket), keys.tombstones('new', bucket)],
  args: ({ now, maxWaitMs, limit, ttlMs }) => [now, maxWaitMs, limit, ttlMs],
  reply: (raw) => parseDecisions(raw as string[]),
});
