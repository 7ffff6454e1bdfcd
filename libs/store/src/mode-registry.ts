import type { RedisClient } from './client.ts';
import { StoreError, StoreErrorCode, toStoreError } from './errors.ts';
import { comparisonKeys } from './keys.ts';
import { isMode, type MigrationMode } from './modes.ts';
import { changeMode } from './commands/changeMode.ts';
import { registerScripts } from './scripts.ts';

export interface ModeChange {
  readonly comparison: string;
  readonly from: MigrationMode;
  readonly to: MigrationMode;
  readonly at: string;
  readonly actor: string;
  readonly reason: string;
  readonly forced: boolean;
  /** Figures behind the change (an automatic rollback records the rates it saw). */
  readonly figures?: Record<string, number>;
}

export interface ModeState {
  readonly mode: MigrationMode;
  /** When it was set (ms), or null for the configured default never changed. */
  readonly since: number | null;
  readonly source: 'redis' | 'config';
}

export interface ModeRegistry {
  get(): Promise<ModeState>;
  /** Sets the mode if it is still `expectedFrom` as read; records and announces the change. */
  change(change: Omit<ModeChange, 'comparison' | 'at'>, now?: number): Promise<ModeChange>;
  history(limit?: number): Promise<ModeChange[]>;
}

/** The pub/sub channel on which every mode change of a key prefix is announced (JSON ModeChange). */
export function modeChannel(keyPrefix: string): string {
  return `${keyPrefix}:mode-changes`;
}

export function createModeRegistry({
  redis,
  keyPrefix,
  comparison,
  defaultMode,
  historyLength = 1000,
}: {
  redis: RedisClient;
  keyPrefix: string;
  comparison: string;
  defaultMode: MigrationMode;
  historyLength?: number;
}): ModeRegistry {
  const keys = comparisonKeys(keyPrefix, comparison);
  const run = registerScripts(redis);

  async function get(): Promise<ModeState> {
    try {
      const [mode, since] = await Promise.all([redis.get(keys.mode), redis.get(keys.modeSince)]);
      if (isMode(mode)) return { mode, since: since === null ? null : Number(since), source: 'redis' };
      return { mode: defaultMode, since: null, source: 'config' };
    } catch (error) {
      throw toStoreError('mode', error);
    }
  }

  return {
    get,
    async change({ from, to, actor, reason, forced, figures }, now = Date.now()) {
      const state = await get();
      const entry: ModeChange = { comparison, from, to, at: new Date(now).toISOString(), actor, reason, forced, ...(figures ? { figures } : {}) };
      const seen = state.source === 'redis' ? state.mode : '';
      if (state.mode !== from) {
        throw new StoreError(StoreErrorCode.MODE_CONFLICT, `the mode of ${comparison} is ${state.mode}, not ${from}`);
      }
      const changed = await run(changeMode, { keys, seen, to, entry: JSON.stringify(entry), now, channel: modeChannel(keyPrefix), historyLength });
      if (!changed) throw new StoreError(StoreErrorCode.MODE_CONFLICT, `the mode of ${comparison} changed meanwhile`);
      return entry;
    },
    async history(limit = 100) {
      try {
        return (await redis.lrange(keys.modeHistory, 0, limit - 1)).map((j) => JSON.parse(j) as ModeChange);
      } catch (error) {
        throw toStoreError('mode history', error);
      }
    },
  };
}
