import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { askRedis, freePort, redisServing, type TlsMaterial } from '@shadowdiff/infra';
import { pollUntil } from './poll.ts';

export interface TestRedis {
  readonly url: string;
  /** Stops the server as a restart would (SIGTERM: with AOF on, it syncs the file first). */
  stop(): Promise<void>;
  /** Starts it again on the same port and directory (with AOF, the state comes back). */
  start(): Promise<void>;
}

/** A redis-server of the test's own, on a free port, with AOF on or off, in a fresh directory. */
export async function startTestRedis({ aof }: { aof: boolean }): Promise<TestRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-redis-'));
  const url = `redis://127.0.0.1:${port}`;
  let child: ChildProcess | undefined;
  const args = ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', aof ? 'yes' : 'no', '--appendfsync', 'always'];
  const start = async () => {
    child = spawn('redis-server', args, { stdio: 'ignore' });
    await pollUntil(() => redisServing(url, 500), (up) => up, { what: `redis-server on ${port}`, timeoutMs: 15_000 });
  };
  const stop = async () => {
    const running = child;
    if (!running || running.exitCode !== null) return;
    const exited = new Promise((resolve) => running.once('exit', resolve));
    running.kill('SIGTERM');
    await exited;
  };
  await start();
  return { url, start, stop };
}

export interface TlsRedis {
  /** `rediss://127.0.0.1:<port>`: TLS only, a client certificate signed by the test CA required. */
  readonly url: string;
  /** The default user's password (the only one that may do anything at first). */
  readonly adminPassword: string;
  /** Node's TLS options for a client of this server (the CA, the client certificate and key). */
  readonly tls: { ca: string; cert: string; key: string };
  stop(): Promise<void>;
}

/**
 * A redis-server of the test's own that speaks only TLS and wants a client certificate, with a
 * password on the default user (ACL users are added with ACL SETUSER).
 */
export async function startTlsRedis(material: TlsMaterial): Promise<TlsRedis> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-redis-tls-'));
  const adminPassword = randomBytes(12).toString('hex');
  const child = spawn(
    'redis-server',
    [
      '--bind', '127.0.0.1', '--port', '0', '--tls-port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no',
      '--tls-cert-file', material.certFile, '--tls-key-file', material.keyFile, '--tls-ca-cert-file', material.caFile, '--tls-auth-clients', 'yes',
      '--requirepass', adminPassword,
    ],
    { stdio: 'ignore' },
  );
  const tls = { ca: readFileSync(material.caFile, 'utf8'), cert: readFileSync(material.clientCertFile, 'utf8'), key: readFileSync(material.clientKeyFile, 'utf8') };
  const url = `rediss://127.0.0.1:${port}`;
  await pollUntil(() => redisServing(url, 500, { tls, password: adminPassword }), (up) => up, { what: `redis-server with TLS on ${port}`, timeoutMs: 15_000 });
  return {
    url,
    adminPassword,
    tls,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface TlsRedisCluster {
  /** The primaries' rediss:// URLs. */
  readonly nodes: readonly string[];
  /** What a client needs: the CA, and the client certificate the nodes ask for. */
  readonly tls: { ca: string; cert: string; key: string };
  stop(): Promise<void>;
}

/**
 * A Redis Cluster over TLS only (no plain port): three primaries, clients and the cluster bus
 * both on TLS with client certificates, the servers' certificate for 127.0.0.1. For tests that
 * need TLS on a cluster; the shared local cluster is plain.
 */
export async function startTlsRedisCluster(material: TlsMaterial): Promise<TlsRedisCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-redis-tls-cluster-'));
  const children: ChildProcess[] = [];
  const ports: number[] = [];
  while (ports.length < 6) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const tlsArgs = [
    '--tls-cert-file', material.certFile, '--tls-key-file', material.keyFile, '--tls-ca-cert-file', material.caFile,
    '--tls-client-cert-file', material.clientCertFile, '--tls-client-key-file', material.clientKeyFile, '--tls-auth-clients', 'yes',
  ];
  for (let i = 0; i < 3; i += 1) {
    const nodeDir = join(dir, String(i));
    mkdirSync(nodeDir);
    children.push(
      spawn(
        'redis-server',
        ['--bind', '127.0.0.1', '--port', '0', '--tls-port', String(ports[i]), '--cluster-enabled', 'yes', '--cluster-port', String(ports[3 + i]), '--tls-cluster', 'yes',
          '--tls-replication', 'yes', '--cluster-config-file', 'nodes.conf', '--dir', nodeDir, '--save', '', '--appendonly', 'no', ...tlsArgs],
        { stdio: 'ignore' },
      ),
    );
  }
  const tls = { ca: readFileSync(material.caFile, 'utf8'), cert: readFileSync(material.clientCertFile, 'utf8'), key: readFileSync(material.clientKeyFile, 'utf8') };
  const nodes = ports.slice(0, 3).map((p) => `rediss://127.0.0.1:${p}`);
  const stop = async () => {
    await Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((resolve) => (c.once('exit', resolve), c.kill('SIGTERM')))));
  };
  try {
    for (const url of nodes) await pollUntil(() => redisServing(url, 500, { tls }), (up) => up, { what: `redis-server with TLS on ${url}`, timeoutMs: 15_000 });
    const create = spawnSync('redis-cli', ['--tls', '--cacert', material.caFile, '--cert', material.clientCertFile, '--key', material.clientKeyFile, '--cluster', 'create', ...nodes.map((u) => u.slice('rediss://'.length)), '--cluster-replicas', '0', '--cluster-yes'], { encoding: 'utf8' });
    if (create.status !== 0) throw new Error(`redis-cli --cluster create over TLS failed:\n${create.stdout}\n${create.stderr}`);
    await pollUntil(
      () => askRedis(nodes[0]!, (node) => node.call('CLUSTER', 'INFO') as Promise<string>, { tls }),
      (info) => /cluster_state:ok/.test(info ?? ''),
      { what: 'the TLS cluster to be ok', timeoutMs: 30_000 },
    );
  } catch (error) {
    await stop();
    throw error;
  }
  return { nodes, tls, stop };
}
