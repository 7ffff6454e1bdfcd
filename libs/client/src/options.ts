import type { MigrationMode, RedisEndpoint } from '@shadowdiff/store';
import type { RedisOptions } from 'ioredis';
import type { Kafka } from 'kafkajs';
import type { ProblemKind } from './problems.ts';

export interface ShadowClientOptions {
  /** One Redis server; or give `redisEndpoint` for a cluster or a Sentinel group. */
  readonly redisUrl?: string;
  /**
   * Where shadowdiff's Redis is, whatever its deployment: `redisConnection(config.redis)` of
   * @shadowdiff/config gives it from shadowdiff's own config (a server, a cluster's seed nodes, a
   * Sentinel group), with the ACL user, password and TLS. Instead of `redisUrl`.
   */
  readonly redisEndpoint?: RedisEndpoint;
  /**
   * More ioredis options for a secured Redis: `username` and `password` of an ACL user, `tls`
   * with a CA and client certificate. Credentials belong here, not in the URL.
   */
  readonly redisOptions?: RedisOptions;
  /** A kafkajs client as the service builds it (TLS and SASL set there: `ssl`, `sasl`). */
  readonly kafka: Kafka;
  /** The `redis.keyPrefix` of shadowdiff's config. */
  readonly keyPrefix: string;
  readonly comparison: string;
  /** The comparison's old and new topics: where the two results are published for the joiner. */
  readonly oldTopic: string;
  readonly newTopic: string;
  /** The mode to use until one is read from Redis (the comparison's `mode` setting). */
  readonly defaultMode?: MigrationMode;
  /** How long the candidate may take in reverse_shadow before the control's result is returned, ms. */
  readonly candidateTimeoutMs?: number;
  /** Name of the header carrying the source event time (the comparison's `eventTime.name`). */
  readonly eventTimeHeader?: string;
  /** Told about what never reaches the caller: candidate failures, publish errors, a stale mode, drops. */
  readonly onProblem?: (problem: { kind: ProblemKind; error?: unknown }) => void;
  /** Most results waiting or being sent to Kafka; past it a result is dropped (counted). */
  readonly maxInFlight?: number;
  /** Most shadow-mode candidates running at once; past it the candidate is not run (counted). */
  readonly maxCandidates?: number;
  /** How long start() waits for Redis and for Kafka before it runs without them, ms. */
  readonly connectTimeoutMs?: number;
}

export interface RunOptions<T> {
  /** The correlation key: the joiner pairs the two results by it. */
  readonly key: string;
  /** The source event's time (default: now); carried so the joiner's window ignores consumer lag. */
  readonly eventTime?: Date;
  /** The version in production (the old consumer's logic). */
  readonly control: () => Promise<T>;
  /** The version being migrated to. */
  readonly candidate: () => Promise<T>;
}

export interface Outcome<T> {
  readonly value: T;
  readonly mode: MigrationMode;
  /** Whose result the caller got. */
  readonly served: 'control' | 'candidate';
}
