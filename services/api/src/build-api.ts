import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { kafkaConnection, redisConnection, type ComparisonConfig, type ShadowdiffConfig } from '@shadowdiff/config';
import { checkKafkaAccess, createKafka } from '@shadowdiff/kafka';
import type { Admin } from 'kafkajs';
import { connectRedis, createDeadLetters, createModeRegistry, createReadModel, noPermission, type DeadLetters, type ReadModel } from '@shadowdiff/store';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import { ShadowdiffError, withoutCommandArgs } from '@shadowdiff/errors';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { Redis } from 'ioredis';
import { pino, stdSerializers, type Logger } from 'pino';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';
import { createAuthenticator, createHostCheck, type Access, type Principal } from './auth.ts';
import { ApiError, ApiErrorCode, codeForStatus, statusText } from './errors.ts';
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

/** How long one readiness computation answers /readyz, ms. */
const READINESS_CACHE_MS = 1000;

/** Our words for the framework's own refusals: never the parser's text, which may quote the body. */
function frameworkMessage(error: FastifyError, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the body is larger than the API takes (16 KiB)';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'the body must be application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'content-length does not match the body';
    default:
      if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'the body is not valid JSON (or holds a __proto__ or constructor key)';
      return status === 404 ? 'not found' : `the request was refused (${statusText(status)})`;
  }
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
  logger: givenLogger = pino({ name: 'shadowdiff-api' }),
  readVerdicts = true,
  trimIntervalMs = 60_000,
  rollbackIntervalMs = 5000,
  onFatal,
}: ApiOptions): Api {
  // Errors are logged without the arguments of the Redis command they carry (AUTH's password, a script's records).
  const logger = givenLogger.child({}, { serializers: { err: (error: Error) => withoutCommandArgs(stdSerializers.err(error)) } });
  const redisAt = redisConnection(config.redis);
  const redis = new Redis(redisAt.url, { ...redisAt.options, lazyConnect: true, maxRetriesPerRequest: 3 });
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
    // Errors the router raises before any route runs (a malformed percent-encoding) answer like every other error.
    frameworkErrors: (error, request, reply) => {
      void request;
      sendError(reply, new ApiError(ApiErrorCode.BAD_REQUEST, error.code === 'FST_ERR_BAD_URL' ? 'the URL is not well-formed (bad percent-encoding)' : 'the request could not be routed'));
    },
    // A request Node's HTTP parser refuses (malformed, headers too large) never reaches Fastify.
    clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
      if (!socket.writable) return socket.destroy();
      const refused = new ApiError(error.code === 'HPE_HEADER_OVERFLOW' ? ApiErrorCode.HEADERS_TOO_LARGE : ApiErrorCode.BAD_REQUEST, 'the HTTP request could not be parsed');
      const body = JSON.stringify(refused.toJSON());
      const status = refused.statusCode;
      socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
    },
  });
  const auth = createAuthenticator(config.api.tokens, { protectReads: config.api.protectReads });
  const hosts = createHostCheck({ host: config.api.host, allowedHosts: config.api.allowedHosts });
  if (hosts.open) logger.warn({ event: 'api.hosts_open' }, 'api.host binds every interface and api.allowedHosts is empty: every Host header is served; name your hosts in api.allowedHosts');

  function sendError(reply: FastifyReply, error: ApiError): void {
    if (error.statusCode === 429 || error.statusCode === 503) reply.header('retry-after', String(error.details?.retryAfterSeconds ?? 1));
    void reply.status(error.statusCode).type('application/json; charset=utf-8').send(error.toJSON());
  }

  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const message = `${fastifyError.validationContext ?? 'request'}${fastifyError.message.replace(/^[a-z]+/, '')}`;
      return sendError(reply, new ApiError(ApiErrorCode.BAD_REQUEST, message));
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // The framework's own refusals (FST_ERR_CTP_*, a JSON syntax error): a documented code and
      // a message of ours, never the parser's text (which may quote the body).
      return sendError(reply, new ApiError(codeForStatus(status), frameworkMessage(fastifyError, status)));
    }
    if (error instanceof ShadowdiffError && error.retriable) {
      logger.warn({ err: error, reqId: request.id }, 'request failed: a backend is unavailable');
      return sendError(reply, new ApiError(ApiErrorCode.UNAVAILABLE, `a backend is unavailable; retry (request ${request.id})`));
    }
    logger.error({ err: error, reqId: request.id }, 'request failed');
    return sendError(reply, new ApiError(ApiErrorCode.INTERNAL, `internal error; the API's log has the details (request ${request.id})`));
  });
  app.setNotFoundHandler((request, reply) => {
    const target = request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url;
    sendError(reply, new ApiError(ApiErrorCode.NOT_FOUND, `${request.method} ${target} is not a route`));
  });

  // Access by the route that matched, never by the URL's text: every spelling the router takes
  // for a protected route (percent-encoded, absolute-form) is that route, and is checked as it.
  // A route that declares no access needs an operator token (fail closed).
  app.decorateRequest('principal', null);
  app.addHook('onRoute', (route) => {
    const declared = (route.config as { access?: Access } | undefined)?.access;
    route.config = { ...(route.config as object | undefined), access: declared ?? 'operator' };
  });
  // Security headers on every answer; the dashboard runs under a CSP that allows no inline script.
  void app.register(helmet, {
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        connectSrc: ["'self'"],
        fontSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'none'"],
        frameAncestors: ["'none'"],
      },
    },
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    // The API is usually reached over plain HTTP on loopback or behind a TLS-terminating ingress:
    // HSTS is the ingress's to send.
    strictTransportSecurity: false,
  });
  // After helmet's own hook, so that a refusal (401, 403, 415) carries the security headers too.
  app.after(() => {
    app.addHook('onRequest', async (request: FastifyRequest) => {
      const access = (request.routeOptions.config as { access?: Access } | undefined)?.access ?? 'public';
      const probe = request.routeOptions.url === '/healthz' || request.routeOptions.url === '/readyz';
      if (!probe && !hosts.allows(request.headers.host)) {
        throw new ApiError(ApiErrorCode.HOST_NOT_ALLOWED, 'the Host header is not one this API serves (api.allowedHosts)');
      }
      // JSON is UTF-8 (RFC 8259): a body declared in another charset is not read as if it were.
      const charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(request.headers['content-type'] ?? '')?.[1];
      if (charset !== undefined && !/^utf-?8$/i.test(charset)) {
        throw new ApiError(ApiErrorCode.UNSUPPORTED_MEDIA_TYPE, 'the body must be application/json in UTF-8');
      }
      const decision = auth.decide(access, request.headers.authorization);
      if (!decision.ok) throw new ApiError(decision.status === 401 ? ApiErrorCode.UNAUTHORIZED : ApiErrorCode.FORBIDDEN, decision.message);
      (request as FastifyRequest & { principal: Principal }).principal = decision.principal;
    });
  });
  void app.register(rateLimit, {
    global: false,
    keyGenerator: (request) => request.ip,
    errorResponseBuilder: (_request, context) =>
      new ApiError(ApiErrorCode.RATE_LIMITED, `more than ${context.max} expensive reads in ${context.after}; retry later`, { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });

  const ready = app.register(async (instance) => {
    await instance.register(swagger, {
      openapi: {
        info: { title: 'shadowdiff API', version: '1', description: 'Discrepancies, summaries, fields and modes of shadowdiff comparisons.' },
        components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      },
    });
    registerRoutes(instance, { comparisons, models, modes, deadLetters, rateLimit: { max: config.api.rateLimit.max, timeWindow: config.api.rateLimit.window } });
    instance.get('/openapi.json', { schema: { hide: true }, config: { access: 'public' } }, async () => instance.swagger());
  });

  // Healthy while the verdict reader consumes, or waits for topics no joiner has created yet;
  // 503 while kafkajs restarts its consumer and once it gave up (nothing is read any more).
  app.get('/healthz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const state = readVerdicts ? reader.state() : 'consuming';
    const healthy = state === 'consuming' || state === 'waiting' || state === 'idle';
    return reply.status(healthy ? 200 : 503).send({ status: healthy ? 'ok' : state, reader: state });
  });
  // Readiness is asked often (every probe period, by every probe): one Kafka admin connection
  // kept open, one computation shared by concurrent calls, its result reused for a second.
  let admin: Admin | undefined;
  let readiness: { at: number; result: Promise<{ ok: boolean; checks: Record<string, unknown> }> } | undefined;
  const computeReadiness = async () => {
    const checks = { redis: false, kafka: false, caughtUp: false, reader: readVerdicts ? reader.state() : 'off' };
    checks.redis = await redis.ping().then(() => true, () => false);
    try {
      if (!admin) {
        const fresh = kafka.admin();
        await fresh.connect();
        admin = fresh;
      }
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
      // Not reachable (reported below); the next computation connects anew.
      const broken = admin;
      admin = undefined;
      await broken?.disconnect().catch(() => undefined);
    }
    const ok = checks.redis && checks.kafka && checks.caughtUp && (checks.reader === 'consuming' || checks.reader === 'off');
    return { ok, checks };
  };
  app.get('/readyz', { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => {
    const now = Date.now();
    if (!readiness || now - readiness.at > READINESS_CACHE_MS) readiness = { at: now, result: computeReadiness() };
    const { ok, checks } = await readiness.result;
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'not ready', checks });
  });
  // Counts and latencies, no payloads: a Prometheus scrape sends a read token when reads are protected.
  app.get('/metrics', { schema: { hide: true }, config: { access: 'read' } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
  for (const [route, { file, type }] of Object.entries(DASHBOARD)) {
    const body = readFileSync(join(DASHBOARD_DIR, file));
    app.get(route, { schema: { hide: true }, config: { access: 'public' } }, async (_request, reply) => reply.type(type).header('cache-control', 'no-cache').send(body));
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
      await admin?.disconnect().catch(() => undefined);
      await app.close();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
