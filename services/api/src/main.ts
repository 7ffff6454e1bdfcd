#!/usr/bin/env node
// The API process: `node services/api/src/main.ts --config shadowdiff.yaml`.
import { parseArgs } from 'node:util';
import { ConfigError, loadConfigFile } from '@shadowdiff/config';
import { pino } from 'pino';
import { buildApi } from './build-api.ts';

const logger = pino({ name: 'shadowdiff-api', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string', short: 'c' } } });
  const file = values.config ?? process.env.SHADOWDIFF_CONFIG ?? 'shadowdiff.yaml';
  let config;
  try {
    config = loadConfigFile(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`shadowdiff api: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const api = buildApi({ config, logger });
  const stop = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'stopping');
    api.stop().then(() => process.exit(0), () => process.exit(1));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await api.start();
  const port = await api.listen();
  logger.info({ port }, `API and dashboard on http://${config.api.host}:${port}/`);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  process.exit(1);
});
