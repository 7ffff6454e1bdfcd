import type { RedisEndpoint } from '@shadowdiff/store';

/**
 * The connection part of a test's config: the test's broker, Redis under its own key prefix, its
 * verdict topics and consumer groups named after the prefix. `extra` adds settings per section
 * (`{ kafka: 'maxBatchBytes: 65536', joiner: 'maxOutbox: 100' }`); `comparisons` is the YAML list.
 * `redis`, when a cluster or a Sentinel group (integration-ha's testRedisEndpoint(), its
 * Sentinel group), replaces `redisUrl`.
 */
export function stackYaml(
  { brokers, redisUrl, prefix, redis }: { brokers: string; redisUrl: string; prefix: string; redis?: RedisEndpoint },
  comparisons: string,
  extra: { kafka?: string; joiner?: string; api?: string; topics?: string; redis?: string } = {},
): string {
  const more = (text: string | undefined) => (text ? `, ${text}` : '');
  return `
kafka: { brokers: ["${brokers}"]${more(extra.kafka)} }
redis: { ${redisSection(redisUrl, redis)}, keyPrefix: "${prefix}"${more(extra.redis)} }
topics: { prefix: "${prefix}"${more(extra.topics)} }
joiner: { groupId: "${prefix}.joiner"${more(extra.joiner)} }
api: { groupId: "${prefix}.api"${more(extra.api)} }
comparisons:
${comparisons}
`;
}

function redisSection(redisUrl: string, redis: RedisEndpoint | undefined): string {
  if (redis?.kind === 'cluster') return `cluster: { nodes: ${JSON.stringify(redis.nodes)} }`;
  if (redis?.kind === 'sentinel') return `sentinel: { name: "${redis.name}", sentinels: ${JSON.stringify(redis.sentinels)} }`;
  return `url: "${redisUrl}"`;
}
