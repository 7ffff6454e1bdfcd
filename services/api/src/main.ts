#!/usr/bin/env node
// The API process: `node services/api/src/main.ts --config shadowdiff.yaml`.
import { loadServiceConfig } from '@shadowdiff/config';
import { withoutCommandArgs } from '@shadowdiff/errors';
import { pino, stdSerializers } from 'pino';
import { buildApi } from './build-api.ts';

/** The most a stop after a fatal error may take before the process exits anyway, ms. */
const FATAL_STOP_MS = 10_000;

// Errors are logged without the arguments of the Redis command they carry (AUTH's password, a script's records).
const logger = pino({ name: 'shadowdiff-api', level: process.env.LOG_LEVEL ?? 'info', serializers: { err: (error: Error) => withoutCommandArgs(stdSerializers.err(error)) } });

async function main(): Promise<void> {
  const config = loadServiceConfig('api');
  // The verdict reader stopped for good: stop (bounded, a broker away must not keep a failed
  // process alive) and exit 1, so that an orchestrator restarts it.
  const api = buildApi({
    config,
    logger,
    onFatal: () => {
      setTimeout(() => process.exit(1), FATAL_STOP_MS).unref();
      api.stop().finally(() => process.exit(1));
    },
  });
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
