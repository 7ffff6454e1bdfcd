import type { Redis } from 'ioredis';
import { StoreError, StoreErrorCode } from './errors.ts';

const REFUSED_LOGIN = /^(WRONGPASS|NOAUTH)\b|invalid (username-)?password/i;
/** Node's codes and words for a server certificate that is not trusted or not the server's. */
const CERTIFICATE_CODE = /^(SELF_SIGNED_CERT_IN_CHAIN|DEPTH_ZERO_SELF_SIGNED_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT(_LOCALLY)?|CERT_\w+|ERR_TLS_CERT_ALTNAME_INVALID|ERR_SSL_\w+)$/;

/**
 * Connects a lazy ioredis client. When Redis refuses the login or its certificate is not trusted,
 * ioredis reports it as an error event and the connect fails with "Connection is closed": this
 * says what happened instead, as a non-retriable error naming where the user came from (never the
 * password, never the command).
 */
export async function connectRedis(redis: Redis, who: string): Promise<void> {
  let refused: string | undefined;
  let tls: string | undefined;
  const onError = (error: Error & { code?: unknown }) => {
    if (REFUSED_LOGIN.test(error.message)) refused = error.message.slice(0, 160);
    if (typeof error.code === 'string' && CERTIFICATE_CODE.test(error.code)) tls = error.code;
  };
  redis.on('error', onError);
  try {
    await redis.connect();
  } catch (error) {
    if (refused) throw new StoreError(StoreErrorCode.AUTH_FAILED, `Redis refused the login of ${who} (${refused}): check redis.username and redis.password`);
    if (tls) throw new StoreError(StoreErrorCode.TLS_FAILED, `Redis's certificate is not trusted (${tls}): check redis.tls.ca and redis.tls.servername`);
    throw error;
  } finally {
    redis.off('error', onError);
  }
}
