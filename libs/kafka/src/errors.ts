import { ShadowdiffError, causeChain } from '@shadowdiff/errors';

export const KafkaErrorCode = {
  /**
   * A record batch would inflate past `kafka.maxBatchBytes` when decompressed (or its compressed
   * framing is malformed): refused before it is inflated, so a decompression bomb cannot exhaust
   * memory. The consumer stops (the process exits non-zero); nothing of the batch is decided.
   */
  BATCH_TOO_LARGE: 'SHADOWDIFF_ERR_KAFKA_BATCH_TOO_LARGE',
  /** A compressed record batch whose framing cannot be read (cut short, wrong magic, impossible sizes). */
  BATCH_MALFORMED: 'SHADOWDIFF_ERR_KAFKA_BATCH_MALFORMED',
  /** A Kafka consumer stopped for good (kafkajs gave up on it); the process stops and exits non-zero. */
  CONSUMER_STOPPED: 'SHADOWDIFF_ERR_KAFKA_CONSUMER_STOPPED',
} as const;

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
