import { readFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { CodecErrorCode, createRegistryClient } from '@shadowdiff/codec';
import { generateTlsMaterial } from '@shadowdiff/infra';
import { cleanUpPrefix, createTopicPair, produceRecords, readAll, startJoinerProcess, testKafka, uniqueId, pollUntil, scrapeMetric, sumWhere } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// The real registry behind an HTTPS front that wants HTTP basic authentication, as Confluent
// Cloud's registry does (Apicurio's own authentication needs an OpenID provider).
const USER = 'registry-key';
const PASSWORD = 'registry-secret-do-not-print';
const KEYS = 30;

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shadowdiff.security',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'total', type: 'long' },
  ],
};

describe('the schema registry with basic auth over TLS', () => {
  const id = uniqueId('registry');
  const brokers = inject('brokers');
  const redisUrl = inject('redisUrl');
  const registryUrl = inject('registryUrl');
  const kafka = testKafka(brokers);
  const redis = new Redis(redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-registry-auth-'));
  const tls = generateTlsMaterial(join(dir, 'tls'), 'shadowdiff-registry');
  /** What the front answers: the registry's answer (with the right credentials), or a refusal for everyone. */
  let refuseAll: 403 | undefined;
  const seen: { authorized: boolean }[] = [];
  let front: Server;
  let frontUrl: string;
  const direct = createRegistryClient(registryUrl);

  beforeAll(async () => {
    const target = new URL(registryUrl);
    front = createServer({ key: readFileSync(tls.keyFile), cert: readFileSync(tls.certFile) }, (req, res) => {
      const authorized = req.headers.authorization === `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}`;
      seen.push({ authorized });
      if (refuseAll || !authorized) {
        res.writeHead(refuseAll ?? 401, { 'content-type': 'application/json', ...(refuseAll ? {} : { 'www-authenticate': 'Basic realm="registry"' }) });
        res.end(JSON.stringify({ error_code: refuseAll ?? 401, message: 'Unauthorized' }));
        return;
      }
      const upstream = httpRequest(
        { host: target.hostname, port: target.port, method: req.method, path: `${target.pathname}${req.url ?? ''}`, headers: { ...req.headers, host: target.host } },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      upstream.on('error', () => res.writeHead(502).end());
      req.pipe(upstream);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    frontUrl = `https://127.0.0.1:${(front.address() as AddressInfo).port}`;
    writeFileSync(join(dir, 'user'), USER);
    writeFileSync(join(dir, 'password'), `${PASSWORD}\n`);
    writeFileSync(join(dir, 'wrong'), 'not-the-secret');
  });

  afterAll(async () => {
    await new Promise((resolve) => front.close(resolve));
    await cleanUpPrefix(kafka, redis, id);
    redis.disconnect();
  });

  const yaml = (prefix: string, registry: string) => `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
schemaRegistry: ${registry}
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner", metricsPort: 0 }
comparisons:
  - { name: orders, old: { topic: "${prefix}.old", codec: json }, new: { topic: "${prefix}.new", codec: schema-registry }, window: 1m, maxWait: 10m }
`;
  const registryYaml = (password: string, ca = `tls: { ca: { file: "${tls.caFile}" } }`) =>
    `{ url: "${frontUrl}", auth: { username: { file: "${join(dir, 'user')}" }, password: { file: "${join(dir, password)}" } }${ca ? `, ${ca}` : ''} }`;

  async function produce(prefix: string, subject: string, schema: object, first = 0) {
    const { id: schemaId } = await direct.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    const order = (i: number) => ({ orderId: `order-${i}`, total: 100 + i });
    await produceRecords(kafka, `${prefix}.old`, Array.from({ length: KEYS }, (_, i) => ({ key: `order-${first + i}`, value: JSON.stringify(order(first + i)) })));
    const values = await Promise.all(Array.from({ length: KEYS }, (_, i) => direct.encode(schemaId, order(first + i))));
    await produceRecords(kafka, `${prefix}.new`, values.map((value, i) => ({ key: `order-${first + i}`, value })));
  }

  it('decodes through the authenticated front with the CA it was given; the password is in no log', async () => {
    const prefix = `${id}-ok`;
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    await produce(prefix, `${prefix}.new-value`, ORDER);
    seen.length = 0;
    const joiner = startJoinerProcess(yaml(prefix, registryYaml('password')));
    try {
      const metrics = await joiner.metricsUrl();
      const matched = await pollUntil(
        async () => sumWhere(await scrapeMetric(metrics, 'shadowdiff_verdicts_total'), { comparison: 'orders', verdict: 'match' }),
        (n) => n >= KEYS,
        { what: `${KEYS} matches decoded through the front`, timeoutMs: 60_000 },
      );
      expect(matched).toBe(KEYS);
    } finally {
      joiner.child.kill('SIGTERM');
      await joiner.exited;
    }
    expect(seen.length).toBeGreaterThan(0);
    expect(seen.every((s) => s.authorized)).toBe(true);
    expect(joiner.output()).not.toContain(PASSWORD);
  });

  it('a wrong password or an untrusted certificate stops start-up with a clear error and exit 1, not an endless retry', async () => {
    const prefix = `${id}-refused`;
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    for (const { registry, code, says } of [
      { registry: registryYaml('wrong'), code: CodecErrorCode.REGISTRY_UNAUTHORIZED, says: [frontUrl, 'HTTP 401', 'schemaRegistry.auth'] },
      { registry: registryYaml('password', ''), code: CodecErrorCode.REGISTRY_TLS_FAILED, says: [frontUrl, 'not trusted', 'schemaRegistry.tls.ca'] },
    ]) {
      const joiner = startJoinerProcess(yaml(prefix, registry));
      expect(await joiner.exitWithin(60_000), joiner.output()).toBe(1);
      expect(joiner.output()).toContain(code);
      for (const text of says) expect(joiner.output()).toContain(text);
      expect(joiner.output()).not.toContain(PASSWORD);
    }
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);
  });

  it('credentials refused after start-up stop the joiner; no record is called invalid for it', async () => {
    const prefix = `${id}-revoked`;
    await createTopicPair(kafka, prefix, { oldPartitions: 1, newPartitions: 1 });
    const joiner = startJoinerProcess(yaml(prefix, registryYaml('password')));
    try {
      await joiner.metricsUrl();
      refuseAll = 403;
      // A schema the joiner has not cached: it must ask, and is refused.
      await produce(prefix, `${prefix}.new-value`, { ...ORDER, name: 'Order2' });
      expect(await joiner.exitWithin(60_000), joiner.output()).toBe(1);
    } finally {
      refuseAll = undefined;
    }
    expect(joiner.output()).toContain(CodecErrorCode.REGISTRY_UNAUTHORIZED);
    expect(joiner.output()).toContain('HTTP 403');
    const verdicts = await readAll<{ verdict: string }>(kafka, [`${prefix}.orders.matches`, `${prefix}.orders.mismatches`]);
    expect(verdicts.filter((v) => v.verdict.startsWith('invalid'))).toEqual([]);
  });
});
