#!/usr/bin/env node
// The joiner process: `node services/joiner/src/main.ts --config shadowdiff.yaml`.
import { loadServiceConfig } from '@shadowdiff/config';
import { pino } from 'pino';
import { buildJoiner } from './build-joiner.ts';
import { JoinerError, JoinerErrorCode } from './errors.ts';

const logger = pino({ name: 'shadowdiff-joiner', level: process.env.LOG_LEVEL ?? 'info' });

async function main(): Promise<void> {
  const config = loadServiceConfig('joiner');
  const joiner = buildJoiner({ config, logger });
  // A fatal condition (Redis lost the state) stops the joiner; the process exits 3.
  joiner.events.on('joiner.fatal', () => {
    joiner.stop('fatal').finally(() => process.exit(3));
  });
  let signalled = false;
  const onSignal = (signal: NodeJS.Signals) => {
    if (signalled) return;
    signalled = true;
    logger.info({ signal }, 'stopping: finishing the batch in hand, committing, publishing');
    joiner.stop(signal).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error({ err: error }, 'unclean stop');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  const port = await joiner.start();
  logger.info({ port }, `metrics on http://127.0.0.1:${port}/metrics`);
}

main().catch((error: unknown) => {
  logger.fatal({ err: error }, error instanceof Error ? error.message : String(error));
  process.exit(error instanceof JoinerError && error.code === JoinerErrorCode.STATE_LOST ? 3 : 1);
});
