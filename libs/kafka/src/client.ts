import { Kafka, logLevel, type KafkaConfig, type LogEntry, type logCreator } from 'kafkajs';
import type { Logger } from 'pino';
import { registerCompressionCodecs } from './compression.ts';
import { KafkaErrorCode } from './errors.ts';
import { classifyConnectFailure, kafkajsSasl, type KafkaSecurity } from './security.ts';

export interface CreateKafkaOptions extends KafkaSecurity {
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

/** Where and how a client connects: the brokers, its id, TLS and SASL. */
function connection({ brokers, clientId = 'shadowdiff', connectionTimeout = 3000, ssl, sasl }: CreateKafkaOptions): KafkaConfig {
  return { clientId, brokers: [...brokers], connectionTimeout, ...(ssl ? { ssl } : {}), ...(sasl ? { sasl: kafkajsSasl(sasl) } : {}) };
}

/**
 * Every kafkajs client made here reads (and may write) gzip, snappy, lz4 and zstd batches, and
 * connects over TLS and SASL when `ssl` and `sasl` say so.
 */
export function createKafka(options: CreateKafkaOptions): Kafka {
  const { logger, maxBatchBytes } = options;
  registerCompressionCodecs(maxBatchBytes === undefined ? {} : { maxBatchBytes });
  return new Kafka({
    ...connection(options),
    // kafkajs logs as much as the service's logger takes, from warnings on (LOG_LEVEL=debug shows its requests).
    logLevel: logger?.isLevelEnabled('debug') ? logLevel.DEBUG : logLevel.WARN,
    ...(logger ? { logCreator: pinoLogCreator(logger) } : {}),
    retry: { initialRetryTime: 200, retries: 10 },
  });
}

/**
 * One connection to the brokers before a service starts, without retries: an untrusted
 * certificate, refused credentials or a mechanism the listener does not offer stop start-up at
 * once with a non-retriable error naming the brokers, the security protocol and the mechanism
 * (kafkajs would retry them for minutes). Anything else (a broker not up yet) is left to the
 * service's own retried connection.
 */
export async function checkKafkaAccess(options: CreateKafkaOptions): Promise<void> {
  const kafka = new Kafka({ ...connection(options), logLevel: logLevel.NOTHING, retry: { retries: 0 } });
  // A closed connection is asked about three times, a second apart: a broker that is shutting
  // down closes connections too, but not three times in a row.
  for (let attempt = 1; ; attempt += 1) {
    const admin = kafka.admin();
    try {
      await admin.connect();
      await admin.describeCluster();
      return;
    } catch (error) {
      const refusal = classifyConnectFailure(error, options.brokers, options);
      if (!refusal) return;
      if (refusal.code !== KafkaErrorCode.LISTENER_MISMATCH || attempt === 3) throw refusal;
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}
