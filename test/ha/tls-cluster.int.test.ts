/**
 * A Redis Cluster reached over TLS only, with client certificates: the joiner opens it from
 * `redis.cluster` and `redis.tls` as it opens one server, pairs, and a certificate it cannot
 * trust is named at start-up.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '@shadowdiff/config';
import { generateTlsMaterial, type TlsMaterial } from '@shadowdiff/infra';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { StoreErrorCode, openRedis } from '@shadowdiff/store';
import { cleanUpPrefix, countByKind, createTopicPair, produceRecords, startTlsRedisCluster, stackYaml, testKafka, uniqueId, waitForVerdicts, type TlsRedisCluster } from '@shadowdiff/testing';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const id = uniqueId('tlscluster');
const brokers = inject('brokers');
const kafka = testKafka(brokers);
let material: TlsMaterial;
let cluster: TlsRedisCluster;
let joiner: Joiner | undefined;

beforeAll(async () => {
  material = generateTlsMaterial(mkdtempSync(join(tmpdir(), 'shadowdiff-tls-')));
  cluster = await startTlsRedisCluster(material);
}, 60_000);

afterAll(async () => {
  await joiner?.stop();
  const redis = openRedis({ kind: 'cluster', nodes: cluster.nodes, options: { tls: cluster.tls } });
  await cleanUpPrefix(kafka, redis, id).catch(() => undefined);
  redis.disconnect();
  await cluster?.stop();
});

const yaml = (ca: string) =>
  stackYaml(
    { brokers, redisUrl: '', prefix: id, redis: { kind: 'cluster', nodes: cluster.nodes, options: {} } },
    `  - { name: orders, old: { topic: ${id}.old }, new: { topic: ${id}.new }, key: { from: message-key }, window: 5s, maxWait: 5s }`,
    { redis: `tls: { ca: { file: "${ca}" }, cert: { file: "${material.clientCertFile}" }, key: { file: "${material.clientKeyFile}" } }` },
  );

describe('a Redis Cluster over TLS', () => {
  it('the joiner pairs on it with the CA and client certificate of redis.tls', async () => {
    await createTopicPair(kafka, id, { oldPartitions: 2, newPartitions: 2 });
    const t0 = Date.now() - 60_000;
    const records = (side: 'old' | 'new') => Array.from({ length: 100 }, (_, i) => ({ key: `o-${i}`, value: JSON.stringify({ n: side === 'new' && i % 10 === 0 ? -1 : i }), timestamp: String(t0 + i * 10) }));
    await produceRecords(kafka, `${id}.old`, records('old'));
    await produceRecords(kafka, `${id}.new`, records('new'));
    joiner = buildJoiner({ config: parseConfig(yaml(material.caFile), 'tls-cluster.yaml'), logger: pino({ level: 'warn' }), metricsPort: 0 });
    await joiner.start();
    const verdicts = await waitForVerdicts(kafka, id, 'orders', 100, 60_000);
    expect(countByKind(verdicts.values())).toEqual({ match: 90, mismatch: 10 });
  });

  it('a CA that did not sign the nodes: the joiner does not start, and names the certificate problem', async () => {
    const other = generateTlsMaterial(mkdtempSync(join(tmpdir(), 'shadowdiff-tls-other-')), 'another');
    const wrong = buildJoiner({ config: parseConfig(yaml(other.caFile), 'tls-cluster.yaml'), logger: pino({ level: 'silent' }), metricsPort: 0 });
    const refused = (await wrong.start().then(() => undefined, (e: unknown) => e)) as (Error & { code?: string }) | undefined;
    await wrong.stop().catch(() => undefined);
    expect(refused?.code, refused?.message).toBe(StoreErrorCode.TLS_FAILED);
  });
});
