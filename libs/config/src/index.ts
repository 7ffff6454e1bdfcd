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
} from './schema.ts';
export { loadServiceConfig } from './service-config.ts';
