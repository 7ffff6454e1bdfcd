import { readFileSync } from 'node:fs';
import type { ConnectionOptions } from 'node:tls';
import type { SASLOptions } from 'kafkajs';
import { certificateProblem } from '@shadowdiff/errors';
import { KafkaError, KafkaErrorCode } from './errors.ts';

/** A credential that prints as where it came from (the config's `Secret`); only reveal() gives the value. */
export interface SecretLike {
  reveal(): string;
  readonly source: string;
}

/** Where an OAUTHBEARER token is read each time one is needed: an environment variable or a file a sidecar refreshes. */
export type TokenSource = { readonly env: string } | { readonly file: string };

/** SASL as the config gives it (`kafka.sasl`): secrets unrevealed until a connection needs them. */
export type KafkaSasl =
  | { readonly mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512'; readonly username: SecretLike; readonly password: SecretLike }
  | {
      readonly mechanism: 'oauthbearer';
      readonly token?: TokenSource | undefined;
      readonly tokenEndpoint?: string | undefined;
      readonly clientId?: SecretLike | undefined;
      readonly clientSecret?: SecretLike | undefined;
      readonly scope?: string | undefined;
    };

/** How a client connects: TLS (Node's options) and SASL, both optional. */
export interface KafkaSecurity {
  readonly ssl?: ConnectionOptions | undefined;
  readonly sasl?: KafkaSasl | undefined;
}

/** The listener kind a client with these settings can talk to, as Kafka names security protocols. */
export function securityProtocol({ ssl, sasl }: KafkaSecurity): 'PLAINTEXT' | 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL' {
  if (sasl) return ssl ? 'SASL_SSL' : 'SASL_PLAINTEXT';
  return ssl ? 'SSL' : 'PLAINTEXT';
}

/** `SASL_SSL, SCRAM-SHA-512, user from env KAFKA_USER`: what a client tried, never a credential. */
export function describeSecurity(security: KafkaSecurity): string {
  const protocol = securityProtocol(security);
  const { sasl } = security;
  if (!sasl) return protocol;
  const mechanism = sasl.mechanism.toUpperCase();
  if (sasl.mechanism !== 'oauthbearer') return `${protocol}, ${mechanism}, user from ${sasl.username.source}`;
  const from = sasl.token ? ('env' in sasl.token ? `env ${sasl.token.env}` : `file ${sasl.token.file}`) : `client credentials at ${sasl.tokenEndpoint}`;
  return `${protocol}, ${mechanism}, token from ${from}`;
}

/** Refresh a fetched token once this share of its lifetime has passed. */
const REFRESH_AT = 0.8;

/**
 * An OAuth 2 client-credentials grant (RFC 6749 §4.4, client_secret_basic): the token is kept
 * until 80 % of its `expires_in` has passed, then fetched again. kafkajs asks on every new
 * connection and re-authentication; concurrent asks share one request.
 */
function clientCredentials(endpoint: string, clientId: SecretLike, clientSecret: SecretLike, scope: string | undefined): () => Promise<string> {
  let cached: { value: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  const fetchToken = async (): Promise<string> => {
    const basic = Buffer.from(`${encodeURIComponent(clientId.reveal())}:${encodeURIComponent(clientSecret.reveal())}`).toString('base64');
    const body = new URLSearchParams({ grant_type: 'client_credentials', ...(scope ? { scope } : {}) });
    let response: Response;
    try {
      response = await fetch(endpoint, {
        method: 'POST',
        headers: { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
        signal: AbortSignal.timeout(10_000),
      });
    } catch (error) {
      throw new KafkaError(KafkaErrorCode.TOKEN_UNAVAILABLE, `the OAuth token endpoint ${endpoint} did not answer: ${(error as Error).message}`, { cause: error });
    }
    const json = (await response.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown } | undefined;
    if (!response.ok || typeof json?.access_token !== 'string' || json.access_token === '') {
      // 4xx: the client id or secret is wrong, retrying cannot help. The body may echo what was
      // sent, so only the status is said.
      throw new KafkaError(
        response.status >= 500 ? KafkaErrorCode.TOKEN_UNAVAILABLE : KafkaErrorCode.AUTH_FAILED,
        `the OAuth token endpoint ${endpoint} gave no access token (HTTP ${response.status}) for the client id from ${clientId.source}`,
      );
    }
    const lifetime = typeof json.expires_in === 'number' && json.expires_in > 0 ? json.expires_in * 1000 : 60_000;
    cached = { value: json.access_token, refreshAt: Date.now() + lifetime * REFRESH_AT };
    return json.access_token;
  };
  return () => {
    if (cached && Date.now() < cached.refreshAt) return Promise.resolve(cached.value);
    inFlight ??= fetchToken().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

function tokenFrom(source: TokenSource, env: Readonly<Record<string, string | undefined>>): () => Promise<string> {
  return async () => {
    const value = 'env' in source ? env[source.env] : readToken(source.file);
    const token = value?.trim();
    if (!token) {
      throw new KafkaError(KafkaErrorCode.AUTH_FAILED, `no OAUTHBEARER token in ${'env' in source ? `the environment variable ${source.env}` : `the file ${source.file}`}`);
    }
    return token;
  };
}

function readToken(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new KafkaError(KafkaErrorCode.AUTH_FAILED, `the OAUTHBEARER token file ${file} cannot be read (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** kafkajs's SASL options; secrets are revealed here and nowhere else. */
export function kafkajsSasl(sasl: KafkaSasl, env: Readonly<Record<string, string | undefined>> = process.env): SASLOptions {
  if (sasl.mechanism !== 'oauthbearer') return { mechanism: sasl.mechanism, username: sasl.username.reveal(), password: sasl.password.reveal() } as SASLOptions;
  const token = sasl.token
    ? tokenFrom(sasl.token, env)
    : clientCredentials(sasl.tokenEndpoint as string, sasl.clientId as SecretLike, sasl.clientSecret as SecretLike, sasl.scope);
  return { mechanism: 'oauthbearer', oauthBearerProvider: async () => ({ value: await token() }) };
}

/**
 * What a first connection's failure means, when it means something retrying cannot mend: an
 * untrusted or wrong certificate, refused credentials, a mechanism the listener does not offer.
 * Undefined for what may pass (a broker not up yet), which the caller retries as usual.
 */
export function classifyConnectFailure(error: unknown, brokers: readonly string[], security: KafkaSecurity): KafkaError | undefined {
  const where = `Kafka at ${brokers.join(',')} (${describeSecurity(security)})`;
  const chain: Array<{ name?: unknown; code?: unknown; message?: unknown; type?: unknown }> = [];
  for (let e: unknown = error, depth = 0; e !== null && typeof e === 'object' && depth < 10; depth += 1) {
    chain.push(e as never);
    e = (e as { cause?: unknown; originalError?: unknown }).cause ?? (e as { originalError?: unknown }).originalError;
  }
  const said = (e: { message?: unknown }) => String(e.message ?? '').slice(0, 300);
  const certificate = certificateProblem(error);
  if (certificate) {
    return new KafkaError(KafkaErrorCode.TLS_FAILED, `${where}: the broker's certificate is not trusted (${certificate}); check kafka.ssl.ca and kafka.ssl.servername`, { cause: error });
  }
  for (const e of chain) {
    if (e.name === 'KafkaJSSASLAuthenticationError') {
      return new KafkaError(KafkaErrorCode.AUTH_FAILED, `${where}: the broker refused the credentials (${said(e)})`, { cause: error });
    }
    if (e.type === 'UNSUPPORTED_SASL_MECHANISM' || e.type === 'ILLEGAL_SASL_STATE') {
      return new KafkaError(KafkaErrorCode.AUTH_FAILED, `${where}: the listener does not offer this mechanism (${said(e)}); check kafka.sasl.mechanism and the port`, { cause: error });
    }
    // A token endpoint that does not answer now is retried as usual.
    if (e.name === 'KafkaError' && e.code === KafkaErrorCode.TOKEN_UNAVAILABLE) return undefined;
    if (e.name === 'KafkaError' && e.code === KafkaErrorCode.AUTH_FAILED) return new KafkaError(KafkaErrorCode.AUTH_FAILED, `${where}: ${said(e)}`, { cause: error });
    if (typeof e.message === 'string' && /wrong version number|packet length too long|ssl3_get_record|tlsv1 alert|handshake failure|before secure TLS connection/i.test(e.message)) {
      return new KafkaError(KafkaErrorCode.TLS_FAILED, `${where}: TLS did not start (${said(e)}); is this listener TLS, and does it want a client certificate?`, { cause: error });
    }
  }
  // A refused OAUTHBEARER token is answered with an error challenge (RFC 7628) that kafkajs takes
  // for success; the broker then closes the connection at the next request.
  if (security.sasl?.mechanism === 'oauthbearer' && chain.some((e) => e.name === 'KafkaJSConnectionClosedError' || e.name === 'KafkaJSBrokerNotFound')) {
    return new KafkaError(KafkaErrorCode.AUTH_FAILED, `${where}: the broker did not accept the token (it closed the connection after authentication)`, { cause: error });
  }
  if (chain.some((e) => e.name === 'KafkaJSConnectionClosedError')) {
    return new KafkaError(
      KafkaErrorCode.LISTENER_MISMATCH,
      `${where}: the broker closed the connection at the handshake, so this listener wants another security protocol; set kafka.ssl and kafka.sasl as the listener says (PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL)`,
      { cause: error },
    );
  }
  return undefined;
}
