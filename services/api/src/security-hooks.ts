import type { ShadowdiffConfig } from '@shadowdiff/config';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from 'pino';
import { createAuthenticator, createHostCheck, type Access, type Principal } from './auth.ts';
import { ApiError, ApiErrorCode } from './errors.ts';

/**
 * What every request passes before a route runs: security headers (a CSP that allows no inline
 * script), the Host check (DNS rebinding), UTF-8 bodies only, the bearer token its route's access
 * needs, and the rate limit the expensive reads opt into. Registered before any route.
 */
export function registerSecurityHooks(app: FastifyInstance, api: ShadowdiffConfig['api'], logger: Logger): void {
  const auth = createAuthenticator(api.tokens, { protectReads: api.protectReads });
  const hosts = createHostCheck({ host: api.host, allowedHosts: api.allowedHosts });
  if (hosts.open) logger.warn({ event: 'api.hosts_open' }, 'api.host binds every interface and api.allowedHosts is empty: every Host header is served; name your hosts in api.allowedHosts');

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
}
