import { execFileSync, spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { generateTlsMaterial, type TlsMaterial } from './tls-material.ts';
import { readPid, spawnDetached, stopProcess, tail, waitFor } from './process.ts';
import { REPO_ROOT, workDir } from './work-dir.ts';

export const DEFAULT_KAFKA_PORT = 9092;
const POM = join(REPO_ROOT, 'infra', 'kafka', 'pom.xml');

export interface KafkaStatus {
  readonly brokers: string;
  readonly serving: boolean;
  /** pid of the broker this project started, if it runs */
  readonly pid: number | undefined;
}

function kafkaPort(): number {
  return Number(process.env.SHADOWDIFF_KAFKA_PORT ?? DEFAULT_KAFKA_PORT);
}

/** The brokers to use: KAFKA_BROKERS if set, else the local broker's address. */
export function kafkaBrokers(): string {
  return process.env.KAFKA_BROKERS ?? `127.0.0.1:${kafkaPort()}`;
}

/**
 * Waits until the broker can serve consumer groups: on a fresh broker the first group request
 * creates __consumer_offsets and answers "coordinator not available" / "loading" until it is
 * ready. Asking once here keeps that start-up noise out of every client that follows.
 */
async function waitForGroupCoordinator(brokers: string, timeoutMs: number): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'shadowdiff-infra',
    brokers: brokers.split(','),
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    return await waitFor(async () => {
      try {
        await admin.describeGroups(['shadowdiff-infra-probe']);
        return true;
      } catch {
        return false;
      }
    }, timeoutMs, 250);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/** True when a broker at `brokers` answers a metadata request. */
export async function kafkaServing(brokers = kafkaBrokers(), timeoutMs = 3000): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'shadowdiff-infra',
    brokers: brokers.split(','),
    connectionTimeout: timeoutMs,
    requestTimeout: timeoutMs,
    logLevel: logLevel.NOTHING,
    retry: { retries: 0 },
  });
  const admin = kafka.admin();
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0 && cluster.controller !== null;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: '127.0.0.1', port });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Resolves the broker jars from Maven Central into .work/kafka/lib, once per version of the pom. */
export function resolveKafkaJars(log: (line: string) => void = () => undefined): string {
  const lib = workDir('kafka', 'lib');
  const stamp = join(lib, '.pom-sha1');
  const pomHash = createHash('sha1').update(readFileSync(POM)).digest('hex');
  if (existsSync(stamp) && readFileSync(stamp, 'utf8') === pomHash) return lib;
  log('resolving the Apache Kafka jars from Maven Central (first run only)…');
  for (const jar of readdirSync(lib)) if (jar.endsWith('.jar')) execFileSync('rm', ['-f', join(lib, jar)]);
  const result = spawnSync(
    'mvn',
    ['-q', '-B', '-Dstyle.color=never', '-f', POM, 'dependency:copy-dependencies', `-DoutputDirectory=${lib}`, '-DincludeScope=runtime'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || String(result.error ?? 'no output');
    throw new Error(`mvn could not resolve the Kafka jars from ${POM}:\n${output}`);
  }
  writeFileSync(stamp, pomHash);
  return lib;
}

/** What a broker with secured listeners offers, and the credentials its users have. */
export interface SecuredListeners {
  /** SASL_SSL (SCRAM-SHA-512, SCRAM-SHA-256 and unsecured-JWT OAUTHBEARER over TLS). */
  readonly saslSsl: string;
  /** SASL_PLAINTEXT with PLAIN. */
  readonly saslPlaintext: string;
  /** The CA that signed the broker's certificate (for 127.0.0.1 and localhost). */
  readonly caFile: string;
  readonly tls: TlsMaterial;
  /** A SCRAM user, with SCRAM-SHA-512 and SCRAM-SHA-256 credentials. */
  readonly scram: { readonly username: string; readonly password: string };
  /** A PLAIN user. */
  readonly plain: { readonly username: string; readonly password: string };
}

interface SecuredPorts {
  readonly saslSslPort: number;
  readonly saslPlaintextPort: number;
}

function securedListeners(dir: string, ports: SecuredPorts): SecuredListeners {
  const file = join(dir, 'credentials.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as SecuredListeners;
  const tls = generateTlsMaterial(join(dir, 'tls'), 'shadowdiff-kafka');
  const secured: SecuredListeners = {
    saslSsl: `127.0.0.1:${ports.saslSslPort}`,
    saslPlaintext: `127.0.0.1:${ports.saslPlaintextPort}`,
    caFile: tls.caFile,
    tls,
    scram: { username: 'shadowdiff-scram', password: randomBytes(12).toString('hex') },
    plain: { username: 'shadowdiff-plain', password: randomBytes(12).toString('hex') },
  };
  writeFileSync(file, JSON.stringify(secured, null, 2), { mode: 0o600 });
  return secured;
}

/** server.properties lines for the two secured listeners (the PLAINTEXT one stays for the broker itself). */
function securedConfig(secured: SecuredListeners): string[] {
  const jaas = (module: string, options = '') => `org.apache.kafka.common.security.${module} required${options};`;
  return [
    `listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512,SCRAM-SHA-256,OAUTHBEARER`,
    `listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    `listener.name.sasl_ssl.scram-sha-256.sasl.jaas.config=${jaas('scram.ScramLoginModule')}`,
    // Unsecured JWTs (alg none): what Kafka ships for trying OAUTHBEARER without an identity provider.
    `listener.name.sasl_ssl.oauthbearer.sasl.jaas.config=${jaas('oauthbearer.OAuthBearerLoginModule', ' unsecuredLoginStringClaim_sub="broker"')}`,
    `listener.name.sasl_ssl.ssl.keystore.type=PKCS12`,
    `listener.name.sasl_ssl.ssl.keystore.location=${secured.tls.pkcs12File}`,
    `listener.name.sasl_ssl.ssl.keystore.password=${secured.tls.pkcs12Password}`,
    `listener.name.sasl_ssl.ssl.key.password=${secured.tls.pkcs12Password}`,
    `listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN`,
    `listener.name.sasl_plaintext.plain.sasl.jaas.config=${jaas('plain.PlainLoginModule', ` user_${secured.plain.username}="${secured.plain.password}"`)}`,
    // A session lasts a minute: clients re-authenticate (OAUTHBEARER asks its provider again).
    'connections.max.reauth.ms=60000',
  ];
}

function writeServerConfig(dir: string, port: number, controller: number, secured?: SecuredListeners): string {
  const data = join(dir, 'data');
  const file = join(dir, 'server.properties');
  writeFileSync(
    file,
    [
      '# Written by infra/src/kafka.ts: one combined KRaft broker+controller for local use and tests.',
      'process.roles=broker,controller',
      'node.id=1',
      `controller.quorum.voters=1@127.0.0.1:${controller}`,
      ...(secured
        ? [
            `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller},SASL_SSL://${secured.saslSsl},SASL_PLAINTEXT://${secured.saslPlaintext}`,
            `advertised.listeners=PLAINTEXT://127.0.0.1:${port},SASL_SSL://${secured.saslSsl},SASL_PLAINTEXT://${secured.saslPlaintext}`,
            'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,SASL_PLAINTEXT:SASL_PLAINTEXT',
            ...securedConfig(secured),
          ]
        : [
            `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controller}`,
            `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
            'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
          ]),
      'controller.listener.names=CONTROLLER',
      'inter.broker.listener.name=PLAINTEXT',
      `log.dirs=${data}`,
      'num.partitions=3',
      'offsets.topic.replication.factor=1',
      'offsets.topic.num.partitions=6',
      'transaction.state.log.replication.factor=1',
      'transaction.state.log.min.isr=1',
      'share.coordinator.state.topic.replication.factor=1',
      'share.coordinator.state.topic.min.isr=1',
      'group.initial.rebalance.delay.ms=0',
      'auto.create.topics.enable=false',
      'delete.topic.enable=true',
      'log.retention.hours=24',
      'log.segment.bytes=67108864',
      '',
    ].join('\n'),
  );
  writeFileSync(
    join(dir, 'log4j2.properties'),
    [
      'status = warn',
      'appender.file.type = File',
      'appender.file.name = file',
      `appender.file.fileName = ${join(dir, 'server.log')}`,
      'appender.file.layout.type = PatternLayout',
      'appender.file.layout.pattern = [%d] %p %m (%c)%n',
      'rootLogger.level = info',
      'rootLogger.appenderRef.file.ref = file',
      'logger.kafka.name = kafka',
      'logger.kafka.level = warn',
      'logger.state.name = state.change.logger',
      'logger.state.level = warn',
      '',
    ].join('\n'),
  );
  return file;
}

/**
 * A KRaft cluster id: 16 random bytes, base64url without padding, as kafka-storage random-uuid
 * prints it. Like Kafka's own Uuid.randomUuid, never one that starts with "-": the storage tool
 * would read it as an option.
 */
export function clusterId(): string {
  for (;;) {
    const id = randomBytes(16).toString('base64url');
    if (!id.startsWith('-')) return id;
  }
}

export interface KafkaUpResult {
  readonly brokers: string;
  /** false when a healthy broker was already there and was reused */
  readonly started: boolean;
  /** The SASL_SSL and SASL_PLAINTEXT listeners, when they were asked for. */
  readonly secured?: SecuredListeners;
}

/**
 * Where a local broker listens and keeps its files. The default is the project's broker
 * (SHADOWDIFF_KAFKA_PORT or 9092, in .work/kafka); tests that stop and restart a broker run one
 * of their own on other ports and in another directory.
 */
export interface LocalKafka {
  readonly port?: number;
  /** Defaults to port + 1. */
  readonly controllerPort?: number;
  readonly dir?: string;
  /**
   * Also listen with SASL_SSL and SASL_PLAINTEXT on these ports: certificates from a throwaway
   * CA (openssl), a SCRAM user and a PLAIN user with random passwords, written in `dir`.
   */
  readonly secured?: SecuredPorts;
}

function local(options: LocalKafka) {
  const own = options.port !== undefined;
  const port = options.port ?? kafkaPort();
  return {
    port,
    controllerPort: options.controllerPort ?? port + 1,
    dir: options.dir ?? workDir('kafka'),
    brokers: own ? `127.0.0.1:${port}` : kafkaBrokers(),
    fromEnv: !own && process.env.KAFKA_BROKERS !== undefined,
  };
}

/**
 * Starts the local broker unless one already serves: resolves the jars, formats the storage on
 * first use, starts `kafka.Kafka` as a detached JVM and waits until it answers metadata requests
 * and serves consumer groups. A broker stopped by kafkaDown starts again on its data.
 */
export async function kafkaUp(
  log: (line: string) => void = () => undefined,
  timeoutMs = 90_000,
  options: LocalKafka = {},
): Promise<KafkaUpResult> {
  const { port, controllerPort, dir, brokers, fromEnv } = local(options);
  mkdirSync(dir, { recursive: true });
  const secured = options.secured ? securedListeners(dir, options.secured) : undefined;
  if (await kafkaServing(brokers)) return { brokers, started: false, ...(secured ? { secured } : {}) };
  if (fromEnv) throw new Error(`KAFKA_BROKERS=${brokers} does not answer; unset it to start a local broker`);
  mkdirSync(dir, { recursive: true });
  const pidFile = join(dir, 'kafka.pid');
  const logFile = join(dir, 'process.log');
  if (readPid(pidFile) === undefined && (await portOpen(port))) {
    throw new Error(`port ${port} is taken by something that is not a Kafka broker; set SHADOWDIFF_KAFKA_PORT`);
  }
  if (readPid(pidFile) === undefined) {
    const lib = resolveKafkaJars(log);
    const config = writeServerConfig(dir, port, controllerPort, secured);
    const classpath = `${lib}/*`;
    if (!existsSync(join(dir, 'data', 'meta.properties'))) {
      // SCRAM credentials live in the cluster metadata: the storage tool writes them at format time.
      const scram = secured
        ? ['SCRAM-SHA-512', 'SCRAM-SHA-256'].flatMap((m) => ['--add-scram', `${m}=[name=${secured.scram.username},password=${secured.scram.password}]`])
        : [];
      execFileSync('java', ['-cp', classpath, `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`, 'kafka.tools.StorageTool', 'format', '-t', clusterId(), '-c', config, ...scram], {
        stdio: ['ignore', 'ignore', 'inherit'],
      });
    }
    log(`starting Kafka on 127.0.0.1:${port}…`);
    spawnDetached(
      'java',
      [
        '-Xms256m',
        '-Xmx768m',
        '-XX:+UseG1GC',
        '-XX:MaxGCPauseMillis=20',
        '-Djava.awt.headless=true',
        `-Dlog4j2.configurationFile=${join(dir, 'log4j2.properties')}`,
        `-Dkafka.logs.dir=${dir}`,
        '-cp',
        classpath,
        'kafka.Kafka',
        config,
      ],
      logFile,
      pidFile,
    );
  }
  const ready = await waitFor(async () => {
    if (readPid(pidFile) === undefined) return true; // died: stop waiting, report below
    return kafkaServing(brokers, 2000);
  }, timeoutMs, 500);
  if (!ready || readPid(pidFile) === undefined || !(await waitForGroupCoordinator(brokers, timeoutMs))) {
    throw new Error(`Kafka did not start on ${brokers}. Last lines of ${logFile}:\n${tail(logFile)}\n${tail(join(dir, 'server.log'))}`);
  }
  return { brokers, started: true, ...(secured ? { secured } : {}) };
}

/** Stops the broker this project started (a reused one is left alone); its data stays. */
export async function kafkaDown(options: LocalKafka = {}): Promise<boolean> {
  return stopProcess(join(local(options).dir, 'kafka.pid'), 60_000);
}

export async function kafkaStatus(): Promise<KafkaStatus> {
  const brokers = kafkaBrokers();
  return { brokers, serving: await kafkaServing(brokers), pid: readPid(join(workDir('kafka'), 'kafka.pid')) };
}
