import type { Cluster, Redis } from 'ioredis';
import { describe, expect, it } from 'vitest';
import { openRedis } from '../src/index.ts';

const tls = { ca: 'CA', rejectUnauthorized: true };

describe('openRedis: one way to open any deployment', () => {
  it("a cluster: the client's own options at its level (its node connections have fixed ones), the login and TLS on every node", () => {
    const cluster = openRedis({ kind: 'cluster', nodes: ['rediss://10.0.0.1:7000'], options: { username: 'u', password: 'p', tls } }, { lazyConnect: true, enableOfflineQueue: false, retryStrategy: () => 50, maxRetriesPerRequest: 3 }) as Cluster;
    expect(cluster.options).toMatchObject({ lazyConnect: true, enableOfflineQueue: false, redisOptions: { username: 'u', password: 'p', tls, maxRetriesPerRequest: 3 } });
    expect(cluster.options.clusterRetryStrategy?.(1, undefined as never)).toBe(50);
    cluster.disconnect();
  });

  it('behind Sentinel: TLS to the primary whenever redis.tls is set, to the sentinels when theirs is', () => {
    const plainSentinels = openRedis({ kind: 'sentinel', name: 'm', sentinels: ['redis://s:26379'], sentinelOptions: {}, options: { tls } }, { lazyConnect: true }) as Redis;
    expect(plainSentinels.options).toMatchObject({ enableTLSForSentinelMode: true, tls, name: 'm', sentinels: [{ host: 's', port: 26379 }] });
    expect(plainSentinels.options.sentinelTLS).toBeUndefined();
    const tlsSentinels = openRedis({ kind: 'sentinel', name: 'm', sentinels: ['rediss://s:26379'], sentinelOptions: { password: 'sp', tls }, options: {} }, { lazyConnect: true }) as Redis;
    expect(tlsSentinels.options).toMatchObject({ sentinelTLS: tls, sentinelPassword: 'sp' });
    expect(tlsSentinels.options.enableTLSForSentinelMode).toBeFalsy();
    plainSentinels.disconnect();
    tlsSentinels.disconnect();
  });
});
