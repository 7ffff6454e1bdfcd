export { kafkaUp, kafkaDown, kafkaStatus, kafkaServing, kafkaBrokers, resolveKafkaJars, type KafkaUpResult, type KafkaStatus, type LocalKafka, type SecuredListeners } from './kafka.ts';
export { redisUp, redisDown, redisServing, askRedis, redisUrl, DEFAULT_REDIS_URL, type RedisUpResult } from './redis.ts';
export { freePort, waitFor } from './process.ts';
export { REPO_ROOT, workDir } from './work-dir.ts';
export {
  registryUp,
  registryDown,
  registryStatus,
  registryServing,
  schemaRegistryUrl,
  resolveRegistry,
  APICURIO_ARTIFACT,
  CCOMPAT_PATH,
  type RegistryUpResult,
} from './registry.ts';
export { joinerLaunch, JOINER_NODE_FLAGS, JOINER_ENV, type JoinerLaunch } from './joiner-launch.ts';
export { generateTlsMaterial, type TlsMaterial } from './tls-material.ts';
export { redisClusterUp, redisClusterDown, redisClusterNodes, redisClusterHealthy, redisClusterNodePid, redisClusterNodeRestart, type LocalRedisCluster } from './redis-cluster.ts';
export { redisSentinelUp, redisSentinelDown, sentinelPrimary, SENTINEL_NAME, type LocalSentinelGroup } from './redis-sentinel.ts';
