import { Redis, type RedisOptions } from 'ioredis';
import { firstSeed, isCluster, type RedisClient } from './client.ts';
import { certificateProblem } from '@shadowdiff/errors';
import { StoreError, StoreErrorCode } from './errors.ts';

const REFUSED_LOGIN = /^(WRONGPASS|NOAUTH)\b|invalid (username-)?password/i;

/**
 * Connects a lazy ioredis client. When Redis refuses the login or its certificate is not trusted,
 * ioredis reports it as an error event and the connect fails with "Connection is closed": this
 * says what happened instead, as a non-retriable error naming where the user came from (never the
 * password, never the command).
 */
export async function connectRedis(redis: RedisClient, who: string): Promise<void> {
  let refused: string | undefined;
  let tls: string | undefined;
  const onError = (error: Error) => {
    if (REFUSED_LOGIN.test(error.message)) refused = error.message.slice(0, 160);
    tls ??= certificateProblem(error);
  };
  redis.on('error', onError);
  // A cluster client reports what a node said as 'node error'.
  if (isCluster(redis)) redis.on('node error', onError);
  try {
    await redis.connect();
  } catch (error) {
    // A cluster client says only that no seed node was available: ask the first seed alone why.
    if (!refused && !tls && isCluster(redis)) {
      const found = await diagnose(firstSeed(redis));
      refused = found.refused;
      tls = found.tls;
    }
    if (refused) throw new StoreError(StoreErrorCode.AUTH_FAILED, `Redis refused the login of ${who} (${refused}): check redis.username and redis.password`);
    if (tls) throw new StoreError(StoreErrorCode.TLS_FAILED, `Redis's certificate is not trusted (${tls}): check redis.tls.ca and redis.tls.servername`);
    throw error;
  } finally {
    redis.off('error', onError);
    if (isCluster(redis)) redis.off('node error', onError);
  }
}

/** What a single connection to a seed node says: a refused login, or a certificate problem. */
async function diagnose(seed: RedisOptions | undefined): Promise<{ refused?: string; tls?: string }> {
  if (seed === undefined) return {};
  const probe = new Redis({ ...seed, lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null, connectTimeout: 2000 });
  const found: { refused?: string; tls?: string } = {};
  probe.on('error', (error: Error) => {
    if (REFUSED_LOGIN.test(error.message)) found.refused = error.message.slice(0, 160);
    found.tls ??= certificateProblem(error);
  });
  await probe.connect().catch(() => undefined);
  probe.disconnect();
  return found;
}
