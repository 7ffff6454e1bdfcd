export { loadConfigFile, parseConfig, formatPath, type ConfigEnv } from './load.ts';
export { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors.ts';
export { parseDuration, DURATION_FORMAT } from './duration.ts';
export {
  configSchema,
  CODECS,
  type ShadowdiffConfig,
  type ComparisonConfig,
  type SideConfig,
  type KeySource,
  type EventTimeSource,
  type Side,
  type Mode,
} from './schema.ts';
