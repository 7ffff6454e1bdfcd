/**
 * A local Sentinel group for tests and for trying shadowdiff on one: a primary and its replica
 * (`redis-server`, the replica with `--replicaof`), watched by three sentinels (`redis-server
 * <file> --sentinel`, quorum 2) under the name `shadowdiff`, on free ports, files in the ignored
 * work folder. `redisSentinelUp` reuses a running group whose sentinels know a primary.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { freePort, readPid, spawnDetached, stopProcess, tail, waitFor } from './process.ts';
import { askRedis, redisServing } from './redis.ts';
import { workDir } from './work-dir.ts';

export const SENTINEL_NAME = 'shadowdiff';

export interface LocalSentinelGroup {
  /** The name the sentinels monitor the primary under. */
  readonly name: string;
  readonly sentinels: readonly string[];
  /** The two data nodes (which is primary changes with a failover). */
  readonly nodes: readonly string[];
  readonly started: boolean;
}

/** Short, so that a failover in a test takes seconds. */
const DOWN_AFTER_MS = 2000;

const dir = () => workDir('redis-sentinel');
const stateFile = () => join(dir(), 'group.json');
const pidFile = (port: number) => join(dir(), String(port), 'redis.pid');
const portOf = (url: string) => Number(new URL(url).port);

/** The primary the sentinels name now, as host:port; null while none answers. */
export async function sentinelPrimary(sentinels: readonly string[], name = SENTINEL_NAME): Promise<string | null> {
  for (const url of sentinels) {
    // A sentinel that does not answer: the next one.
    const [host, port] = ((await askRedis(url, (sentinel) => sentinel.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', name))) as [string, string] | null) ?? [];
    if (host && port) return `${host}:${port}`;
  }
  return null;
}

async function healthy(group: { sentinels: readonly string[]; nodes: readonly string[] }): Promise<boolean> {
  const primary = await sentinelPrimary(group.sentinels);
  if (primary === null || !(await redisServing(`redis://${primary}`))) return false;
  const links = await Promise.all(group.nodes.filter((n) => !n.endsWith(primary)).map((n) => askRedis(n, (redis) => redis.info('replication'))));
  return links.every((info) => /master_link_status:up/.test(info ?? ''));
}

/** Reuses the running local group when its sentinels name a serving primary with its replica in sync; else starts one. */
export async function redisSentinelUp(log: (line: string) => void = () => undefined): Promise<LocalSentinelGroup> {
  if (existsSync(stateFile())) {
    const group = JSON.parse(readFileSync(stateFile(), 'utf8')) as { sentinels: string[]; nodes: string[] };
    const alive = [...group.sentinels, ...group.nodes].every((u) => readPid(pidFile(portOf(u))) !== undefined);
    if (alive && (await healthy(group))) return { name: SENTINEL_NAME, ...group, started: false };
  }
  await redisSentinelDown();
  const ports: number[] = [];
  while (ports.length < 5) {
    const port = await freePort();
    if (!ports.includes(port)) ports.push(port);
  }
  const [primaryPort, replicaPort, ...sentinelPorts] = ports as [number, number, ...number[]];
  const start = (port: number, args: string[], conf?: string) => {
    const nodeDir = join(dir(), String(port));
    rmSync(nodeDir, { recursive: true, force: true });
    mkdirSync(nodeDir, { recursive: true });
    const file = join(nodeDir, 'sentinel.conf');
    if (conf !== undefined) writeFileSync(file, conf);
    spawnDetached('redis-server', conf === undefined ? args : [file, '--sentinel', ...args], join(nodeDir, 'redis.log'), pidFile(port));
  };
  const data = (port: number) => ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', join(dir(), String(port))];
  log(`starting a Sentinel group "${SENTINEL_NAME}": primary ${primaryPort}, replica ${replicaPort}, sentinels ${sentinelPorts.join(', ')}…`);
  start(primaryPort, data(primaryPort));
  start(replicaPort, [...data(replicaPort), '--replicaof', '127.0.0.1', String(primaryPort)]);
  for (const port of sentinelPorts) {
    start(port, [], [
      `port ${port}`,
      'bind 127.0.0.1',
      `dir ${join(dir(), String(port))}`,
      `sentinel monitor ${SENTINEL_NAME} 127.0.0.1 ${primaryPort} 2`,
      `sentinel down-after-milliseconds ${SENTINEL_NAME} ${DOWN_AFTER_MS}`,
      `sentinel failover-timeout ${SENTINEL_NAME} 10000`,
      `sentinel parallel-syncs ${SENTINEL_NAME} 1`,
      '',
    ].join('\n'));
  }
  const group = { nodes: [primaryPort, replicaPort].map((p) => `redis://127.0.0.1:${p}`), sentinels: sentinelPorts.map((p) => `redis://127.0.0.1:${p}`) };
  if (!(await waitFor(() => healthy(group), 30_000, 200))) {
    throw new Error(`the Sentinel group did not come up:\n${tail(join(dir(), String(sentinelPorts[0]), 'redis.log'))}`);
  }
  writeFileSync(stateFile(), JSON.stringify(group));
  return { name: SENTINEL_NAME, ...group, started: true };
}

/** Stops the local group and forgets it. */
export async function redisSentinelDown(): Promise<boolean> {
  if (!existsSync(stateFile())) return false;
  const group = JSON.parse(readFileSync(stateFile(), 'utf8')) as { sentinels: string[]; nodes: string[] };
  await Promise.all([...group.sentinels, ...group.nodes].map((url) => stopProcess(pidFile(portOf(url)))));
  rmSync(stateFile(), { force: true });
  return true;
}
