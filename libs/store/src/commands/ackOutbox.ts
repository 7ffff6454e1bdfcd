/** The protocol of ackOutbox-2.lua: removes published decisions from the outbox. */
import type { ComparisonKeys } from '../keys.ts';
import { outboxKeys } from './shared-keys.ts';
import { scriptProtocol } from './protocol.ts';

/** Most ids in one call (the caller sends more in several). */
export const ACK_CHUNK = 1000;

export const ackOutbox = scriptProtocol<{ readonly keys: ComparisonKeys; readonly ids: readonly string[] }, number>({
  name: 'ackOutbox',
  numberOfKeys: 2,
  keys: ({ keys }) => outboxKeys(keys),
  args: ({ ids }) => ids,
  reply: (raw) => Number(raw),
});
