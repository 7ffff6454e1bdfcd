#!/usr/bin/env node
// The joiner process: `node services/joiner/src/main.ts --config shadowdiff.yaml`.
import { loadServiceConfig } from '@shadowdiff/config';
import { withoutCommandArgs } from '@shadowdiff/errors';
import { pino, stdSerializers } from 'pino';
import { buildJoiner } from './build-joiner.ts';
import { JoinerError, JoinerErrorCode } from './errors.ts';

/** The most a stop after a fatal error may take before the process exits anyway, ms. */
const FATAL_STOP_MS = 10_000;

// Errors are logged without the arguments of the Redis command they carry (AUTH's password, a script's records).
const logger = pino({ name: 'shadowdiff-joiner', level: process.env.LOG_LEVEL ?? 'info', serializers: { err: (error: Error) => withoutCommandArgs(stdSerializers.err(error)) } });

async function main(): Promise<void> {
  const config = loadServiceConfig('joiner');
  const joiner = buildJoiner({ config, logger });
  // A fatal condition stops the joiner: exit 3 when Redis lost the state, 1 otherwise (the Kafka
  // consumer stopped for good, say). The stop is bounded: a broker or Redis that does not answer
  // must not keep a failed process alive.
  joiner.events.on('joiner.fatal', ({ error }) => {
    const code = error instanceof JoinerError && error.code === JoinerErrorCode.STATE_LOST ? 3 : 1;
    setTimeout(() => process.exit(code), FATAL_STOP_MS).unref();
    joiner.stop('fatal').finally(() => process.exit(code));
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
