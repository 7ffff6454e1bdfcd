import { Redis, type RedisOptions } from 'ioredis';

/** Deletes every key under `prefix` (SCAN, not KEYS: Redis keeps serving meanwhile), on a connection of its own. */
export async function deleteKeysUnder(url: string, prefix: string, options: RedisOptions = {}): Promise<void> {
  const redis = new Redis(url, options);
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
