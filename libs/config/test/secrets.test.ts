import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import { ConfigError, Secret, loadConfigFile, parseConfig, tlsConnectionOptions } from '../src/index.ts';

const COMPARISONS = `
comparisons:
  - name: payments
    old: { topic: payments.v1 }
    new: { topic: payments.v2 }
    window: 30s
`;

function refused(text: string, env: Record<string, string> = {}): ConfigError {
  try {
    parseConfig(text + COMPARISONS, 'shadowdiff.yaml', env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be refused');
}

describe('secrets in the configuration', () => {
  const PASSWORD = 'pa55-w0rd-that-must-never-print';

  it('reads { env } from the environment the loader is given and { file } relative to the config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sd-secrets-'));
    mkdirSync(join(dir, 'secrets'));
    writeFileSync(join(dir, 'secrets', 'viewer'), 'viewer-token\n');
    const file = join(dir, 'shadowdiff.yaml');
    writeFileSync(
      file,
      `kafka:
  brokers: ["b:9093"]
  sasl: { mechanism: scram-sha-512, username: { env: KAFKA_USER }, password: { env: KAFKA_PASSWORD } }
api:
  tokens:
    - { name: viewer, role: read, value: { file: secrets/viewer } }
${COMPARISONS}`,
    );
    const config = loadConfigFile(file, { KAFKA_USER: 'alice', KAFKA_PASSWORD: PASSWORD });
    const sasl = config.kafka.sasl;
    expect(sasl?.mechanism).toBe('scram-sha-512');
    if (sasl?.mechanism !== 'scram-sha-512') throw new Error('unreachable');
    expect(sasl.username.reveal()).toBe('alice');
    expect(sasl.password.reveal()).toBe(PASSWORD);
    // One trailing line break of a file is dropped (echo > file, mounted secrets).
    expect(config.api.tokens[0]?.value.reveal()).toBe('viewer-token');
    expect(config.api.tokens[0]?.value).toBeInstanceOf(Secret);

    // Printed, serialised or logged, a config shows where a secret comes from, never the value.
    const lines: string[] = [];
    const logger = pino({}, { write: (line: string) => lines.push(line) });
    logger.info({ config }, 'loaded');
    for (const text of [JSON.stringify(config), inspect(config, { depth: 10 }), String(sasl.password), lines.join('')]) {
      expect(text).not.toContain(PASSWORD);
      expect(text).not.toContain('viewer-token');
    }
    expect(JSON.stringify(config)).toContain('[secret from env KAFKA_PASSWORD]');
  });

  it('refuses a secret given inline, naming the path and the two accepted forms', () => {
    const error = refused(`kafka: { sasl: { mechanism: plain, username: { env: U }, password: "${PASSWORD}" } }\n`, { U: 'u' });
    expect(error.problems[0]?.path).toBe('kafka.sasl.password');
    expect(error.problems[0]?.expected).toContain('{ env: NAME } or { file: PATH }');
    expect(error.message).not.toContain(PASSWORD);
  });

  it.each([
    ['an inline OAUTHBEARER token', `kafka: { sasl: { mechanism: oauthbearer, token: "${PASSWORD}" } }`, 'kafka.sasl.token'],
    ['user:password where registry auth belongs', `schemaRegistry: { url: "http://r", auth: "user:${PASSWORD}" }`, 'schemaRegistry.auth'],
    ['user:password where SASL belongs', `kafka: { sasl: "user:${PASSWORD}" }`, 'kafka.sasl'],
    ['a bare token where the token list belongs', `api: { tokens: ["${PASSWORD}"] }`, 'api.tokens[0]'],
    ['a PEM where TLS options belong', `redis: { tls: "-----BEGIN ${PASSWORD}" }`, 'redis.tls'],
    ['a URL with credentials and the wrong scheme', `redis: { url: "http://u:${PASSWORD}@h" }`, 'redis.url'],
    ['a token endpoint with credentials', `kafka: { sasl: { mechanism: oauthbearer, tokenEndpoint: "https://id:${PASSWORD}@idp/t", clientId: { env: A }, clientSecret: { env: A } } }`, 'kafka.sasl.tokenEndpoint'],
  ])('refuses %s without quoting it', (_what, yaml, path) => {
    const error = refused(`${yaml}\n`, { A: 'a' });
    expect(error.problems.map((p) => p.path)).toContain(path);
    expect(error.message).not.toContain(PASSWORD);
  });

  it('refuses an API token a Bearer header cannot carry, without quoting it', () => {
    const error = refused(`api: { tokens: [ { name: ops, role: operator, value: { env: T } } ] }\n`, { T: `${PASSWORD} with spaces` });
    expect(error.problems[0]?.path).toBe('api.tokens[0].value');
    expect(error.problems[0]?.expected).toContain('env T');
    expect(error.message).not.toContain(PASSWORD);
  });

  it('names an unset variable and an unreadable file without printing anything secret', () => {
    const unset = refused('redis: { password: { env: REDIS_PASSWORD } }\n');
    expect(unset.problems[0]).toMatchObject({ path: 'redis.password', expected: 'the environment variable REDIS_PASSWORD to be set (not empty)', found: 'it unset or empty' });
    const missing = refused('api: { tokens: [ { name: ops, role: operator, value: { file: no/such/file } } ] }\n');
    expect(missing.problems[0]).toMatchObject({ path: 'api.tokens[0].value', found: 'ENOENT' });
    expect(missing.problems[0]?.expected).toContain('no/such/file');
  });

  it('SHADOWDIFF_API_TOKEN adds an operator token named operator; tokens need distinct names', () => {
    const config = parseConfig(COMPARISONS, 'shadowdiff.yaml', { SHADOWDIFF_API_TOKEN: 't0k' });
    expect(config.api.tokens.map((t) => [t.name, t.role, t.value.reveal()])).toEqual([['operator', 'operator', 't0k']]);
    expect(config.api.protectReads).toBe(true);
    const twice = refused('api: { tokens: [ { name: a, role: read, value: { env: T } }, { name: a, role: operator, value: { env: T } } ] }\n', { T: 'x' });
    expect(twice.problems[0]).toMatchObject({ path: 'api.tokens[1].name', expected: 'a name no other token has' });
  });

  it('TLS: verification on unless said otherwise, PEM material from secrets, a certificate needs its key', () => {
    const config = parseConfig('kafka: { ssl: true }\nredis: { tls: { ca: { env: CA }, servername: redis.internal } }\n' + COMPARISONS, 'shadowdiff.yaml', { CA: '-----BEGIN CERTIFICATE-----' });
    expect(tlsConnectionOptions(config.kafka.ssl)).toEqual({ rejectUnauthorized: true });
    expect(tlsConnectionOptions(config.redis.tls)).toEqual({ rejectUnauthorized: true, ca: '-----BEGIN CERTIFICATE-----', servername: 'redis.internal' });
    expect(tlsConnectionOptions(undefined)).toBeUndefined();
    const halfClient = refused('kafka: { ssl: { cert: { env: CERT } } }\n', { CERT: 'c' });
    expect(halfClient.problems[0]).toMatchObject({ path: 'kafka.ssl.key' });
  });

  it('OAUTHBEARER takes a token source or a client-credentials grant, not both and not neither', () => {
    const token = parseConfig('kafka: { sasl: { mechanism: oauthbearer, token: { file: /run/token } } }\n' + COMPARISONS, 'shadowdiff.yaml');
    expect(token.kafka.sasl).toEqual({ mechanism: 'oauthbearer', token: { file: '/run/token' } });
    expect(refused('kafka: { sasl: { mechanism: oauthbearer } }\n').problems[0]?.expected).toContain('token, or tokenEndpoint');
    expect(
      refused('kafka: { sasl: { mechanism: oauthbearer, token: { env: T }, tokenEndpoint: "https://idp/token", clientId: { env: T }, clientSecret: { env: T } } }\n', { T: 'x' }).problems[0]?.expected,
    ).toContain('not both');
    expect(refused('kafka: { sasl: { mechanism: kerberos } }\n').problems[0]?.path).toBe('kafka.sasl.mechanism');
  });
});
