import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KafkaError, KafkaErrorCode, classifyConnectFailure, describeSecurity, kafkajsSasl, securityProtocol, type KafkaSasl } from '../src/index.ts';

const secret = (value: string, source: string) => ({ reveal: () => value, source });

describe('OAUTHBEARER with a client-credentials grant', () => {
  const seen: { authorization: string | undefined; body: string }[] = [];
  let status = 200;
  let base = '';
  const server = createServer((request: IncomingMessage, response) => {
    let body = '';
    request.on('data', (d: Buffer) => (body += d.toString()));
    request.on('end', () => {
      seen.push({ authorization: request.headers.authorization, body });
      response.writeHead(status, { 'content-type': 'application/json' });
      response.end(status === 200 ? JSON.stringify({ access_token: `token-${seen.length}`, expires_in: 3600 }) : JSON.stringify({ error: 'invalid_client', echoed: body }));
    });
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/token`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const sasl = (): KafkaSasl => ({ mechanism: 'oauthbearer', tokenEndpoint: base, clientId: secret('app:one', 'env CID'), clientSecret: secret('s3cr=t', 'file /s'), scope: 'kafka' });
  const provider = (s: KafkaSasl) => (kafkajsSasl(s) as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;

  it('asks the endpoint with client_secret_basic, keeps the token for most of its lifetime, and shares one request', async () => {
    seen.length = 0;
    status = 200;
    const ask = provider(sasl());
    const [a, b] = await Promise.all([ask(), ask()]);
    expect(a).toEqual({ value: 'token-1' });
    expect(b).toEqual({ value: 'token-1' });
    expect(await ask()).toEqual({ value: 'token-1' });
    expect(seen).toHaveLength(1);
    expect(seen[0]?.authorization).toBe(`Basic ${Buffer.from(`${encodeURIComponent('app:one')}:${encodeURIComponent('s3cr=t')}`).toString('base64')}`);
    expect(new URLSearchParams(seen[0]?.body)).toEqual(new URLSearchParams({ grant_type: 'client_credentials', scope: 'kafka' }));
  });

  it('an endpoint that fails now (5xx) is retriable, not refused credentials', async () => {
    status = 503;
    const error = await provider(sasl())().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: KafkaErrorCode.TOKEN_UNAVAILABLE, retriable: true });
  });

  it('a refused client is a non-retriable error that names the endpoint and where the id came from, never the secret or the body', async () => {
    status = 401;
    const error = await provider(sasl())().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: KafkaErrorCode.AUTH_FAILED, retriable: false });
    const message = (error as Error).message;
    expect(message).toContain(base);
    expect(message).toContain('HTTP 401');
    expect(message).toContain('env CID');
    expect(message).not.toContain('s3cr');
    expect(message).not.toContain('grant_type');
  });
});

describe('what a first connection failure means', () => {
  const scram: KafkaSasl = { mechanism: 'scram-sha-512', username: secret('u', 'env KAFKA_USER'), password: secret('p4ss', 'file /run/p') };
  const brokers = ['b1:9093'];

  it('names the protocol, the mechanism and where the credential came from', () => {
    expect(securityProtocol({})).toBe('PLAINTEXT');
    expect(securityProtocol({ ssl: {} })).toBe('SSL');
    expect(securityProtocol({ sasl: scram })).toBe('SASL_PLAINTEXT');
    expect(describeSecurity({ ssl: {}, sasl: scram })).toBe('SASL_SSL, SCRAM-SHA-512, user from env KAFKA_USER');
    expect(describeSecurity({ ssl: {}, sasl: { mechanism: 'oauthbearer', token: { file: '/t' } } })).toBe('SASL_SSL, OAUTHBEARER, token from file /t');
  });

  it('refused credentials, an untrusted certificate, a plaintext listener and a closed handshake are each named; a broker not up yet is not', () => {
    const sasl = Object.assign(new Error('SASL SCRAM SHA512 authentication failed: invalid credentials'), { name: 'KafkaJSSASLAuthenticationError' });
    expect(classifyConnectFailure(sasl, brokers, { ssl: {}, sasl: scram })).toMatchObject({ code: KafkaErrorCode.AUTH_FAILED, retriable: false });
    const cert = Object.assign(new Error('Connection error: self-signed certificate in certificate chain'), { name: 'KafkaJSConnectionError', code: 'SELF_SIGNED_CERT_IN_CHAIN' });
    const wrapped = Object.assign(new Error('retries exceeded'), { name: 'KafkaJSNumberOfRetriesExceeded', cause: cert });
    expect(classifyConnectFailure(wrapped, brokers, { ssl: {}, sasl: scram })?.message).toBe(
      "Kafka at b1:9093 (SASL_SSL, SCRAM-SHA-512, user from env KAFKA_USER): the broker's certificate is not trusted (SELF_SIGNED_CERT_IN_CHAIN); check kafka.ssl.ca and kafka.ssl.servername",
    );
    const plain = Object.assign(new Error('Connection error: Client network socket disconnected before secure TLS connection was established'), { name: 'KafkaJSConnectionError' });
    expect(classifyConnectFailure(plain, brokers, { ssl: {} })).toMatchObject({ code: KafkaErrorCode.TLS_FAILED });
    const closed = Object.assign(new Error('Closed connection'), { name: 'KafkaJSConnectionClosedError' });
    expect(classifyConnectFailure(closed, brokers, {})).toMatchObject({ code: KafkaErrorCode.LISTENER_MISMATCH });
    expect(classifyConnectFailure(closed, brokers, { sasl: { mechanism: 'oauthbearer', token: { env: 'T' } } })).toMatchObject({ code: KafkaErrorCode.AUTH_FAILED });
    const refused = Object.assign(new Error('Connection error: connect ECONNREFUSED 127.0.0.1:9093'), { name: 'KafkaJSConnectionError', code: 'ECONNREFUSED' });
    expect(classifyConnectFailure(refused, brokers, { ssl: {}, sasl: scram })).toBeUndefined();
    const oauth = { ssl: {}, sasl: { mechanism: 'oauthbearer', token: { file: '/t' } } } as const;
    const noToken = new KafkaError(KafkaErrorCode.AUTH_FAILED, 'no OAUTHBEARER token in the file /t');
    expect(classifyConnectFailure(Object.assign(new Error('wrapped'), { cause: noToken }), brokers, oauth)?.message).toBe('Kafka at b1:9093 (SASL_SSL, OAUTHBEARER, token from file /t): no OAUTHBEARER token in the file /t');
    const endpointDown = new KafkaError(KafkaErrorCode.TOKEN_UNAVAILABLE, 'the OAuth token endpoint did not answer');
    expect(classifyConnectFailure(endpointDown, brokers, oauth)).toBeUndefined();
    for (const e of [sasl, wrapped, plain, closed]) expect(classifyConnectFailure(e, brokers, { ssl: {}, sasl: scram })?.message ?? '').not.toContain('p4ss');
  });

  it('a token from the environment or a file is read each time; an empty one is refused', async () => {
    const env: Record<string, string> = { T: 'first' };
    const ask = (kafkajsSasl({ mechanism: 'oauthbearer', token: { env: 'T' } }, env) as { oauthBearerProvider: () => Promise<{ value: string }> }).oauthBearerProvider;
    expect(await ask()).toEqual({ value: 'first' });
    env.T = 'second\n';
    expect(await ask()).toEqual({ value: 'second' });
    env.T = ' ';
    await expect(ask()).rejects.toMatchObject({ code: KafkaErrorCode.AUTH_FAILED, message: 'no OAUTHBEARER token in the environment variable T' });
  });
});
