import type { ConnectionOptions } from 'node:tls';
import type { KafkaConfig, RedisConfig } from './schema.ts';
import { tlsConnectionOptions } from './tls.ts';

/**
 * What a Kafka client needs from `kafka:`, in the shape `createKafka` (@shadowdiff/kafka) takes:
 * the brokers, TLS as Node's options, SASL with its secrets still sealed.
 */
export function kafkaConnection(kafka: KafkaConfig): {
  brokers: readonly string[];
  clientId: string;
  maxBatchBytes: number;
  ssl: ConnectionOptions | undefined;
  sasl: KafkaConfig['sasl'];
} {
  return { brokers: kafka.brokers, clientId: kafka.clientId, maxBatchBytes: kafka.maxBatchBytes, ssl: tlsConnectionOptions(kafka.ssl), sasl: kafka.sasl };
}

/**
 * ioredis options from `redis:`: the ACL user and password (revealed here, never put in the
 * URL), TLS with the CA and client certificate. A rediss:// URL turns TLS on by itself; `tls`
 * adds to it.
 */
export function redisConnection(redis: RedisConfig): {
  url: string;
  options: { username?: string; password?: string; tls?: ConnectionOptions };
  /** Who logs in, for errors: `the user from env REDIS_USERNAME` or `the default user`. */
  user: string;
} {
  const tls = tlsConnectionOptions(redis.tls) ?? (redis.url.startsWith('rediss:') ? { rejectUnauthorized: true } : undefined);
  return {
    url: redis.url,
    user: redis.username ? `the user from ${redis.username.source}` : 'the default user',
    options: {
      ...(redis.username ? { username: redis.username.reveal() } : {}),
      ...(redis.password ? { password: redis.password.reveal() } : {}),
      ...(tls ? { tls } : {}),
    },
  };
}
