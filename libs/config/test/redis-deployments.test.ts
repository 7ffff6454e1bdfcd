import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig, redisConnection } from '../src/index.ts';

const COMPARISONS = `
comparisons:
  - name: payments
    old: { topic: payments.v1 }
    new: { topic: payments.v2 }
    window: 30s
`;
const parse = (redis: string, env: Record<string, string> = {}) => parseConfig(`redis: ${redis}\n${COMPARISONS}`, 'shadowdiff.yaml', env);
const problems = (redis: string, env: Record<string, string> = {}) => {
  try {
    parse(redis, env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).problems.map((p) => [p.path, p.expected]);
  }
  throw new Error('expected the config to be refused');
};

describe('Redis deployments: one server, a cluster, a Sentinel group', () => {
  it('one server by default, at its URL', () => {
    expect(redisConnection(parse('{}').redis)).toMatchObject({ kind: 'server', url: 'redis://127.0.0.1:6379' });
    expect(redisConnection(parse('{ url: "rediss://cache:6380" }').redis)).toMatchObject({ kind: 'server', url: 'rediss://cache:6380', options: { tls: { rejectUnauthorized: true } } });
  });

  it("a cluster's seed nodes, with the data nodes' user, password and TLS", () => {
    const config = parse('{ cluster: { nodes: ["rediss://10.0.0.1:7000", "redis://10.0.0.2:7000"] }, username: { env: RU }, password: { env: RP } }', { RU: 'sd-joiner', RP: 'pw' });
    expect(config.redis.url).toBeUndefined();
    expect(redisConnection(config.redis)).toEqual({
      kind: 'cluster',
      nodes: ['rediss://10.0.0.1:7000', 'redis://10.0.0.2:7000'],
      url: 'rediss://10.0.0.1:7000',
      options: { username: 'sd-joiner', password: 'pw', tls: { rejectUnauthorized: true } },
      user: 'the user from env RU',
    });
  });

  it("a Sentinel group: the primary's name, the sentinels, their own login apart from the data nodes'", () => {
    const config = parse('{ sentinel: { name: shadowdiff, sentinels: ["redis://s1:26379", "redis://s2:26379"], password: { env: SP } }, password: { env: RP } }', { SP: 'sentinel-pw', RP: 'data-pw' });
    expect(redisConnection(config.redis)).toEqual({
      kind: 'sentinel',
      name: 'shadowdiff',
      sentinels: ['redis://s1:26379', 'redis://s2:26379'],
      url: 'redis://s1:26379',
      sentinelOptions: { password: 'sentinel-pw' },
      options: { password: 'data-pw' },
      user: 'the default user',
    });
  });

  it('one of the three: two given, or REDIS_URL beside a cluster, is named', () => {
    expect(problems('{ url: "redis://a:1", cluster: { nodes: ["redis://b:2"] } }')).toEqual([['redis.cluster', expect.stringContaining('one of redis.url, redis.cluster and redis.sentinel')]]);
    expect(problems('{ cluster: { nodes: ["redis://b:2"] } }', { REDIS_URL: 'redis://a:1' })).toEqual([['redis.cluster', expect.stringContaining('REDIS_URL sets redis.url')]]);
    expect(problems('{ cluster: { nodes: [] } }')).toEqual([['redis.cluster.nodes', 'at least one seed node']]);
    expect(problems('{ sentinel: { sentinels: ["redis://s:26379"] } }').map(([path]) => path)).toEqual(['redis.sentinel.name']);
  });

  it('waits for no replica unless asked; a wait is a count and a duration', () => {
    expect(parse('{}').redis.waitForReplicas).toEqual({ replicas: 0, timeout: 250 });
    expect(parse('{ cluster: { nodes: ["redis://a:1"] }, waitForReplicas: { replicas: 1, timeout: 250ms } }').redis.waitForReplicas).toEqual({ replicas: 1, timeout: 250 });
    expect(problems('{ waitForReplicas: { replicas: -1 } }').map(([path]) => path)).toEqual(['redis.waitForReplicas.replicas']);
    // WAIT with timeout 0 waits for ever.
    expect(problems('{ waitForReplicas: { replicas: 1, timeout: 0s } }')).toEqual([['redis.waitForReplicas.timeout', 'a duration above 0 and at most 10s']]);
  });

  it('credentials never in a URL, of a node or of a sentinel', () => {
    expect(problems('{ cluster: { nodes: ["redis://u:secret@b:2"] } }')[0]).toEqual(['redis.cluster.nodes[0]', expect.stringContaining('redis.username and redis.password')]);
    expect(problems('{ sentinel: { name: x, sentinels: ["redis://:secret@s:26379"] } }')[0]).toEqual(['redis.sentinel.sentinels[0]', expect.stringContaining('redis.sentinel.username and redis.sentinel.password')]);
  });
});
