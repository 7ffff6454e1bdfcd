/**
 * On the Redis Cluster, each component as the least-privilege ACL user docs/security.md gives
 * (set on every node: a cluster does not share ACLs): the joiner (with waitForReplicas, so WAIT
 * too) and the API do their work, Redis's ACL LOG stays empty on every node, and a wrong password
 * is named at start-up.
 */
import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { StoreErrorCode, aclRules, type RedisComponent } from '@shadowdiff/store';
import { cleanUpPrefix, countByKind, createTopicPair, pollUntil, produceRecords, stackYaml, testKafka, testRedis, testRedisEndpoint, uniqueId, waitForVerdicts } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const id = uniqueId('clacl');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
const redis = testRedis();
const endpoint = testRedisEndpoint();
const nodes = endpoint.kind === 'cluster' ? endpoint.nodes : [];
const users = { joiner: `${id}-joiner`, api: `${id}-api` } as const;
const env = { J_USER: users.joiner, J_PASS: 'joiner-pw', A_USER: users.api, A_PASS: 'api-pw', A_TOKEN: 'read-token', WRONG: 'not-the-password' };
let joiner: Joiner | undefined;
let api: Api | undefined;

async function onEveryNode<T>(fn: (node: Redis) => Promise<T>): Promise<T[]> {
  return Promise.all(
    nodes.map(async (url) => {
      const node = new Redis(url);
      try {
        return await fn(node);
      } finally {
        node.disconnect();
      }
    }),
  );
}

beforeAll(async () => {
  expect(endpoint.kind).toBe('cluster');
  const add = (component: RedisComponent, name: string, password: string) =>
    onEveryNode((node) => node.call('ACL', 'SETUSER', name, 'reset', 'on', `>${password}`, ...aclRules(component, id)));
  await add('joiner', users.joiner, env.J_PASS);
  await add('api', users.api, env.A_PASS);
  await onEveryNode((node) => node.call('ACL', 'LOG', 'RESET'));
});

afterAll(async () => {
  await api?.stop();
  await joiner?.stop();
  await onEveryNode((node) => node.call('ACL', 'DELUSER', users.joiner, users.api));
  await cleanUpPrefix(kafka, redis, id);
  redis.disconnect();
});

const yaml = (user: string, password: string, extra = '') =>
  stackYaml(
    { brokers, redisUrl: '', prefix: id, redis: endpoint },
    `  - { name: orders, old: { topic: ${id}.old }, new: { topic: ${id}.new }, key: { from: message-key }, window: 5s, maxWait: 5s }`,
    { redis: `username: { env: ${user} }, password: { env: ${password} }${extra}`, api: 'tokens: [ { name: ci, role: read, value: { env: A_TOKEN } } ]' },
  );

describe('least-privilege ACL users on a Redis Cluster', () => {
  it('the joiner (WAIT included) and the API do their work as their users, and no node logs a refusal', async () => {
    await createTopicPair(kafka, id, { oldPartitions: 2, newPartitions: 2 });
    const t0 = Date.now() - 60_000;
    const records = (side: 'old' | 'new') => Array.from({ length: 200 }, (_, i) => ({ key: `o-${i}`, value: JSON.stringify({ n: side === 'new' && i % 20 === 0 ? -1 : i }), timestamp: String(t0 + i * 10) }));
    await produceRecords(kafka, `${id}.old`, records('old'));
    await produceRecords(kafka, `${id}.new`, records('new'));
    joiner = buildJoiner({ config: parseConfig(yaml('J_USER', 'J_PASS', ', waitForReplicas: { replicas: 1, timeout: 1s }'), 'acl.yaml', env), logger: pino({ level: 'warn' }), metricsPort: 0 });
    await joiner.start();
    const verdicts = await waitForVerdicts(kafka, id, 'orders', 200, 60_000);
    expect(countByKind(verdicts.values())).toEqual({ match: 190, mismatch: 10 });

    api = buildApi({ config: parseConfig(yaml('A_USER', 'A_PASS'), 'acl.yaml', env), logger: pino({ level: 'warn' }) });
    await api.start();
    const summary = await pollUntil(
      async () => (await api!.app.inject({ method: 'GET', url: '/api/v1/comparisons/orders/summary', headers: { authorization: 'Bearer read-token' } })).json() as { total: number; counts: Record<string, number> },
      (s) => s.total === 200,
      { what: "the API's read model to hold the 200 verdicts", timeoutMs: 60_000 },
    );
    expect(summary.counts).toEqual({ match: 190, mismatch: 10 });
    const refusals = (await onEveryNode((node) => node.call('ACL', 'LOG') as Promise<unknown[]>)).flat();
    expect(refusals).toEqual([]);
  });

  it('a wrong password: the joiner does not start, and says whose login Redis refused', async () => {
    const wrong = buildJoiner({ config: parseConfig(yaml('J_USER', 'WRONG'), 'acl.yaml', env), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const refused = (await wrong.start().then(() => undefined, (e: unknown) => e)) as (Error & { code?: string }) | undefined;
    await wrong.stop().catch(() => undefined);
    expect(refused?.code, refused?.message).toBe(StoreErrorCode.AUTH_FAILED);
    expect(refused?.message).toContain('env J_USER');
  });
});
