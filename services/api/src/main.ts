#!/usr/bin/env node
// The API process: `node services/api/src/main.ts --config shadowdiff.yaml`.
import { loadServiceConfig } from '@shadowdiff/config';
import { pino } from 'pino';
import { buildApi } from './build-api.ts';

const logger = pino({ name: 'shadowdiff-api', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadServiceConfig('api');
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
