import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, redisServing } from '@shadowdiff/infra';
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
