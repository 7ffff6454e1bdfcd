import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { readPid, spawnDetached, stopProcess, tail, waitFor } from './process.ts';
import { workDir } from './work-dir.ts';

/**
 * Apicurio Registry, the all-in-one Quarkus distribution from Maven Central, serves a
 * Confluent-compatible API at /apis/ccompat/v7. 3.0.x is the newest 3.x line that runs on Java 17
 * (3.1 and later need Java 21). Its parent pom is not on Maven Central, so the archive is fetched
 * with `dependency:get -Dtransitive=false` rather than declared as a dependency.
 */
export const APICURIO_ARTIFACT = 'io.apicurio:apicurio-registry-app:3.0.9:tar.gz:all';
export const DEFAULT_REGISTRY_PORT = 8081;
export const CCOMPAT_PATH = '/apis/ccompat/v7';

function registryPort(): number {
  return Number(process.env.SHADOWDIFF_REGISTRY_PORT ?? DEFAULT_REGISTRY_PORT);
}

/** The registry to use: SCHEMA_REGISTRY_URL if set, else the local one's ccompat URL. */
export function schemaRegistryUrl(): string {
  return process.env.SCHEMA_REGISTRY_URL ?? `http://127.0.0.1:${registryPort()}${CCOMPAT_PATH}`;
}

/** True when the registry answers its ccompat API. */
export async function registryServing(url = schemaRegistryUrl(), timeoutMs = 2000): Promise<boolean> {
  try {
    const response = await fetch(`${url}/subjects`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok;
  } catch {
    return false;
  }
}

/** Fetches and unpacks the distribution into .work/registry/app once; returns the runner jar. */
export function resolveRegistry(log: (line: string) => void = () => undefined): string {
  const dir = workDir('registry');
  const app = join(dir, 'app', APICURIO_ARTIFACT.split(':')[2] as string);
  const findRunner = () => (existsSync(app) ? readdirSync(app).find((f) => f.endsWith('-runner.jar')) : undefined);
  const existing = findRunner();
  if (existing) return join(app, existing);
  log('resolving Apicurio Registry from Maven Central (first run only)…');
  const repo = join(dir, 'm2');
  const [group, artifact, version, type, classifier] = APICURIO_ARTIFACT.split(':') as [string, string, string, string, string];
  const fetched = spawnSync(
    'mvn',
    ['-q', '-B', '-Dstyle.color=never', `-Dmaven.repo.local=${repo}`, 'dependency:get', `-Dartifact=${APICURIO_ARTIFACT}`, '-Dtransitive=false'],
    { encoding: 'utf8' },
  );
  if (fetched.status !== 0) {
    throw new Error(`mvn could not fetch ${APICURIO_ARTIFACT}:\n${`${fetched.stdout}${fetched.stderr}`.trim()}`);
  }
  const archive = join(repo, ...group.split('.'), artifact, version, `${artifact}-${version}-${classifier}.${type}`);
  rmSync(app, { recursive: true, force: true });
  workDir('registry', 'app', version);
  const unpacked = spawnSync('tar', ['xzf', archive, '-C', app], { encoding: 'utf8' });
  if (unpacked.status !== 0) throw new Error(`could not unpack ${archive}: ${unpacked.stderr}`);
  rmSync(repo, { recursive: true, force: true });
  const runner = findRunner();
  if (!runner) throw new Error(`no *-runner.jar in ${archive}`);
  return join(app, runner);
}

export interface RegistryUpResult {
  readonly url: string;
  readonly started: boolean;
}

/** Starts the local registry (in memory) unless one already answers; waits until it serves. */
export async function registryUp(log: (line: string) => void = () => undefined, timeoutMs = 120_000): Promise<RegistryUpResult> {
  const url = schemaRegistryUrl();
  if (await registryServing(url)) return { url, started: false };
  if (process.env.SCHEMA_REGISTRY_URL) throw new Error(`SCHEMA_REGISTRY_URL=${url} does not answer; unset it to start a local registry`);
  const dir = workDir('registry');
  const pidFile = join(dir, 'registry.pid');
  const logFile = join(dir, 'registry.log');
  if (readPid(pidFile) === undefined) {
    const jar = resolveRegistry(log);
    const port = registryPort();
    log(`starting Apicurio Registry on 127.0.0.1:${port}…`);
    spawnDetached(
      'java',
      ['-Xms64m', '-Xmx384m', `-Dquarkus.http.port=${port}`, '-Dquarkus.http.host=127.0.0.1', '-Dquarkus.log.level=WARN', '-jar', jar],
      logFile,
      pidFile,
    );
  }
  const ready = await waitFor(async () => readPid(pidFile) === undefined || (await registryServing(url)), timeoutMs, 500);
  if (!ready || readPid(pidFile) === undefined) throw new Error(`the schema registry did not start at ${url}:\n${tail(logFile)}`);
  return { url, started: true };
}

/** Stops the registry this project started (a reused one is left alone). */
export function registryDown(): Promise<boolean> {
  return stopProcess(join(workDir('registry'), 'registry.pid'));
}

export async function registryStatus(): Promise<{ url: string; serving: boolean; pid: number | undefined }> {
  const url = schemaRegistryUrl();
  return { url, serving: await registryServing(url), pid: readPid(join(workDir('registry'), 'registry.pid')) };
}
