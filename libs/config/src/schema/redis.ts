import { z } from 'zod';
import { duration, noCredentialsInUrl, nonEmpty, secret } from './primitives.ts';
import { tlsOption } from './tls.ts';

const DEFAULT_URL = 'redis://127.0.0.1:6379';

const redisUrl = (instead: string) =>
  z
    .url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' })
    .superRefine(noCredentialsInUrl(instead));

/**
 * The `redis` section: the pairing store and read model, and how to reach it: one server (`url`),
 * a Redis Cluster (`cluster.nodes`: seed nodes, the others are discovered), or a primary watched
 * by Sentinel (`sentinel.name` and `sentinel.sentinels`). One of the three; without any, the
 * server at redis://127.0.0.1:6379. `username`, `password` and `tls` apply to every data node.
 */
export const redisSchema = z
  .strictObject({
    url: redisUrl('redis.username and redis.password').optional(),
    cluster: z
      .strictObject({
        nodes: z.array(redisUrl('redis.username and redis.password')).min(1, { error: 'at least one seed node' }),
      })
      .optional(),
    sentinel: z
      .strictObject({
        /** The primary's name, as the sentinels know it (`sentinel monitor <name> …`). */
        name: nonEmpty,
        sentinels: z.array(redisUrl('redis.sentinel.username and redis.sentinel.password')).min(1, { error: 'at least one sentinel' }),
        /** The sentinels' own ACL user and password, when they ask for one. */
        username: secret.optional(),
        password: secret.optional(),
      })
      .optional(),
    keyPrefix: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('sd'),
    /** ACL user (Redis 6+); without it, `default`. Credentials never go in the URL. */
    username: secret.optional(),
    password: secret.optional(),
    /** TLS (a rediss:// URL turns it on with the system CAs). */
    tls: tlsOption.optional(),
    /**
     * The joiner waits (WAIT) after each apply until this many replicas hold its writes, at most
     * `timeout`: an apply it counts as done then survives its primary failing over to such a
     * replica. 0: no wait (one server; a replica that falls behind then loses the newest writes
     * on failover, which the joiner detects and stops on).
     */
    waitForReplicas: z
      .strictObject({
        replicas: z.int().min(0).max(5).default(0),
        // WAIT 0 would wait for ever; a long one holds every comparison's commands to that primary.
        timeout: duration.prefault('250ms').refine((ms) => ms > 0 && ms <= 10_000, { error: 'a duration above 0 and at most 10s' }),
      })
      .prefault({}),
  })
  .superRefine((redis, ctx) => {
    const given = (['url', 'cluster', 'sentinel'] as const).filter((k) => redis[k] !== undefined);
    if (given.length > 1) {
      ctx.addIssue({ code: 'custom', path: [given[1]!], message: `one of redis.url, redis.cluster and redis.sentinel (this config gives ${given.join(' and ')}; REDIS_URL sets redis.url)`, input: undefined });
    }
  })
  .transform((redis) => ({ ...redis, url: redis.url ?? (redis.cluster || redis.sentinel ? undefined : DEFAULT_URL) }))
  .prefault({});
