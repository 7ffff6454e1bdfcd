import { openRedis, primaries, type RedisEndpoint } from '@shadowdiff/store';

/**
 * Deletes every key under `prefix` (SCAN, not KEYS: Redis keeps serving meanwhile), on a
 * connection of its own; on a cluster, on each primary, one key per DEL (a DEL of keys in
 * different slots is refused there).
 */
export async function deleteKeysUnder(endpoint: RedisEndpoint, prefix: string): Promise<void> {
  const redis = openRedis(endpoint, { lazyConnect: true });
  try {
    await redis.connect();
    for (const node of primaries(redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
        if (keys.length > 0) {
          const replies = (await node.pipeline(keys.map((key) => ['unlink', key])).exec()) ?? [];
          const failed = replies.find(([error]) => error !== null);
          if (failed) throw failed[0]!;
        }
        cursor = next;
      } while (cursor !== '0');
    }
  } finally {
    redis.disconnect();
  }
}
