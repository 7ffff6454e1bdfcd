import { kafkaUp, redisClusterUp, redisSentinelUp, redisUp, registryUp } from '@shadowdiff/infra';
import type { RedisEndpoint } from '@shadowdiff/store';
import type { TestProject } from 'vitest/node';
import { chooseStack, containerEngineAnswers } from './stack-selection.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: string;
    redisUrl: string;
    /** The Redis the project's tests use: the one server, or (project integration-ha) the local Redis Cluster. */
    redisEndpoint: RedisEndpoint;
    registryUrl: string;
    /** Project integration-ha only: a local Sentinel group (its primary's name and the sentinels' URLs). */
    redisSentinel: { name: string; sentinels: readonly string[] } | null;
  }
}

/**
 * Integration tests talk to a real broker, a real Redis and a real schema registry: containers
 * where a container engine answers (stack-selection.ts), else the local stack of infra/, reusing
 * running ones or starting them.
 */
export default async function setup(project: TestProject): Promise<(() => Promise<void>) | undefined> {
  const log = (line: string) => process.stderr.write(`[global-setup] ${line}\n`);
  const { stack, why } = await chooseStack(process.env, () => containerEngineAnswers());
  log(`${stack} stack: ${why}`);
  // The cluster project's Redis is a local Redis Cluster (redis-server processes), with either stack.
  const ha = project.name === 'integration-ha';
  const [redisCluster, sentinel] = ha ? await Promise.all([redisClusterUp(log), redisSentinelUp(log)]) : [null, null];
  project.provide('redisSentinel', sentinel === null ? null : { name: sentinel.name, sentinels: sentinel.sentinels });
  const endpoint = (url: string): RedisEndpoint => (redisCluster ? { kind: 'cluster', nodes: redisCluster.nodes, options: {} } : { kind: 'server', url, options: {} });
  if (stack === 'containers') {
    const { startContainers } = await import('./containers.ts');
    const containers = await startContainers(log);
    project.provide('brokers', containers.brokers);
    project.provide('redisUrl', containers.redisUrl);
    project.provide('redisEndpoint', endpoint(containers.redisUrl));
    project.provide('registryUrl', containers.registryUrl);
    return () => containers.stop();
  }
  const [kafka, registry, redis] = await Promise.all([kafkaUp(log), registryUp(log), redisUp(log)]);
  project.provide('brokers', kafka.brokers);
  project.provide('redisUrl', redis.url);
  project.provide('redisEndpoint', endpoint(redis.url));
  project.provide('registryUrl', registry.url);
  return undefined;
}
