import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi, type Api } from '@shadowdiff/api';
import { createShadowClient, type ShadowClient } from '@shadowdiff/client';
import { loadConfigFile } from '@shadowdiff/config';
import { generateTlsMaterial } from '@shadowdiff/infra';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { StoreErrorCode, aclRules, type RedisComponent } from '@shadowdiff/store';
import { createTopicPair, deleteTopics, pollUntil, produceRecords, startJoinerProcess, startTlsRedis, testKafka, uniqueId, type TlsRedis } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// A Redis of the test's own that speaks only TLS, wants a client certificate from the test's CA,
// and lets each component in only as the ACL user docs/security.md describes (aclRules).
const KEYS = 300;
const CHANGED = new Set(Array.from({ length: 12 }, (_, i) => 5 + i * 23));
const OPERATOR = 'redis-acl-operator-token';

describe('Redis over TLS with a least-privilege ACL user per component', () => {
  const brokers = inject('brokers');
  const kafka = testKafka(brokers);
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-redis-acl-'));
  const tls = generateTlsMaterial(join(dir, 'tls'), 'shadowdiff-redis');
  const prefix = uniqueId('acl');
  let redis: TlsRedis;
  let admin: Redis;
  const passwords: Record<string, string> = {};

  /** An ACL user for `component` under the test's prefix, minus any rule in `without`. */
  async function addUser(name: string, component: RedisComponent, without: string[] = []): Promise<void> {
    passwords[name] = `${name}-password-${Math.random().toString(36).slice(2)}`;
    writeFileSync(join(dir, `${name}.password`), passwords[name]);
    writeFileSync(join(dir, `${name}.user`), name);
    const rules = aclRules(component, prefix).filter((r) => !without.includes(r));
    await admin.call('ACL', 'SETUSER', name, 'reset', 'on', `>${passwords[name]}`, ...rules);
  }

  function configFile(user: string, topicPrefix: string, comparison = 'orders'): string {
    const file = join(dir, `${user}-${topicPrefix}.yaml`);
    writeFileSync(
      file,
      `
kafka: { brokers: ["${brokers}"] }
redis:
  url: "${redis.url}"
  keyPrefix: "${prefix}"
  username: { file: ${user}.user }
  password: { file: ${user}.password }
  tls: { ca: { file: tls/ca.pem }, cert: { file: tls/client.pem }, key: { file: tls/client.key } }
topics: { prefix: "${topicPrefix}" }
joiner: { groupId: "${topicPrefix}.joiner", metricsPort: 0 }
api: { groupId: "${topicPrefix}.api", tokens: [ { name: release-bot, role: operator, value: { file: operator.token } } ] }
comparisons:
  - { name: ${comparison}, old: { topic: "${topicPrefix}.old" }, new: { topic: "${topicPrefix}.new" }, window: 2s, maxWait: 1m }
`,
    );
    return file;
  }

  beforeAll(async () => {
    writeFileSync(join(dir, 'operator.token'), OPERATOR);
    redis = await startTlsRedis(tls);
    admin = new Redis(redis.url, { tls: redis.tls, password: redis.adminPassword });
    await addUser('sd-joiner', 'joiner');
    await addUser('sd-api', 'api');
    await addUser('sd-client', 'client');
    await admin.call('ACL', 'LOG', 'RESET');
  });

  afterAll(async () => {
    const topicAdmin = kafka.admin();
    await topicAdmin.connect();
    await deleteTopics(topicAdmin, prefix).finally(() => topicAdmin.disconnect());
    admin?.disconnect();
    await redis?.stop();
  });

  it('the walking-skeleton flow passes with each component under its own user, and Redis refused nothing', async () => {
    const topics = `${prefix}-ok`;
    await createTopicPair(kafka, topics, { oldPartitions: 3, newPartitions: 3 });
    let client: ShadowClient | undefined;
    let joiner: Joiner | undefined;
    let api: Api | undefined;
    try {
      // The consumer library, as the client user: reads the mode, hears its changes.
      client = createShadowClient({
        redisUrl: redis.url,
        redisOptions: { username: 'sd-client', password: passwords['sd-client'] as string, tls: redis.tls },
        kafka,
        keyPrefix: prefix,
        comparison: 'orders',
        oldTopic: `${topics}.old`,
        newTopic: `${topics}.new`,
        defaultMode: 'shadow',
      });
      await client.start();
      for (let i = 0; i < KEYS; i += 1) {
        await client.execute({
          key: `order-${i}`,
          control: async () => ({ orderId: i, total: 10 + i }),
          candidate: async () => ({ orderId: i, total: CHANGED.has(i) ? 11 + i : 10 + i }),
        });
      }
      await pollUntil(async () => (client as ShadowClient).stats().published, (n) => n >= 2 * KEYS, { what: 'both outputs of every call published' });

      const env = {};
      joiner = buildJoiner({ config: loadConfigFile(configFile('sd-joiner', topics), env), logger: pino({ level: 'warn' }), metricsPort: 0 });
      await joiner.start();
      // Retention and the rollback guard run every 200 ms, so their commands are checked too.
      api = buildApi({ config: loadConfigFile(configFile('sd-api', topics), env), logger: pino({ level: 'warn' }), trimIntervalMs: 200, rollbackIntervalMs: 200 });
      await api.start();
      const auth = { authorization: `Bearer ${OPERATOR}` };
      const totals = await pollUntil(
        async () => ((await (api as Api).app.inject({ method: 'GET', url: '/api/v1/comparisons', headers: auth })).json() as { totals: Record<string, number> }[])[0]?.totals ?? {},
        (t) => (t.match ?? 0) + (t.mismatch ?? 0) >= KEYS,
        { what: `${KEYS} verdicts in the API's read model`, timeoutMs: 90_000 },
      );
      expect({ match: totals.match, mismatch: totals.mismatch }).toEqual({ match: KEYS - CHANGED.size, mismatch: CHANGED.size });
      const page = await api.app.inject({ method: 'GET', url: '/api/v1/comparisons/orders/discrepancies?limit=50', headers: auth });
      expect(page.statusCode).toBe(200);
      expect((page.json() as { items: unknown[] }).items).toHaveLength(CHANGED.size);
      expect((await api.app.inject({ method: 'GET', url: '/api/v1/comparisons/orders/fields', headers: auth })).statusCode).toBe(200);
      const latency = await api.app.inject({ method: 'GET', url: '/api/v1/comparisons/orders/latency', headers: auth });
      expect([latency.statusCode, (latency.json() as { pairs: number }).pairs]).toEqual([200, KEYS]);

      // A mode change through the API (its user writes the mode and announces it); the library hears it.
      const change = await api.app.inject({ method: 'PUT', url: '/api/v1/comparisons/orders/mode', headers: auth, payload: { mode: 'old', reason: 'acl test' } });
      expect(change.statusCode, change.body).toBe(200);
      await pollUntil(async () => (client as ShadowClient).mode, (m) => m === 'old', { what: 'the library to hear the mode change' });
      const history = await api.app.inject({ method: 'GET', url: '/api/v1/comparisons/orders/mode', headers: auth });
      expect(history.statusCode).toBe(200);
    } finally {
      await client?.stop();
      await joiner?.stop();
      await api?.stop();
    }
    // Nothing anybody did was refused: the grants are enough, not merely tolerated by retries.
    expect(await admin.call('ACL', 'LOG')).toEqual([]);
  });

  it('the API user cannot read the pending records (payloads in clear), nor the client user write the mode', async () => {
    const apiUser = new Redis(redis.url, { tls: redis.tls, username: 'sd-api', password: passwords['sd-api'] as string, maxRetriesPerRequest: 0 });
    const clientUser = new Redis(redis.url, { tls: redis.tls, username: 'sd-client', password: passwords['sd-client'] as string, maxRetriesPerRequest: 0 });
    try {
      await expect(apiUser.hgetall(`${prefix}:{orders}:pending:old`)).rejects.toThrow(/NOPERM/);
      await expect(apiUser.get(`${prefix}:{orders}:epoch`)).rejects.toThrow(/NOPERM/);
      await expect(apiUser.get(`other:{orders}:mode`)).rejects.toThrow(/NOPERM/);
      await expect(clientUser.set(`${prefix}:{orders}:mode`, 'new')).rejects.toThrow(/NOPERM/);
      await expect(clientUser.publish(`${prefix}:mode-changes`, 'x')).rejects.toThrow(/NOPERM/);
      expect(await clientUser.get(`${prefix}:{orders}:mode`)).toBe('old');
    } finally {
      apiUser.disconnect();
      clientUser.disconnect();
    }
  });

  it('under a joiner user missing one grant the joiner stops with a clear, non-retried error and exit 1', async () => {
    const topics = `${prefix}-noperm`;
    await createTopicPair(kafka, topics, { oldPartitions: 1, newPartitions: 1 });
    const records = Array.from({ length: 20 }, (_, i) => ({ key: `k${i}`, value: JSON.stringify({ i }) }));
    await produceRecords(kafka, `${topics}.old`, records);
    await produceRecords(kafka, `${topics}.new`, records);
    await addUser('sd-joiner-nohset', 'joiner', ['+hset']);
    const joiner = startJoinerProcess(readConfig(configFile('sd-joiner-nohset', topics, 'refunds')));
    expect(await joiner.exitWithin(60_000), joiner.output()).toBe(1);
    expect(joiner.output()).toContain(StoreErrorCode.NOPERM);
    // Redis 7.2 and later name the command (NOPERM … 'hset'); 7.0 says it of the script's call.
    expect(joiner.output()).toMatch(/NOPERM[^"]*hset|can't run this command/);
    expect(joiner.output()).toContain('docs/security.md');
    expect(joiner.output()).not.toContain(passwords['sd-joiner-nohset']);
  });
  it('a refused password stops the API, and no log line holds it (ioredis puts AUTH arguments on its errors)', async () => {
    const lines: string[] = [];
    const logger = pino({ level: 'debug' }, { write: (line: string) => void lines.push(line) });
    const wrong = 'wrong-acl-password-never-logged';
    writeFileSync(join(dir, 'sd-wrong.user'), 'sd-api');
    writeFileSync(join(dir, 'sd-wrong.password'), wrong);
    const api = buildApi({ config: loadConfigFile(configFile('sd-wrong', `${prefix}-wrong`), {}), logger });
    const refused = (await api.start().then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
    expect(refused?.code).toBe(StoreErrorCode.AUTH_FAILED);
    expect(refused.message).toContain('sd-wrong.user');
    expect(refused.message).toContain('WRONGPASS');
    await api.stop();
    expect(lines.join('')).toContain('"name":"auth"');
    expect(lines.join('')).not.toContain(wrong);
  });

  it('a Redis certificate the client does not trust stops the API with a clear error', async () => {
    const file = configFile('sd-api', `${prefix}-untrusted`).replace(/$/, '');
    // The same config without the CA: the system's CAs do not know the test's.
    writeFileSync(file, readFileSync(file, 'utf8').replace('ca: { file: tls/ca.pem }, ', ''));
    const api = buildApi({ config: loadConfigFile(file, {}), logger: pino({ level: 'silent' }) });
    const refused = (await api.start().then(() => undefined, (e: unknown) => e)) as Error & { code?: string };
    await api.stop();
    expect(refused?.code).toBe(StoreErrorCode.TLS_FAILED);
    expect(refused.message).toMatch(/not trusted \((SELF_SIGNED_CERT_IN_CHAIN|UNABLE_TO_VERIFY_LEAF_SIGNATURE|UNABLE_TO_GET_ISSUER_CERT_LOCALLY)\)/);
  });
});

/** A config for a joiner process: the same file, its relative secrets made absolute. */
function readConfig(file: string): string {
  const base = file.slice(0, file.lastIndexOf('/'));
  return readFileSync(file, 'utf8')
    .replace(/\{ file: ([^ }]+) \}/g, (_m, path: string) => `{ file: ${base}/${path} }`);
}
