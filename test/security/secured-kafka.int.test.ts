import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { buildApi, type Api } from '@shadowdiff/api';
import { createShadowClient } from '@shadowdiff/client';
import { loadConfigFile, type ShadowdiffConfig } from '@shadowdiff/config';
import { freePort, kafkaDown, kafkaUp, type LocalKafka, type SecuredListeners } from '@shadowdiff/infra';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { checkKafkaAccess, createKafka, KafkaErrorCode, type KafkaSasl } from '@shadowdiff/kafka';
import { cleanUpPrefix, createTopicPair, pollUntil, startJoinerProcess, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// A broker of the test's own with a SASL_SSL listener (SCRAM-SHA-512 over TLS, a certificate from
// a CA openssl made for this run) and a SASL_PLAINTEXT listener (PLAIN). Its PLAINTEXT listener
// serves only the test's own set-up (topics) and clean-up.
const KEYS = 200;
const CHANGED = new Set(Array.from({ length: 10 }, (_, i) => 7 + i * 19));
const READ_TOKEN = 'secured-kafka-read-token';

const broker: LocalKafka = {
  port: await freePort(),
  controllerPort: await freePort(),
  dir: mkdtempSync(join(tmpdir(), 'shadowdiff-secured-broker-')),
  secured: { saslSslPort: await freePort(), saslPlaintextPort: await freePort() },
};

/** Everything a component logged, at debug level, to search for secrets. */
function capture() {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  return { logger: pino({ level: 'debug' }, stream), text: () => lines.join('') };
}

interface Listener {
  readonly name: string;
  readonly brokers: string;
  /** The kafka: section, its secrets from files and the environment. */
  readonly yaml: string;
  /** The same, for the consumer library (which takes a kafkajs client). */
  readonly ssl: { ca: string } | undefined;
  readonly sasl: KafkaSasl;
  readonly password: string;
}

describe('Kafka through SASL_SSL (SCRAM-SHA-512) and SASL_PLAINTEXT (PLAIN) listeners', () => {
  const redisUrl = inject('redisUrl');
  const redis = new Redis(redisUrl);
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-secured-'));
  const prefixes: string[] = [];
  let secured: SecuredListeners;
  let plaintext: string;
  let listeners: Listener[];

  beforeAll(async () => {
    const up = await kafkaUp(() => undefined, 90_000, broker);
    plaintext = up.brokers;
    secured = up.secured as SecuredListeners;
    writeFileSync(join(dir, 'scram-password'), `${secured.scram.password}\n`);
    writeFileSync(join(dir, 'scram-user'), secured.scram.username);
    writeFileSync(join(dir, 'plain-password'), secured.plain.password);
    writeFileSync(join(dir, 'plain-user'), secured.plain.username);
    writeFileSync(join(dir, 'read-token'), READ_TOKEN);
    const secret = (value: string, source: string) => ({ reveal: () => value, source });
    listeners = [
      {
        name: 'SASL_SSL with SCRAM-SHA-512',
        brokers: secured.saslSsl,
        yaml: `{ brokers: ["${secured.saslSsl}"], ssl: { ca: { file: "${secured.caFile}" } }, sasl: { mechanism: scram-sha-512, username: { file: scram-user }, password: { file: scram-password } } }`,
        ssl: { ca: readFileSync(secured.caFile, 'utf8') },
        sasl: { mechanism: 'scram-sha-512', username: secret(secured.scram.username, 'test'), password: secret(secured.scram.password, 'test') },
        password: secured.scram.password,
      },
      {
        name: 'SASL_PLAINTEXT with PLAIN',
        brokers: secured.saslPlaintext,
        yaml: `{ brokers: ["${secured.saslPlaintext}"], sasl: { mechanism: plain, username: { env: TEST_PLAIN_USER }, password: { file: plain-password } } }`,
        ssl: undefined,
        sasl: { mechanism: 'plain', username: secret(secured.plain.username, 'test'), password: secret(secured.plain.password, 'test') },
        password: secured.plain.password,
      },
    ];
  });

  afterAll(async () => {
    if (plaintext) for (const prefix of prefixes) await cleanUpPrefix(testKafka(plaintext), redis, prefix);
    redis.disconnect();
    await kafkaDown(broker);
    rmSync(broker.dir as string, { recursive: true, force: true });
  });

  function configFor(listener: Listener, prefix: string, kafkaYaml = listener.yaml): ShadowdiffConfig {
    const file = join(dir, `${prefix}.yaml`);
    writeFileSync(
      file,
      `
kafka: ${kafkaYaml}
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner" }
api: { groupId: "${prefix}.api", tokens: [ { name: viewer, role: read, value: { file: read-token } } ] }
comparisons:
  - { name: orders, old: { topic: "${prefix}.old" }, new: { topic: "${prefix}.new" }, window: 2s, maxWait: 1m }
`,
    );
    return loadConfigFile(file, { TEST_PLAIN_USER: secured.plain.username });
  }

  for (const which of [0, 1]) {
    it(`${which === 0 ? 'SASL_SSL/SCRAM-SHA-512' : 'SASL_PLAINTEXT/PLAIN'}: the consumer library writes, the joiner decides, the API serves, and no log holds a secret`, async () => {
      const listener = listeners[which] as Listener;
      const prefix = uniqueId('secured');
      prefixes.push(prefix);
      await createTopicPair(testKafka(plaintext), prefix, { oldPartitions: 3, newPartitions: 3 });
      const config = configFor(listener, prefix);
      const joinerLog = capture();
      const apiLog = capture();
      let joiner: Joiner | undefined;
      let api: Api | undefined;
      const kafka = createKafka({ brokers: [listener.brokers], clientId: `${prefix}-app`, ssl: listener.ssl, sasl: listener.sasl });
      const client = createShadowClient({ redisUrl, kafka, keyPrefix: prefix, comparison: 'orders', oldTopic: `${prefix}.old`, newTopic: `${prefix}.new`, defaultMode: 'shadow' });
      try {
        await client.start();
        for (let i = 0; i < KEYS; i += 1) {
          await client.execute({
            key: `order-${i}`,
            control: async () => ({ orderId: i, total: 100 + i }),
            candidate: async () => ({ orderId: i, total: CHANGED.has(i) ? 101 + i : 100 + i }),
          });
        }
        await pollUntil(async () => client.stats().published, (n) => n >= 2 * KEYS, { what: 'the library to publish both outputs of every call' });

        joiner = buildJoiner({ config, logger: joinerLog.logger, metricsPort: 0 });
        await joiner.start();
        api = buildApi({ config, logger: apiLog.logger });
        await api.start();
        const totals = await pollUntil(
          async () => {
            const response = await (api as Api).app.inject({ method: 'GET', url: '/api/v1/comparisons', headers: { authorization: `Bearer ${READ_TOKEN}` } });
            return ((response.json() as { totals: Record<string, number> }[])[0]?.totals ?? {}) as Record<string, number>;
          },
          (t) => (t.match ?? 0) + (t.mismatch ?? 0) >= KEYS,
          { what: `the API to have read ${KEYS} verdicts through ${listener.name}`, timeoutMs: 90_000 },
        );
        expect({ match: totals.match, mismatch: totals.mismatch }).toEqual({ match: KEYS - CHANGED.size, mismatch: CHANGED.size });
      } finally {
        await client.stop();
        await joiner?.stop();
        await api?.stop();
      }
      // kafkajs logged its connections at debug level; neither the password nor the read token is there.
      for (const text of [joinerLog.text(), apiLog.text()]) {
        expect(text).toContain('"component":"kafkajs"');
        expect(text).not.toContain(listener.password);
        expect(text).not.toContain(READ_TOKEN);
      }
    });
  }

  it('OAUTHBEARER over SASL_SSL: a token read from a file whenever a connection needs one', async () => {
    const b64 = (o: object) => Buffer.from(JSON.stringify(o)).toString('base64url');
    const now = Math.floor(Date.now() / 1000);
    const tokenFile = join(dir, 'oauth-token');
    // An unsecured JWT (alg none): what Kafka's default OAUTHBEARER validator accepts.
    writeFileSync(tokenFile, `${b64({ alg: 'none' })}.${b64({ sub: 'shadowdiff-oauth', iat: now, exp: now + 600 })}.\n`);
    const security = { ssl: { ca: readFileSync(secured.caFile, 'utf8') }, sasl: { mechanism: 'oauthbearer', token: { file: tokenFile } } as const };
    await checkKafkaAccess({ brokers: [secured.saslSsl], ...security });
    const admin = createKafka({ brokers: [secured.saslSsl], ...security }).admin();
    await admin.connect();
    try {
      expect((await admin.describeCluster()).brokers).toHaveLength(1);
    } finally {
      await admin.disconnect();
    }
    writeFileSync(tokenFile, 'not-a-jwt');
    await expect(checkKafkaAccess({ brokers: [secured.saslSsl], ...security })).rejects.toMatchObject({ code: KafkaErrorCode.AUTH_FAILED });
  });

  it('a wrong password or an untrusted certificate stops start-up: the listener and the mechanism named, exit 1, nothing decided', async () => {
    const prefix = uniqueId('refused');
    prefixes.push(prefix);
    await createTopicPair(testKafka(plaintext), prefix, { oldPartitions: 1, newPartitions: 1 });
    writeFileSync(join(dir, 'wrong-password'), 'not-the-password');
    const yamlFor = (kafkaYaml: string) => `
kafka: ${kafkaYaml}
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner", metricsPort: 0 }
comparisons:
  - { name: orders, old: { topic: "${prefix}.old" }, new: { topic: "${prefix}.new" }, window: 2s }
`;
    const cases = [
      {
        kafka: `{ brokers: ["${secured.saslSsl}"], ssl: { ca: { file: "${secured.caFile}" } }, sasl: { mechanism: scram-sha-512, username: { file: "${join(dir, 'scram-user')}" }, password: { file: "${join(dir, 'wrong-password')}" } } }`,
        code: KafkaErrorCode.AUTH_FAILED,
        says: [secured.saslSsl, 'SASL_SSL', 'SCRAM-SHA-512', `user from file ${join(dir, 'scram-user')}`, 'refused the credentials'],
      },
      {
        kafka: `{ brokers: ["${secured.saslPlaintext}"], sasl: { mechanism: plain, username: { file: "${join(dir, 'plain-user')}" }, password: { file: "${join(dir, 'wrong-password')}" } } }`,
        code: KafkaErrorCode.AUTH_FAILED,
        says: [secured.saslPlaintext, 'SASL_PLAINTEXT', 'PLAIN', 'refused the credentials'],
      },
      {
        // The system's CAs do not know the test's CA.
        kafka: `{ brokers: ["${secured.saslSsl}"], ssl: true, sasl: { mechanism: scram-sha-512, username: { file: "${join(dir, 'scram-user')}" }, password: { file: "${join(dir, 'scram-password')}" } } }`,
        code: KafkaErrorCode.TLS_FAILED,
        says: [secured.saslSsl, 'SASL_SSL', 'SCRAM-SHA-512', 'not trusted'],
      },
    ];
    for (const { kafka, code, says } of cases) {
      const joiner = startJoinerProcess(yamlFor(kafka));
      expect(await joiner.exitWithin(30_000), joiner.output()).toBe(1);
      const output = joiner.output();
      expect(output).toContain(code);
      for (const text of says) expect(output).toContain(text);
      expect(output).not.toContain(secured.scram.password);
      expect(output).not.toContain(secured.plain.password);
    }
    // Nothing was decided: no verdict topic was made and the comparison's state is untouched.
    const admin = testKafka(plaintext).admin();
    await admin.connect();
    try {
      expect((await admin.listTopics()).filter((t) => t.startsWith(prefix)).sort()).toEqual([`${prefix}.new`, `${prefix}.old`]);
    } finally {
      await admin.disconnect();
    }
    expect(await redis.keys(`${prefix}:*`)).toEqual([]);

    // The API refuses to start the same way.
    const wrong = { ...(listeners[0] as Listener), yaml: cases[0]?.kafka as string };
    const api = buildApi({ config: configFor(wrong, prefix), logger: pino({ level: 'silent' }) });
    await expect(api.start()).rejects.toMatchObject({ code: KafkaErrorCode.AUTH_FAILED, retriable: false });
    await api.stop();
  });
});
