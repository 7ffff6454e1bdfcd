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

/** ioredis's options for a data node: the ACL user and password, TLS. */
export interface RedisNodeOptions {
  readonly username?: string;
  readonly password?: string;
  readonly tls?: ConnectionOptions;
}

/** How to reach Redis, in the shape @shadowdiff/store's openRedis takes. */
export type RedisConnection =
  | { readonly kind: 'server'; readonly url: string; readonly options: RedisNodeOptions; readonly user: string }
  | { readonly kind: 'cluster'; readonly nodes: readonly string[]; readonly options: RedisNodeOptions; readonly user: string }
  | {
      readonly kind: 'sentinel';
      readonly name: string;
      readonly sentinels: readonly string[];
      /** The sentinels' own login and TLS (a rediss:// sentinel URL turns it on). */
      readonly sentinelOptions: RedisNodeOptions;
      readonly options: RedisNodeOptions;
      readonly user: string;
    };

/**
 * ioredis options from `redis:`: the ACL user and password (revealed here, never put in the
 * URL), TLS with the CA and client certificate. A rediss:// URL (of the server, of any cluster
 * seed node) turns TLS on by itself; `tls` adds to it.
 */
export function redisConnection(redis: RedisConfig): RedisConnection & {
  /** The server's URL; for a cluster its first seed node, for Sentinel its first sentinel (for messages and tools that take one). */
  readonly url: string;
} {
  const urls = redis.cluster?.nodes ?? (redis.url === undefined ? [] : [redis.url]);
  const tls = tlsConnectionOptions(redis.tls) ?? (urls.some((u) => u.startsWith('rediss:')) ? { rejectUnauthorized: true } : undefined);
  const user = redis.username ? `the user from ${redis.username.source}` : 'the default user';
  const options: RedisNodeOptions = {
    ...(redis.username ? { username: redis.username.reveal() } : {}),
    ...(redis.password ? { password: redis.password.reveal() } : {}),
    ...(tls ? { tls } : {}),
  };
  if (redis.cluster) return { kind: 'cluster', nodes: redis.cluster.nodes, url: redis.cluster.nodes[0]!, options, user };
  if (redis.sentinel) {
    const s = redis.sentinel;
    const sentinelOptions: RedisNodeOptions = {
      ...(s.username ? { username: s.username.reveal() } : {}),
      ...(s.password ? { password: s.password.reveal() } : {}),
      ...(s.sentinels.some((u) => u.startsWith('rediss:')) ? { tls: tlsConnectionOptions(redis.tls) ?? { rejectUnauthorized: true } } : {}),
    };
    return { kind: 'sentinel', name: s.name, sentinels: s.sentinels, sentinelOptions, url: s.sentinels[0]!, options, user };
  }
  return { kind: 'server', url: redis.url ?? 'redis://127.0.0.1:6379', options, user };
}
