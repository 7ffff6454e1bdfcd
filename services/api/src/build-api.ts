import { kafkaConnection, redisConnection, type ComparisonConfig, type ShadowdiffConfig } from '@shadowdiff/config';
import { checkKafkaAccess, createKafka } from '@shadowdiff/kafka';
import { connectRedis, createDeadLetters, createModeRegistry, createReadModel, noPermission, openRedis, type DeadLetters, type ReadModel } from '@shadowdiff/store';
import swagger from '@fastify/swagger';
import { withoutCommandArgs } from '@shadowdiff/errors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { pino, stdSerializers, type Logger } from 'pino';
import { registerDashboard } from './dashboard.ts';
import { earlyErrorHandlers, registerErrorHandlers } from './error-handling.ts';
import { createApiMetrics, registerClassMetrics, registerMetricsRoute } from './metrics.ts';
import { createClassAnalyses } from './class-analyses.ts';
import { createModeService, type ModeService } from './mode-service.ts';
import { registerProbes } from './probes.ts';
import { createRollbackGuard } from './rollback-guard.ts';
import { registerRoutes } from './routes.ts';
import { registerSecurityHooks } from './security-hooks.ts';
import { createVerdictReader, type VerdictReader } from './verdict-reader.ts';

export interface ApiOptions {
  readonly config: ShadowdiffConfig;
  readonly logger?: Logger;
  /** Read the verdict topics into the read model (off for tests that fill it themselves). */
  readonly readVerdicts?: boolean;
  /** How often retention is applied to the read model, ms. */
  readonly trimIntervalMs?: number;
  /** How often the guarded rollback looks at comparisons in reverse_shadow, ms. */
  readonly rollbackIntervalMs?: number;
  /** The verdict reader stopped for good (kafkajs gave up on its consumer): stop, exit non-zero. */
  readonly onFatal?: (error: Error) => void;
}

export interface Api {
  readonly app: FastifyInstance;
  readonly models: ReadonlyMap<string, ReadModel>;
  /** Connects Redis and Kafka and starts reading verdicts; does not listen. */
  start(): Promise<void>;
  /** Listens on config.api (or the given port); resolves with the bound port. */
  listen(port?: number): Promise<number>;
  stop(): Promise<void>;
}

/**
 * The API as a Fastify app apart from listening, so tests drive it with inject(). This is its
 * composition root: the connections, read models and mode services per comparison, the verdict
 * reader, then the app — error handling (error-handling.ts), security hooks (security-hooks.ts),
 * the REST routes (routes.ts), probes (probes.ts), metrics (metrics.ts) and the dashboard
 * (dashboard.ts) — and, once started, retention and the rollback guard on timers.
 */
export function buildApi({
  config,
  logger: givenLogger = pino({ name: 'shadowdiff-api' }),
  readVerdicts = true,
  trimIntervalMs = 60_000,
  rollbackIntervalMs = 5000,
  onFatal,
}: ApiOptions): Api {
  // Errors are logged without the arguments of the Redis command they carry (AUTH's password, a script's records).
  const logger = givenLogger.child({}, { serializers: { err: (error: Error) => withoutCommandArgs(stdSerializers.err(error)) } });
  const redisAt = redisConnection(config.redis);
  const redis = openRedis(redisAt, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection'));
  const kafkaAt = { ...kafkaConnection(config.kafka), clientId: `${config.kafka.clientId}-api` };
  const kafka = createKafka({ ...kafkaAt, logger });
  const comparisons = new Map<string, ComparisonConfig>(config.comparisons.map((c) => [c.name, c]));
  const models = new Map<string, ReadModel>(
    config.comparisons.map((c) => [c.name, createReadModel({ redis, keyPrefix: config.redis.keyPrefix, comparison: c.name })]),
  );
  const modes = new Map<string, ModeService>(
    config.comparisons.map((c) => [
      c.name,
      createModeService(c, createModeRegistry({ redis, keyPrefix: config.redis.keyPrefix, comparison: c.name, defaultMode: c.mode }), models.get(c.name) as ReadModel),
    ]),
  );
  const deadLetters = new Map<string, DeadLetters>(
    config.comparisons.map((c) => [c.name, createDeadLetters({ redis, keyPrefix: config.redis.keyPrefix, comparison: c.name })]),
  );
  const metrics = createApiMetrics(config.comparisons.map((c) => c.name));
  const analyses = createClassAnalyses(models);
  registerClassMetrics(metrics.registry, config.comparisons.map((c) => c.name), analyses);
  const reader: VerdictReader = createVerdictReader({
    kafka,
    config,
    models,
    logger,
    onIngested: (c, n) => metrics.ingested.inc({ comparison: c }, n),
    onSkipped: (c) => metrics.skipped.inc({ comparison: c }),
    onFatal: (error) => {
      logger.fatal({ event: 'api.fatal', err: error }, error.message);
      onFatal?.(error);
    },
  });

  const app: FastifyInstance = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // No log line per request (failures are still logged by the error handler).
    logController: new LogController({ disableRequestLogging: true }),
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } },
    // What a hostile request can make the API hold or parse: small bodies (a mode change is a
    // few hundred bytes), short path parameters, no prototype keys in JSON.
    bodyLimit: 16 * 1024,
    routerOptions: { maxParamLength: 200 },
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    ...earlyErrorHandlers,
  });
  registerErrorHandlers(app, logger);
  registerSecurityHooks(app, config.api, logger);

  const ready = app.register(async (instance) => {
    await instance.register(swagger, {
      openapi: {
        info: { title: 'shadowdiff API', version: '1', description: 'Discrepancies, summaries, fields and modes of shadowdiff comparisons.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    registerRoutes(instance, { comparisons, models, modes, deadLetters, analyses, rateLimit: { max: config.api.rateLimit.max, timeWindow: config.api.rateLimit.window } });
    instance.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => instance.swagger());
  });
  const probes = registerProbes(app, { reader, redis, kafka, readVerdicts });
  registerMetricsRoute(app, metrics.registry);
  registerDashboard(app);

  let trimTimer: NodeJS.Timeout | undefined;
  let guardTimer: NodeJS.Timeout | undefined;
  const guard = createRollbackGuard(config.comparisons, modes, models, { logger, counter: metrics.rollbacks });

  async function startParts(): Promise<void> {
    await ready;
    await connectRedis(redis, redisAt.user);
    // Refused credentials or an untrusted certificate stop start-up here, with a clear error.
    await checkKafkaAccess(kafkaAt);
    if (readVerdicts) await reader.start();
    trimTimer = setInterval(() => {
      const { maxAge, maxCount, maxSeen } = config.api.retention;
      for (const model of models.values()) model.trim({ maxAgeMs: maxAge, maxCount, maxSeen }).catch((error: unknown) => logger.warn({ err: error }, 'retention'));
    }, trimIntervalMs);
    trimTimer.unref();
    guardTimer = setInterval(() => void guard(), rollbackIntervalMs);
    guardTimer.unref();
  }

  return {
    app,
    models,
    async start() {
      try {
        await startParts();
      } catch (error) {
        throw noPermission(error, 'start-up') ?? error;
      }
    },
    async listen(port = config.api.port) {
      await app.listen({ port, host: config.api.host });
      const address = app.server.address();
      return typeof address === 'object' && address ? address.port : port;
    },
    async stop() {
      if (trimTimer) clearInterval(trimTimer);
      if (guardTimer) clearInterval(guardTimer);
      await reader.stop();
      await probes.stop();
      await app.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
