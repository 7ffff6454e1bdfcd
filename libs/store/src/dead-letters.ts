import type { RedisClient } from './client.ts';
import { toStoreError } from './errors.ts';
import { comparisonKeys } from './keys.ts';

/** One verdict the broker refused for good, as the joiner kept it (PairingStore.deadLetter). */
export interface DeadLetterEntry {
  readonly pairId: string;
  readonly topic: string;
  readonly error: string;
  /** When it was refused, ISO-8601. */
  readonly at: string;
  /** The verdict's JSON text (cut at 64 KiB). */
  readonly verdict: string;
}

export interface DeadLetters {
  /** The newest entries first, and how many the list holds (it keeps the newest 10,000). */
  list(limit: number): Promise<{ total: number; items: DeadLetterEntry[] }>;
}

/** The read side of a comparison's dead-letter list. */
export function createDeadLetters({ redis, keyPrefix, comparison }: { redis: RedisClient; keyPrefix: string; comparison: string }): DeadLetters {
  const key = comparisonKeys(keyPrefix, comparison).deadLetters;
  return {
    async list(limit) {
      try {
        const [total, raw] = await Promise.all([redis.llen(key), redis.lrange(key, 0, limit - 1)]);
        const items = raw.map((text) => {
          const e = JSON.parse(text) as { pairId: string; topic: string; error: string; at: number; verdict: string };
          return { pairId: e.pairId, topic: e.topic, error: e.error, at: new Date(e.at).toISOString(), verdict: e.verdict };
        });
        return { total, items };
      } catch (error) {
        throw toStoreError('deadLetters', error);
      }
    },
  };
}
