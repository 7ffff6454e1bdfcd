import { ShadowdiffError, causeChain, defineErrorCodes } from '@shadowdiff/errors';

export const KafkaErrorCode = defineErrorCodes({
  /**
   * A record batch would inflate past `kafka.maxBatchBytes` when decompressed (or its compressed
   * framing is malformed): refused before it is inflated, so a decompression bomb cannot exhaust
   * memory. The consumer stops (the process exits non-zero); nothing of the batch is decided.
   */
  BATCH_TOO_LARGE: { code: 'SHADOWDIFF_ERR_KAFKA_BATCH_TOO_LARGE', retriable: false },
  /** A compressed record batch whose framing cannot be read (cut short, wrong magic, impossible sizes). */
  BATCH_MALFORMED: { code: 'SHADOWDIFF_ERR_KAFKA_BATCH_MALFORMED', retriable: false },
  /** A Kafka consumer stopped for good (kafkajs gave up on it); the process stops and exits non-zero. */
  CONSUMER_STOPPED: { code: 'SHADOWDIFF_ERR_KAFKA_CONSUMER_STOPPED', retriable: false },
  /**
   * The brokers refused the client's SASL credentials or mechanism (or the OAuth token endpoint
   * gave no token): a configuration error, not retried. The message names the brokers, the
   * security protocol and the mechanism, and where the credential came from, never its value.
   */
  AUTH_FAILED: { code: 'SHADOWDIFF_ERR_KAFKA_AUTH_FAILED', retriable: false },
  /** TLS to the brokers failed: their certificate is not trusted or not theirs, or the listener does not speak TLS. Not retried. */
  TLS_FAILED: { code: 'SHADOWDIFF_ERR_KAFKA_TLS_FAILED', retriable: false },
  /**
   * The OAuth token endpoint did not answer or answered 5xx: retried (kafkajs asks for a token
   * again at its next connection), never the credentials' fault.
   */
  TOKEN_UNAVAILABLE: { code: 'SHADOWDIFF_ERR_KAFKA_TOKEN_UNAVAILABLE', retriable: true },
  /** The brokers closed every connection at the handshake: the listener wants another security protocol than kafka.ssl/kafka.sasl give. Not retried. */
  LISTENER_MISMATCH: { code: 'SHADOWDIFF_ERR_KAFKA_LISTENER_MISMATCH', retriable: false },
});

export class KafkaError extends ShadowdiffError {}

/**
 * " (<code>)" of the first shadowdiff error code in an error's cause chain (kafkajs wraps what a
 * codec threw), or "" when there is none: the root cause's code belongs on the line that logs it.
 */
export function codeOf(error: unknown): string {
  for (const { code } of causeChain(error)) {
    if (typeof code === 'string' && code.startsWith('SHADOWDIFF_ERR_')) return ` (${code})`;
  }
  return '';
}
