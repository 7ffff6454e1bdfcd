/** The protocol of changeMode-3.lua: compare-and-set of a comparison's mode, with its history and announcement. */
import type { ComparisonKeys } from '../keys.ts';
import { ScriptCode } from '../errors.ts';
import { scriptProtocol } from './protocol.ts';

export interface ChangeModeInput {
  readonly keys: ComparisonKeys;
  /** The mode the caller saw ('' when none was set: the configured default applied). */
  readonly seen: string;
  readonly to: string;
  /** The history entry, JSON. */
  readonly entry: string;
  readonly now: number;
  /** The pub/sub channel the entry is announced on. */
  readonly channel: string;
  readonly historyLength: number;
}

/** Whether the mode was changed; false when it changed since the caller read it (MODE_CONFLICT). */
export const changeMode = scriptProtocol<ChangeModeInput, boolean>({
  name: 'changeMode',
  numberOfKeys: 3,
  keys: ({ keys }) => [keys.mode, keys.modeHistory, keys.modeSince],
  args: ({ seen, to, entry, now, channel, historyLength }) => [seen, to, entry, now, channel, historyLength],
  reply: (raw) => Number(raw) !== ScriptCode.MODE_CONFLICT,
});
