import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ComparisonConfig, ShadowdiffConfig } from '@shadowdiff/config';
import { createKafka } from '@shadowdiff/kafka';
import { createDeadLetters, createModeRegistry, createReadModel, type DeadLetters, type ReadModel } from '@shadowdiff/store';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance } from 'fastify';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { ApiError, ApiErrorCode } from './errors.ts';
import { createModeService, type ModeService } from './mode-service.ts';
import { checkRollback } from './rollback-guard.ts';
import { registerRoutes } from './routes.ts';
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

const DASHBOARD_DIR = join(import.meta.dirname, 'dashboard');
const DASHBOARD: Record<string, { file: string; type: string }> = {
  '/': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/dashboard/app.js': { file: 'app.js', type: 'text/javascript; charset=utf-8' },
  '/dashboard/style.css': { file: 'style.css', type: 'text/css; charset=utf-8' },
};

/** The API as a Fastify app apart from listening, so tests drive it with inject(). */
export function buildApi({
  config,
  logger = pino({ name: 'shadowdiff-api' }),
  readVerdicts = true,
  trimIntervalMs = 60_000,
  rollbackIntervalMs = 5000,
  onFatal,
}: ApiOptions): Api {
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  redis.on('error', (error: Error) => logger.warn({ err: error }, 'redis connection'));
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-api`, maxBatchBytes: config.kafka.maxBatchBytes, logger });
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
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ingested = new Counter({
    name: 'shadowdiff_api_verdicts_ingested_total',
    help: 'Verdicts added to the read model (each pairId once).',
    labelNames: ['comparison'] as const,
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: 'shadowdiff_mode_rollbacks_total',
    help: 'Automatic rollbacks from reverse_shadow to shadow.',
    labelNames: ['comparison'] as const,
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'shadowdiff_api_verdicts_skipped_total',
    help: 'Records on the verdict topics that are not valid verdicts, skipped.',
    labelNames: ['comparison'] as const,
    registers: [registry],
  });
  const reader: VerdictReader = createVerdictReader({
    kafka,
    config,
    models,
    logger,
    onIngested: (c, n) => ingested.inc({ comparison: c }, n),
    onSkipped: (c) => skipped.inc({ comparison: c }),
    onFatal: (error) => {
      logger.fatal({ event: 'api.fatal', err: error }, error.message);
      onFatal?.(error);
    },
  });

  const app: FastifyInstance = Fastify({ loggerInstance: logger as FastifyBaseLogger, disableRequestLogging: true, ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array' } } });

  app.setErrorHandler((error: FastifyError | ApiError, _request, reply) => {
    if (error instanceof ApiError) return reply.status(error.statusCode).send(error.toJSON());
    if (error.validation) {
      const message = `${error.validationContext ?? 'request'}${error.message.replace(/^[a-z]+/, '')}`;
      return reply.status(400).send(new ApiError(400, ApiErrorCode.BAD_REQUEST, message).toJSON());
    }
    logger.error({ err: error }, 'request failed');
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    return reply.status(status).send({ statusCode: status, code: error.code ?? 'SHADOWDIFF_ERR_API_INTERNAL', error: status === 500 ? 'Internal Server Error' : 'Error', message: error.message });
  });
  app.setNotFoundHandler((request, reply) => {
    reply.status(404).send(new ApiError(404, ApiErrorCode.NOT_FOUND, `${request.method} ${request.url} is not a route`).toJSON());
  });

  // Bearer token: always for changes, for reads too when protectReads.
  app.addHook('onRequest', async (request) => {
    const tokens = config.api.tokens;
    if (tokens.length === 0 || !request.url.startsWith('/api/')) return;
    const mutating = !['GET', 'HEAD', 'OPTIONS'].includes(request.method);
    if (!mutating && !config.api.protectReads) return;
    if (!tokens.some((t) => (mutating ? t.role === 'operator' : true) && request.headers.authorization === `Bearer ${t.value.reveal()}`)) {
      throw new ApiError(401, ApiErrorCode.UNAUTHORIZED, 'a bearer token is required (Authorization: Bearer <token>)');
    }
  });


  const ready = app.register(async (instance) => {
    await instance.register(swagger, {
      openapi: {
        info: { title: 'shadowdiff API', version: '1', description: 'Discrepancies, summaries, fields and modes of shadowdiff comparisons.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    await instance.register(swaggerUi, { routePrefix: '/docs' });
    registerRoutes(instance, { comparisons, models, modes, deadLetters });
    instance.get('/openapi.json', { schema: { hide: true } }, async () => instance.swagger());
  });

  // Healthy while the verdict reader consumes, or waits for topics no joiner has created yet;
  // 503 while kafkajs restarts its consumer and once it gave up (nothing is read any more).
  app.get('/healthz', { schema: { hide: true } }, async (_request, reply) => {
    const state = readVerdicts ? reader.state() : 'consuming';
    const healthy = state === 'consuming' || state === 'waiting' || state === 'idle';
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : state, reader: state });
  });
  app.get('/readyz', { schema: { hide: true } }, async (_request, reply) => {
    const checks = { redis: false, kafka: false, caughtUp: false, reader: readVerdicts ? reader.state() : 'off' };
    checks.redis = await redis.ping().then(() => true, () => false);
    const admin = kafka.admin();
    try {
      await admin.connect();
      checks.kafka = true;
      const committed = await admin.fetchOffsets({ groupId: reader.groupId, topics: [...reader.topics] });
      const done = new Map(committed.flatMap((t) => t.partitions.map((p) => [`${t.topic}/${p.partition}`, Number(p.offset)] as const)));
      let caughtUp = true;
      for (const topic of reader.topics) {
        for (const p of await admin.fetchTopicOffsets(topic)) {
          if (Number(p.high) > Math.max(0, done.get(`${topic}/${p.partition}`) ?? 0)) caughtUp = false;
        }
      }
      checks.caughtUp = caughtUp;
    } catch {
      // not reachable: reported below
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    const ok = checks.redis && checks.kafka && checks.caughtUp && (checks.reader === 'consuming' || checks.reader === 'off');
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
  app.get('/metrics', { schema: { hide: true } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  for (const [route, { file, type }] of Object.entries(DASHBOARD)) {
    const body = readFileSync(join(DASHBOARD_DIR, file));
    app.get(route, { schema: { hide: true } }, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
  }

  let trimTimer: NodeJS.Timeout | undefined;
  let guardTimer: NodeJS.Timeout | undefined;
  let guarding = false;
  const guard = async () => {
    if (guarding) return;
    guarding = true;
    try {
      for (const c of config.comparisons) {
        await checkRollback(c, modes.get(c.name) as ModeService, models.get(c.name) as ReadModel, { logger, counter: rollbacks });
      }
    } catch (error) {
      logger.warn({ err: error }, 'rollback guard');
    } finally {
      guarding = false;
    }
  };
  return {
    app,
    models,
    async start() {
      await ready;
      await redis.connect();
      if (readVerdicts) await reader.start();
      trimTimer = setInterval(() => {
        const { maxAge, maxCount, maxSeen } = config.api.retention;
        for (const model of models.values()) model.trim({ maxAgeMs: maxAge, maxCount, maxSeen }).catch((error: unknown) => logger.warn({ err: error }, 'retention'));
      }, trimIntervalMs);
      trimTimer.unref();
      guardTimer = setInterval(() => void guard(), rollbackIntervalMs);
      guardTimer.unref();
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
      await app.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
