/**
 * A local Redis Cluster for tests and for trying shadowdiff on one: three primaries with a
 * replica each, `redis-server --cluster-enabled yes` on free ports (each with a cluster bus port
 * of its own), joined by `redis-cli --cluster create`. Its data and node files live in the
 * ignored work folder; `redisClusterUp` reuses a running one whose state is ok.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, readPid, spawnDetached, stopProcess, tail, waitFor } from './process.ts';
import { askRedis, redisServing } from './redis.ts';
import { workDir } from './work-dir.ts';

export interface LocalRedisCluster {
  /** Every node's URL, primaries and replicas (any of them seeds a client). */
  readonly nodes: readonly string[];
  readonly started: boolean;
}

const NODES = 6;
/** Short, so that a failover in a test takes seconds (Redis's default is 15 s). */
const NODE_TIMEOUT_MS = 2000;

const dir = () => workDir('redis-cluster');
const nodesFile = () => join(dir(), 'nodes.json');
const busFile = () => join(dir(), 'bus.json');

function startNode(port: number, busPort: number): void {
  const nodeDir = join(dir(), String(port));
  spawnDetached(
    'redis-server',
    ['--bind', '127.0.0.1', '--port', String(port), '--cluster-enabled', 'yes', '--cluster-port', String(busPort), '--cluster-config-file', 'nodes.conf',
      '--cluster-node-timeout', String(NODE_TIMEOUT_MS), '--save', '', '--appendonly', 'no', '--dir', nodeDir],
    join(nodeDir, 'redis.log'),
    pidFile(port),
  );
}
const pidFile = (port: number) => join(dir(), String(port), 'redis.pid');

async function clusterInfo(url: string): Promise<Record<string, string> | null> {
  const text = await askRedis(url, (redis) => redis.call('CLUSTER', 'INFO') as Promise<string>);
  return text === null ? null : Object.fromEntries(text.split('\r\n').filter((l) => l.includes(':')).map((l) => l.split(':') as [string, string]));
}

/** Whether every node answers and sees the cluster ok with all 16,384 slots served. */
export async function redisClusterHealthy(nodes: readonly string[]): Promise<boolean> {
  const infos = await Promise.all(nodes.map(clusterInfo));
  return infos.every((i) => i !== null && i.cluster_state === 'ok' && i.cluster_slots_ok === '16384' && Number(i.cluster_known_nodes) === nodes.length);
}

function recorded(): readonly string[] | null {
  if (!existsSync(nodesFile()) || !existsSync(busFile())) return null;
  const nodes = JSON.parse(readFileSync(nodesFile(), 'utf8')) as string[];
  return nodes.every((url) => readPid(pidFile(Number(new URL(url).port))) !== undefined) ? nodes : null;
}

/** The cluster `redisClusterUp` started and left running, if any. */
export function redisClusterNodes(): readonly string[] | null {
  return recorded();
}

/** Reuses the running local cluster when it is healthy; else starts one (and stops what is left of an earlier one). */
export async function redisClusterUp(log: (line: string) => void = () => undefined): Promise<LocalRedisCluster> {
  const running = recorded();
  if (running !== null && (await redisClusterHealthy(running))) return { nodes: running, started: false };
  await redisClusterDown();
  if (spawnSync('redis-server', ['--version']).status !== 0) throw new Error('redis-server is not on the PATH: install Redis (Debian: apt-get install redis-server)');
  const ports: number[] = [];
  while (ports.length < 2 * NODES) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const nodes: string[] = [];
  for (let i = 0; i < NODES; i += 1) {
    const port = ports[i]!;
    const busPort = ports[NODES + i]!;
    const nodeDir = join(dir(), String(port));
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir, { recursive: true });
    startNode(port, busPort);
    nodes.push(`redis://127.0.0.1:${port}`);
  }
  log(`starting a Redis Cluster of ${NODES} nodes (3 primaries, 3 replicas) on ${ports.slice(0, NODES).join(', ')}…`);
  for (const url of nodes) {
    if (!(await waitFor(() => redisServing(url), 15_000))) throw new Error(`redis-server ${url} did not start:\n${tail(join(dir(), new URL(url).port, 'redis.log'))}`);
  }
  const create = spawnSync('redis-cli', ['--cluster', 'create', ...nodes.map((u) => u.slice('redis://'.length)), '--cluster-replicas', '1', '--cluster-yes'], { encoding: 'utf8' });
  if (create.status !== 0) throw new Error(`redis-cli --cluster create failed:\n${create.stdout}\n${create.stderr}`);
  if (!(await waitFor(() => redisClusterHealthy(nodes), 30_000, 200))) throw new Error(`the Redis Cluster on ${nodes.join(', ')} did not become ok`);
  writeFileSync(nodesFile(), JSON.stringify(nodes));
  writeFileSync(busFile(), JSON.stringify(Object.fromEntries(ports.slice(0, NODES).map((p, i) => [p, ports[NODES + i]]))));
  return { nodes, started: true };
}

/** The pid of a node of the local cluster (a test kills it with SIGKILL to fail its shard over). */
export function redisClusterNodePid(url: string): number | undefined {
  return readPid(pidFile(Number(new URL(url).port)));
}

/**
 * Starts a node of the local cluster again after it died, with its node file: it rejoins the
 * cluster (as a replica, when its replica took over meanwhile). Resolves once it answers.
 */
export async function redisClusterNodeRestart(url: string): Promise<void> {
  const port = Number(new URL(url).port);
  const bus = (JSON.parse(readFileSync(busFile(), 'utf8')) as Record<string, number>)[String(port)];
  if (bus === undefined) throw new Error(`${url} is not a node of the local cluster`);
  startNode(port, bus);
  if (!(await waitFor(() => redisServing(url), 15_000))) throw new Error(`${url} did not start again:\n${tail(join(dir(), String(port), 'redis.log'))}`);
}

/** Stops the local cluster's nodes and forgets it. */
export async function redisClusterDown(): Promise<boolean> {
  if (!existsSync(nodesFile())) return false;
  const nodes = JSON.parse(readFileSync(nodesFile(), 'utf8')) as string[];
  await Promise.all(nodes.map((url) => stopProcess(pidFile(Number(new URL(url).port)))));
  rmSync(nodesFile(), { force: true });
  rmSync(busFile(), { force: true });
  return true;
}
