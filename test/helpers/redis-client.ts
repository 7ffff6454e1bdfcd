/**
 * The tests' Redis, whichever deployment the project runs them on (global-setup.ts provides it):
 * one server, or the local Redis Cluster. Commands that address one node (KEYS, a DEL of keys in
 * several slots) go through these helpers, which run them on every primary.
 */
import { openRedis, primaries, type RedisClient, type RedisEndpoint } from '@shadowdiff/store';
import { inject } from 'vitest';

/** The Redis this project's tests use. */
export function testRedisEndpoint(): RedisEndpoint {
  return inject('redisEndpoint');
}

/** A client of the tests' Redis (a cluster client on the cluster project). */
export function testRedis(): RedisClient {
  return openRedis(testRedisEndpoint());
}

/** Every key matching `pattern`, from every primary (KEYS on a cluster client asks one node). */
export async function keysUnder(redis: RedisClient, pattern: string): Promise<string[]> {
  const all: string[] = [];
  for (const node of primaries(redis)) {
    let cursor = '0';
    do {
      const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 1000);
      all.push(...keys);
      cursor = next;
    } while (cursor !== '0');
  }
  return all;
}

/** Deletes the keys one by one (a cluster refuses a DEL of keys in several slots). */
export async function deleteKeys(redis: RedisClient, keys: readonly string[]): Promise<void> {
  await Promise.all(keys.map((key) => redis.unlink(key)));
}
