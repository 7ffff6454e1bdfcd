import { isCluster, type RedisClient } from './client.ts';
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
    if (refused) throw new StoreError(StoreErrorCode.AUTH_FAILED, `Redis refused the login of ${who} (${refused}): check redis.username and redis.password`);
    if (tls) throw new StoreError(StoreErrorCode.TLS_FAILED, `Redis's certificate is not trusted (${tls}): check redis.tls.ca and redis.tls.servername`);
    throw error;
  } finally {
    redis.off('error', onError);
    if (isCluster(redis)) redis.off('node error', onError);
  }
}
