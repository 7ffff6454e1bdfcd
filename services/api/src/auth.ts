import { createHash, timingSafeEqual } from 'node:crypto';
import type { ApiRole, ApiToken } from '@shadowdiff/config';

/**
 * What a route needs: `public` (health, metrics, the dashboard's files, the API description),
 * `read` (any token, when reads are protected) or `operator` (an operator token, when any token
 * is configured). Every route declares it; one that does not is treated as `operator`.
 */
export type Access = 'public' | 'read' | 'operator';

export interface Principal {
  /** The token's name, recorded as the actor of what it changes; `anonymous` without tokens. */
  readonly name: string;
  readonly role: ApiRole | 'anonymous';
}

export type Decision =
  | { readonly ok: true; readonly principal: Principal }
  | { readonly ok: false; readonly status: 401 | 403; readonly message: string };

const ANONYMOUS: Principal = { name: 'anonymous', role: 'anonymous' };
/** `Bearer <token>`: the scheme in any case, one space, the token (RFC 6750's b64token characters). */
const BEARER = /^Bearer ([A-Za-z0-9\-._~+/]+=*)$/i;

/**
 * Checks bearer tokens against the configured ones in constant time: the presented token and
 * every configured one are reduced to SHA-256 digests of equal length and all of them are
 * compared, whichever matches, so neither a token's length nor its position leaks through timing.
 */
export function createAuthenticator(tokens: readonly ApiToken[], { protectReads }: { protectReads: boolean }) {
  const known = tokens.map((t) => ({ name: t.name, role: t.role, digest: createHash('sha256').update(t.value.reveal()).digest() }));

  function identify(authorization: string | string[] | undefined): Principal | undefined {
    if (typeof authorization !== 'string') return undefined;
    const match = BEARER.exec(authorization);
    if (!match) return undefined;
    const digest = createHash('sha256').update(match[1] as string).digest();
    let found: Principal | undefined;
    for (const t of known) {
      if (timingSafeEqual(digest, t.digest) && found === undefined) found = { name: t.name, role: t.role };
    }
    return found;
  }

  return {
    enabled: known.length > 0,
    decide(access: Access, authorization: string | string[] | undefined): Decision {
      if (known.length === 0 || access === 'public') return { ok: true, principal: ANONYMOUS };
      if (access === 'read' && !protectReads) return { ok: true, principal: identify(authorization) ?? ANONYMOUS };
      if (Array.isArray(authorization)) return { ok: false, status: 401, message: 'send one Authorization header, not several' };
      const principal = identify(authorization);
      if (!principal) {
        return { ok: false, status: 401, message: authorization === undefined ? 'a bearer token is required (Authorization: Bearer <token>)' : 'the bearer token is not one of the configured tokens' };
      }
      if (access === 'operator' && principal.role !== 'operator') {
        return { ok: false, status: 403, message: `token "${principal.name}" has the role ${principal.role}; this needs an operator token` };
      }
      return { ok: true, principal };
    },
  };
}

/** Host names always served: the loopback ones. */
const LOOPBACK = ['localhost', '127.0.0.1', '::1', '[::1]'];
const WILDCARDS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The Host allow-list against DNS rebinding: a page on another site whose name is made to point
 * at this API is refused, because its requests carry that site's name as Host. Loopback names and
 * `api.host` (unless it binds every interface) are always allowed; `api.allowedHosts` adds names,
 * with or without a port. With `api.host` on every interface and no allowed hosts, every Host is
 * served (the start-up log says so): name your hosts in that case.
 */
export function createHostCheck({ host, allowedHosts }: { host: string; allowedHosts: readonly string[] }) {
  const names = new Set<string>([...LOOPBACK, ...(WILDCARDS.has(host) ? [] : [host.toLowerCase()])]);
  const withPort = new Set<string>();
  for (const entry of allowedHosts) {
    const lower = entry.toLowerCase();
    if (/:\d+$/.test(lower) && !lower.endsWith(']')) withPort.add(lower);
    else names.add(lower);
  }
  const open = WILDCARDS.has(host) && allowedHosts.length === 0;
  return {
    open,
    allows(hostHeader: string | undefined): boolean {
      if (open) return true;
      if (hostHeader === undefined || hostHeader === '') return false;
      const lower = hostHeader.toLowerCase();
      if (withPort.has(lower)) return true;
      const name = lower.startsWith('[') ? lower.slice(0, lower.indexOf(']') + 1) : lower.replace(/:\d+$/, '');
      if (!/^(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(:\d{1,5})?$/.test(lower)) return false;
      return names.has(name);
    },
  };
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Who may call the route (see Access); undeclared means operator. */
    access?: Access;
  }
  interface FastifyRequest {
    /** Who the request authenticated as (set before any handler runs). */
    principal: Principal | null;
  }
}
