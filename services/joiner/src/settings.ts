/**
 * The joiner's options, with their defaults applied once: every part is built from these
 * settings, never from the raw options.
 */
import type { ShadowdiffConfig } from '@shadowdiff/config';
import { withoutCommandArgs } from '@shadowdiff/errors';
import { pino, stdSerializers, type Logger } from 'pino';

export interface JoinerOptions {
  readonly config: ShadowdiffConfig;
  readonly logger?: Logger;
  /** Port for /metrics and /healthz; 0 picks a free one. Defaults to config.joiner.metricsPort. */
  readonly metricsPort?: number;
  /** Address /metrics and /healthz bind. Defaults to config.joiner.metricsHost (127.0.0.1). */
  readonly metricsHost?: string;
  /** Most records of one partition in one flush. */
  readonly chunkSize?: number;
  /** Most records in one flush (one Lua call for every partition and both sides). */
  readonly flushSize?: number;
  /**
   * Most record bytes in one flush (each record's blob: its payload and envelope), so that what
   * one flush holds is bounded in bytes whatever the size of the records or the number of
   * partitions; a flush takes one chunk at least.
   */
  readonly flushBytes?: number;
  /**
   * Most bytes of records the joiner holds read and not yet applied, across its comparisons (each
   * chunk's keys and values as Kafka sent them, once per comparison reading it): what it holds is
   * bounded by this, whatever the number of partitions or the size of the records. A chunk larger
   * than the whole budget is read alone. Default: twice flushBytes (a flush, and the next one).
   */
  readonly heldBytes?: number;
  /** How many partitions' batches kafkajs hands out at once (all of one fetch should fit). */
  readonly partitionsConsumedConcurrently?: number;
  /** Most bytes one fetch brings of one partition. */
  readonly fetchBytesPerPartition?: number;
  /** How often the wall-clock cap (maxWait) is enforced, ms. */
  readonly expireIntervalMs?: number;
  /** How long a decision may sit in the outbox before another publisher takes it over, ms. */
  readonly outboxLeaseMs?: number;
  /** How often gauges (pending records, stream-time lag) and the mode are refreshed, ms. */
  readonly sampleIntervalMs?: number;
}

export interface JoinerSettings {
  readonly config: ShadowdiffConfig;
  readonly logger: Logger;
  readonly groupId: string;
  readonly metricsPort: number;
  readonly metricsHost: string;
  readonly chunkSize: number;
  readonly flushSize: number;
  readonly flushBytes: number;
  readonly heldBytes: number;
  readonly partitionsConsumedConcurrently: number;
  readonly fetchBytesPerPartition: number;
  readonly expireIntervalMs: number;
  readonly outboxLeaseMs: number;
  /** How often the outbox is searched for decisions whose publisher died: a third of the lease, 1 s at least. */
  readonly reclaimIntervalMs: number;
  readonly sampleIntervalMs: number;
  /** Most outbox entries taken over in one claim. */
  readonly reclaimBatch: number;
}

export function joinerSettings({
  config,
  logger = pino({ name: 'shadowdiff-joiner' }),
  metricsPort = config.joiner.metricsPort,
  metricsHost = config.joiner.metricsHost,
  chunkSize = 2000,
  flushSize = 20_000,
  flushBytes = 32 * 1024 * 1024,
  heldBytes = 2 * flushBytes,
  partitionsConsumedConcurrently = 64,
  fetchBytesPerPartition = 1024 * 1024,
  expireIntervalMs = 1000,
  outboxLeaseMs = config.joiner.outboxLease,
  sampleIntervalMs = 2000,
}: JoinerOptions): JoinerSettings {
  return {
    config,
    // Errors are logged without the arguments of the Redis command they carry (AUTH's password, a script's records).
    logger: logger.child({}, { serializers: { err: (error: Error) => withoutCommandArgs(stdSerializers.err(error)) } }),
    groupId: config.joiner.groupId ?? `${config.topics.prefix}.joiner`,
    metricsPort,
    metricsHost,
    chunkSize,
    flushSize,
    flushBytes,
    heldBytes,
    partitionsConsumedConcurrently,
    fetchBytesPerPartition,
    expireIntervalMs,
    outboxLeaseMs,
    reclaimIntervalMs: Math.max(1000, outboxLeaseMs / 3),
    sampleIntervalMs,
    reclaimBatch: 1000,
  };
}
