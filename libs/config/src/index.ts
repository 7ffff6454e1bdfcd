export { loadConfigFile, parseConfig, formatPath, type ConfigEnv } from './load.ts';
export { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors.ts';
export { parseDuration, DURATION_FORMAT } from './duration.ts';
export {
  configSchema,
  configSchemaChecked,
  CODECS,
  type ShadowdiffConfig,
  type ComparisonConfig,
  type SideConfig,
  type KeySource,
  type EventTimeSource,
  type Side,
  type Mode,
  type CompareConfig,
  type TlsConfig,
  type TlsOption,
  type SaslConfig,
  type KafkaConfig,
  type RedisConfig,
  type SchemaRegistryConfig,
  type ApiToken,
  type ApiRole,
} from './schema.ts';
export { Secret, secretOf, readSecret, type SecretSource } from './secret.ts';
export { tlsConnectionOptions } from './tls.ts';
export { kafkaConnection, redisConnection, type RedisConnection, type RedisNodeOptions } from './connections.ts';
export { loadServiceConfig } from './service-config.ts';
