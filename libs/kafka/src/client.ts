import { Kafka, logLevel, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { registerCompressionCodecs } from './compression.ts';

export interface CreateKafkaOptions {
  readonly brokers: readonly string[];
  readonly clientId?: string;
  readonly logger?: Logger;
  /** How long a first connection may take before it fails, ms. */
  readonly connectionTimeout?: number;
  /** The most one record batch may inflate to when decompressed (see compression.ts). */
  readonly maxBatchBytes?: number;
}

const LEVELS: Record<number, 'error' | 'warn' | 'info' | 'debug'> = {
  [logLevel.ERROR]: 'error',
  [logLevel.WARN]: 'warn',
  [logLevel.INFO]: 'info',
  [logLevel.DEBUG]: 'debug',
};

/** kafkajs logs through pino, one JSON event per line, under `component: kafkajs`. */
function pinoLogCreator(logger: Logger): logCreator {
  const child = logger.child({ component: 'kafkajs' });
  return () =>
    ({ level, log }: LogEntry) => {
      const { message, timestamp: _timestamp, logger: _name, ...rest } = log;
      child[LEVELS[level] ?? 'info'](rest, message);
    };
}

/** Every kafkajs client made here reads (and may write) gzip, snappy, lz4 and zstd batches. */
export function createKafka({ brokers, clientId = 'shadowdiff', logger, connectionTimeout = 3000, maxBatchBytes }: CreateKafkaOptions): Kafka {
  registerCompressionCodecs(maxBatchBytes === undefined ? {} : { maxBatchBytes });
  return new Kafka({
    clientId,
    brokers: [...brokers],
    connectionTimeout,
    logLevel: logLevel.WARN,
    ...(logger ? { logCreator: pinoLogCreator(logger) } : {}),
    retry: { initialRetryTime: 200, retries: 10 },
  });
}
