import type { RedisEndpoint } from '@shadowdiff/store';

/**
 * The connection part of a test's config: the test's broker, Redis under its own key prefix, its
 * verdict topics and consumer groups named after the prefix. `extra` adds settings per section
 * (`{ kafka: 'maxBatchBytes: 65536', joiner: 'maxOutbox: 100' }`); `comparisons` is the YAML list.
 * `redis`, when a cluster (the cluster project's testRedisEndpoint()), replaces `redisUrl`.
 */
export function stackYaml(
  { brokers, redisUrl, prefix, redis }: { brokers: string; redisUrl: string; prefix: string; redis?: RedisEndpoint },
  comparisons: string,
  extra: { kafka?: string; joiner?: string; api?: string; topics?: string } = {},
): string {
  const more = (text: string | undefined) => (text ? `, ${text}` : '');
  return `
kafka: { brokers: ["${brokers}"]${more(extra.kafka)} }
redis: { ${redis?.kind === 'cluster' ? `cluster: { nodes: ${JSON.stringify(redis.nodes)} }` : `url: "${redisUrl}"`}, keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}"${more(extra.topics)} }
joiner: { groupId: "${prefix}.joiner"${more(extra.joiner)} }
api: { groupId: "${prefix}.api"${more(extra.api)} }
comparisons:
${comparisons}
`;
}
