import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Redis, type RedisOptions } from 'ioredis';
import { freePort, readPid, spawnDetached, stopProcess, tail, waitFor } from './process.ts';
import { workDir } from './work-dir.ts';

export const DEFAULT_REDIS_URL = 'redis://127.0.0.1:6379';

/**
 * Asks one Redis server something on a connection of its own, made for the question and closed
 * after it; null when it does not answer (no retry: the callers poll). `options`: TLS and
 * credentials, for a secured one.
 */
export async function askRedis<T>(url: string, ask: (redis: Redis) => Promise<T>, options: RedisOptions = {}, timeoutMs = 1500): Promise<T | null> {
  const redis = new Redis(url, { ...options, lazyConnect: true, connectTimeout: timeoutMs, maxRetriesPerRequest: 0, retryStrategy: () => null });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    return await ask(redis);
  } catch {
    return null;
  } finally {
    redis.disconnect();
  }
}

/** True when a Redis server at `url` answers PING (`options`: TLS and credentials, for a secured one). */
export async function redisServing(url: string, timeoutMs = 1500, options: RedisOptions = {}): Promise<boolean> {
  return (await askRedis(url, (redis) => redis.ping(), options, timeoutMs)) === 'PONG';
}

function urlFile(): string {
  return join(workDir('redis'), 'url');
}

/** The Redis to use: REDIS_URL, else the one `up` started, else the default local one. */
export function redisUrl(): string {
  if (process.env.REDIS_URL) return process.env.REDIS_URL;
  const file = urlFile();
  if (existsSync(file) && readPid(join(workDir('redis'), 'redis.pid')) !== undefined) return readFileSync(file, 'utf8').trim();
  return DEFAULT_REDIS_URL;
}

export interface RedisUpResult {
  readonly url: string;
  readonly started: boolean;
}

/** Uses REDIS_URL (or the default local Redis) if it answers; else starts `redis-server` from the PATH on a free port. */
export async function redisUp(log: (line: string) => void = () => undefined): Promise<RedisUpResult> {
  const url = redisUrl();
  if (await redisServing(url)) return { url, started: false };
  if (process.env.REDIS_URL) throw new Error(`REDIS_URL=${url} does not answer; unset it to start a local redis-server`);
  if (spawnSync('redis-server', ['--version']).status !== 0) {
    throw new Error('no Redis answers and redis-server is not on the PATH: install Redis or set REDIS_URL');
  }
  const dir = workDir('redis');
  const port = await freePort();
  log(`starting redis-server on 127.0.0.1:${port}…`);
  const logFile = join(dir, 'redis.log');
  spawnDetached('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--save', '', '--appendonly', 'no', '--dir', dir], logFile, join(dir, 'redis.pid'));
  const started = `redis://127.0.0.1:${port}`;
  if (!(await waitFor(() => redisServing(started), 15_000))) {
    throw new Error(`redis-server did not start on port ${port}:\n${tail(logFile)}`);
  }
  writeFileSync(urlFile(), started);
  return { url: started, started: true };
}

/** Stops the redis-server this project started (a reused one is left alone). */
export async function redisDown(): Promise<boolean> {
  const stopped = await stopProcess(join(workDir('redis'), 'redis.pid'));
  rmSync(urlFile(), { force: true });
  return stopped;
}
