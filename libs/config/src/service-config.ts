import { parseArgs } from 'node:util';
import { ConfigError } from './errors.ts';
import { loadConfigFile } from './load.ts';
import type { ShadowdiffConfig } from './schema.ts';

/**
 * What every service's main does first: the config file from `--config` (or SHADOWDIFF_CONFIG,
 * or ./shadowdiff.yaml), validated before anything connects. A bad config is printed to stderr,
 * naming the service, and the process exits with code 2.
 */
export function loadServiceConfig(service: string, argv: readonly string[] = process.argv.slice(2)): ShadowdiffConfig {
  const { values } = parseArgs({ args: [...argv], options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? process.env.SHADOWDIFF_CONFIG ?? 'shadowdiff.yaml';
  try {
    return loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`shadowdiff ${service}: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
}
