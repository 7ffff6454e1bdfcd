import { kafkaDown, kafkaStatus, kafkaUp, redisClusterDown, redisClusterUp, redisDown, redisSentinelDown, redisSentinelUp, redisServing, redisUp, redisUrl, registryDown, registryStatus, registryUp } from '@shadowdiff/infra';

export type Log = (line: string) => void;

export interface Stack {
  readonly brokers: string;
  readonly redisUrl: string;
  /** null when the registry was not asked for */
  readonly registryUrl: string | null;
}

const how = (started: boolean) => (started ? 'started' : 'already running, reused');

/**
 * `shadowdiff up`: local Kafka, Redis and schema registry, reused when healthy ones already answer.
 * The demo, which needs no registry, leaves it out.
 */
export async function up(log: Log, { registry: withRegistry = true, redis: kind = 'server' }: { registry?: boolean; redis?: 'server' | 'cluster' | 'sentinel' } = {}): Promise<Stack> {
  // The two JVMs start side by side; Redis is quick.
  const [kafka, registry] = await Promise.all([kafkaUp(log), withRegistry ? registryUp(log) : Promise.resolve(null)]);
  log(`kafka     ${kafka.brokers} (${how(kafka.started)})`);
  if (registry) log(`registry  ${registry.url} (${how(registry.started)})`);
  const redis = await redisUp(log);
  log(`redis     ${redis.url} (${how(redis.started)})`);
  if (kind === 'cluster') {
    // Beside the one server (the demo and the tests use it): a cluster of 3 primaries and 3 replicas.
    const cluster = await redisClusterUp(log);
    log(`cluster   ${cluster.nodes.join(' ')} (${how(cluster.started)})`);
    log(`          in shadowdiff.yaml: redis: { cluster: { nodes: [${cluster.nodes.slice(0, 3).map((n) => `"${n}"`).join(', ')}] } }`);
  }
  if (kind === 'sentinel') {
    // Beside the one server: a primary and its replica watched by three sentinels.
    const group = await redisSentinelUp(log);
    log(`sentinel  ${group.sentinels.join(' ')} watching "${group.name}" (${how(group.started)})`);
    log(`          in shadowdiff.yaml: redis: { sentinel: { name: ${group.name}, sentinels: [${group.sentinels.map((n) => `"${n}"`).join(', ')}] } }`);
  }
  return { brokers: kafka.brokers, redisUrl: redis.url, registryUrl: registry?.url ?? null };
}

/** `shadowdiff down`: stops only what `up` started. */
export async function down(log: Log): Promise<void> {
  const said = (stopped: boolean) => (stopped ? 'stopped' : 'not started by shadowdiff, left alone');
  log(`kafka     ${said(await kafkaDown())}`);
  log(`registry  ${said(await registryDown())}`);
  log(`redis     ${said(await redisDown())}`);
  if (await redisClusterDown()) log('cluster   stopped');
  if (await redisSentinelDown()) log('sentinel  stopped');
}

/** `shadowdiff status`: exit code 0 only when both answer. */
export async function status(log: Log): Promise<boolean> {
  const kafka = await kafkaStatus();
  const url = redisUrl();
  const redis = await redisServing(url);
  log(`kafka  ${kafka.brokers}  ${kafka.serving ? 'serving' : 'down'}${kafka.pid ? ` (pid ${kafka.pid}, started by shadowdiff)` : ''}`);
  const registry = await registryStatus();
  log(`registry  ${registry.url}  ${registry.serving ? 'serving' : 'down'}${registry.pid ? ` (pid ${registry.pid}, started by shadowdiff)` : ''}`);
  log(`redis  ${url}  ${redis ? 'serving' : 'down'}`);
  return kafka.serving && redis && registry.serving;
}
