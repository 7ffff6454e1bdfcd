/** The protocol of claimOutbox-2.lua: takes over decisions whose publisher's lease ran out. */
import { parseOutboxEntries, type OutboxEntry } from '../decision.ts';
import type { ComparisonKeys } from '../keys.ts';
import { outboxKeys } from './shared-keys.ts';
import { scriptProtocol } from './protocol.ts';

export interface ClaimOutboxInput {
  readonly keys: ComparisonKeys;
  readonly now: number;
  readonly leaseMs: number;
  /** Most decisions to claim. */
  readonly limit: number;
}

export const claimOutbox = scriptProtocol<ClaimOutboxInput, OutboxEntry[]>({
  name: 'claimOutbox',
  numberOfKeys: 2,
  keys: ({ keys }) => outboxKeys(keys),
  args: ({ now, leaseMs, limit }) => [now, leaseMs, limit],
  reply: (raw) => parseOutboxEntries(raw as string[]),
});
