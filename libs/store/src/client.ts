/**
 * One way to open Redis for every component, whatever the deployment: one server, a Redis
 * Cluster or a primary watched by Sentinel, each through ioredis's own support (`Redis`,
 * `Cluster`, `Redis` with `sentinels`). Every key a script touches shares its comparison's hash
 * tag (`{<comparison>}`), so on a cluster each script runs on one shard.
 */
import type { ConnectionOptions } from 'node:tls';
import calculateSlot from 'cluster-key-slot';
import { Cluster, Redis, type ClusterOptions, type RedisOptions } from 'ioredis';

/** A connection to Redis, whichever the deployment: what the stores take. */
export type RedisClient = Redis | Cluster;

interface NodeOptions {
  readonly username?: string;
  readonly password?: string;
  readonly tls?: ConnectionOptions;
}

/** How to reach Redis: @shadowdiff/config's `redisConnection` gives this shape. */
export type RedisEndpoint =
  | { readonly kind: 'server'; readonly url: string; readonly options: NodeOptions }
  | { readonly kind: 'cluster'; readonly nodes: readonly string[]; readonly options: NodeOptions }
  | { readonly kind: 'sentinel'; readonly name: string; readonly sentinels: readonly string[]; readonly sentinelOptions: NodeOptions; readonly options: NodeOptions };

/** What a component asks of every connection on top of the endpoint's (lazyConnect, retries). */
export type ClientOptions = Pick<RedisOptions, 'lazyConnect' | 'maxRetriesPerRequest' | 'enableOfflineQueue' | 'connectionName' | 'retryStrategy'>;

const hostPort = (url: string) => {
  const u = new URL(url);
  return { host: u.hostname.replace(/^\[(.*)\]$/, '$1'), port: u.port === '' ? 6379 : Number(u.port) };
};

/** A cluster client's first seed node and its options, for a diagnosis when it cannot connect. */
const seeds = new WeakMap<Cluster, RedisOptions>();

/** The first seed node of a cluster client openRedis made, as a single-node client's options. */
export function firstSeed(cluster: Cluster): RedisOptions | undefined {
  return seeds.get(cluster);
}

export function openRedis(endpoint: RedisEndpoint, extra: ClientOptions = {}): RedisClient {
  switch (endpoint.kind) {
    case 'server':
      return new Redis(endpoint.url, { ...endpoint.options, ...extra });
    case 'cluster': {
      // What the cluster client takes at its own level (its node connections get fixed ones):
      // lazyConnect, its offline queue, and its retry strategy (clusterRetryStrategy).
      const { lazyConnect, enableOfflineQueue, retryStrategy, ...perNode } = extra;
      const options: ClusterOptions = {
        ...(lazyConnect === undefined ? {} : { lazyConnect }),
        ...(enableOfflineQueue === undefined ? {} : { enableOfflineQueue }),
        ...(retryStrategy === undefined ? {} : { clusterRetryStrategy: (times: number) => retryStrategy(times) ?? null }),
        redisOptions: { ...endpoint.options, ...perNode },
        // Cluster nodes announce addresses; with TLS the certificate names the host the seed URL
        // used, so the address is used as given rather than resolved again.
        ...(endpoint.options.tls ? { dnsLookup: (address: string, callback: (error: null, address: string) => void) => callback(null, address) } : {}),
      };
      const cluster = new Cluster(endpoint.nodes.map(hostPort), options);
      seeds.set(cluster, { ...hostPort(endpoint.nodes[0]!), ...endpoint.options });
      return cluster;
    }
    case 'sentinel': {
      const s = endpoint.sentinelOptions;
      return new Redis({
        ...endpoint.options,
        ...extra,
        name: endpoint.name,
        sentinels: endpoint.sentinels.map(hostPort),
        ...(s.username ? { sentinelUsername: s.username } : {}),
        ...(s.password ? { sentinelPassword: s.password } : {}),
        // TLS to the sentinels, and (apart) to the primary they name: ioredis uses `tls` for the
        // primary only with enableTLSForSentinelMode.
        ...(s.tls ? { sentinelTLS: s.tls } : {}),
        ...(endpoint.options.tls ? { enableTLSForSentinelMode: true } : {}),
      });
    }
  }
}

/** Whether the client is a Redis Cluster's (commands that address one node, SCAN and INFO, differ). */
export function isCluster(redis: RedisClient): redis is Cluster {
  return redis instanceof Cluster;
}

/** The primaries to run a per-node command on (SCAN, INFO): the cluster's, or the one server. */
export function primaries(redis: RedisClient): Redis[] {
  return isCluster(redis) ? redis.nodes('master') : [redis];
}

/**
 * WAIT on the connection that holds `key`'s writes (on a cluster, the primary serving its slot,
 * as the client's slot map says): how many replicas acknowledged them within `timeoutMs`.
 */
export async function waitForReplicas(redis: RedisClient, key: string, replicas: number, timeoutMs: number): Promise<number> {
  let node: Redis | undefined = isCluster(redis) ? undefined : redis;
  if (isCluster(redis)) {
    const owner = redis.slots[calculateSlot(key)]?.[0];
    node = redis.nodes('master').find((n) => `${n.options.host}:${n.options.port}` === owner);
  }
  // The slot map does not know the key's primary yet (a failover under way): nothing is acknowledged.
  if (node === undefined) return 0;
  return Number(await node.wait(replicas, timeoutMs));
}
