// The Kafka Streams peer (bench/streams-peer): built once with Maven, run as a JVM child process
// over a pair of topics until it has consumed them and its counts have settled, then stopped.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { REPO_ROOT, workDir } from '@shadowdiff/infra';
import { pollUntil } from '@shadowdiff/testing';
import { rssMb } from './joiner-metrics.ts';

const PROJECT = join(REPO_ROOT, 'bench', 'streams-peer');
const JAR = join(PROJECT, 'target', 'streams-peer.jar');
const STAMP = join(PROJECT, 'target', '.sources-sha1');

/** One line the peer prints (see StreamsPeer.java). */
export interface PeerLine {
  readonly consumed: number;
  readonly consumedOld: number;
  readonly consumedNew: number;
  readonly verdicts: Record<string, number>;
  readonly emitted: number;
  readonly firstMs: number;
  readonly lastMs: number;
  readonly allConsumedMs: number;
  readonly droppedRecords: number;
  readonly state: string;
  readonly final: boolean;
}

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : [join(dir, e.name)]));
}

/** Builds target/streams-peer.jar unless it was built from these very sources (a hash stamp). */
export function buildStreamsPeer(log: (line: string) => void = () => undefined): string {
  const hash = createHash('sha1');
  for (const file of [join(PROJECT, 'pom.xml'), ...sources(join(PROJECT, 'src')).sort()]) hash.update(relative(PROJECT, file)).update(readFileSync(file));
  const digest = hash.digest('hex');
  if (existsSync(JAR) && existsSync(STAMP) && readFileSync(STAMP, 'utf8') === digest) return JAR;
  log('building the Kafka Streams peer with Maven (bench/streams-peer)…');
  const result = spawnSync('mvn', ['-q', '-B', '-Dstyle.color=never', '-f', join(PROJECT, 'pom.xml'), 'package'], { encoding: 'utf8' });
  if (result.status !== 0 || !existsSync(JAR)) {
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`.trim() || String(result.error ?? 'no output');
    throw new Error(`mvn could not build bench/streams-peer:\n${output}`);
  }
  writeFileSync(STAMP, digest);
  return JAR;
}

export interface PeerOptions {
  readonly brokers: string;
  readonly oldTopic: string;
  readonly newTopic: string;
  readonly outTopic: string;
  /** Kafka Streams application.id: its consumer group and the prefix of its internal topics. */
  readonly appId: string;
  readonly threads: number;
  /** Input records (both sides) the peer is to consume. */
  readonly expected: number;
  readonly windowMs: number;
  readonly graceMs: number;
  /** JVM flags, e.g. ['-Xmx1g']. */
  readonly javaArgs: readonly string[];
  /** How long the counts must stay the same, once every record was consumed, to count as settled. */
  readonly settleMs?: number;
  readonly timeoutMs?: number;
}

export interface PeerResult {
  /** The peer's last line, printed after it stopped. */
  readonly last: PeerLine;
  /** Input records per second, first record consumed to the last. */
  readonly rate: number;
  /** Peak resident set of the JVM (VmHWM), MB. */
  readonly peakRssMb: number;
  /** Everything the peer wrote to stderr (warnings). */
  readonly stderr: string;
}

export interface PeerProcess {
  readonly pid: number;
  /** The newest line the peer printed, if any. */
  latest(): PeerLine | undefined;
  /** Polls until the peer has consumed `count` records (both sides). */
  consumed(count: number): Promise<PeerLine>;
  /** Polls until every expected record was consumed and the counts stayed the same for settleMs. */
  settled(): Promise<PeerLine>;
  /** Peak RSS so far, then SIGTERM; resolves with the peer's last line. */
  stop(): Promise<{ last: PeerLine; peakRssMb: number }>;
  stderr(): string;
}

/** Starts the peer (built beforehand with buildStreamsPeer) as a child process. */
export function startStreamsPeer(jar: string, o: PeerOptions): PeerProcess {
  const stateDir = workDir('streams-peer', 'state');
  const child = spawn(
    'java',
    [
      ...o.javaArgs,
      '-jar',
      jar,
      `--brokers=${o.brokers}`,
      `--old=${o.oldTopic}`,
      `--new=${o.newTopic}`,
      `--out=${o.outTopic}`,
      `--app-id=${o.appId}`,
      `--threads=${o.threads}`,
      `--expected=${o.expected}`,
      `--window-ms=${o.windowMs}`,
      `--grace-ms=${o.graceMs}`,
      `--state-dir=${stateDir}`,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let latest: PeerLine | undefined;
  let partial = '';
  const errors: string[] = [];
  let exitCode: number | string | undefined;
  const exited = new Promise<void>((resolve) =>
    // 'close': the process has exited and its output is read to the end (its last line included).
    child.on('close', (code, signal) => {
      exitCode = code ?? signal ?? -1;
      resolve();
    }),
  );
  child.stdout.on('data', (chunk: Buffer) => {
    const lines = (partial + chunk.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) if (line.startsWith('{')) latest = JSON.parse(line) as PeerLine;
  });
  child.stderr.on('data', (chunk: Buffer) => errors.push(chunk.toString()));
  child.on('error', (error) => errors.push(`could not run java: ${error.message}`));
  const stderr = () => errors.join('');
  const failed = () => exitCode !== undefined || latest?.state === 'ERROR' || latest?.state === 'PENDING_ERROR';
  const fail = (what: string) => new Error(`the Kafka Streams peer ${what} (exit ${String(exitCode)}, state ${latest?.state ?? 'none'}):\n${stderr().slice(-4000)}`);

  async function consumed(count: number): Promise<PeerLine> {
    const line = await pollUntil(async () => latest, (l) => failed() || (l?.consumed ?? 0) >= count, {
      what: `the peer to consume ${count} records`,
      intervalMs: 250,
      timeoutMs: o.timeoutMs ?? 1_800_000,
    });
    if (failed() || line === undefined) throw fail(`stopped before it consumed ${count} records`);
    return line;
  }

  async function settled(): Promise<PeerLine> {
    await consumed(o.expected);
    // Kafka Streams emits a one-sided outer-join result only when stream time passes its window and
    // grace, on a later record; after the last record nothing more comes. Wait for the counts to settle.
    const settleMs = o.settleMs ?? 5000;
    let seen = '';
    let since = Date.now();
    const line = await pollUntil(
      async () => {
        const now = JSON.stringify(latest?.verdicts);
        if (now !== seen) [seen, since] = [now, Date.now()];
        return latest;
      },
      () => failed() || Date.now() - since >= settleMs,
      { what: "the peer's counts to settle", intervalMs: 250, timeoutMs: Math.max(60_000, settleMs * 4) },
    );
    if (failed() || line === undefined) throw fail('failed while its counts settled');
    return line;
  }

  async function stop(): Promise<{ last: PeerLine; peakRssMb: number }> {
    const peakRssMb = exitCode === undefined ? rssMb(child.pid as number, 'VmHWM') : Number.NaN;
    child.kill('SIGTERM');
    await pollUntil(async () => exitCode, (c) => c !== undefined, { what: 'the peer to stop', intervalMs: 100, timeoutMs: 60_000 }).catch((error: unknown) => {
      child.kill('SIGKILL');
      throw error;
    });
    await exited;
    // The peer cleans its stores up as it stops; this takes the lock file and metadata it leaves.
    rmSync(join(stateDir, o.appId), { recursive: true, force: true });
    if (latest === undefined) throw fail('printed nothing');
    return { last: latest, peakRssMb };
  }

  return { pid: child.pid as number, latest: () => latest, consumed, settled, stop, stderr };
}

/** Runs the peer over a filled pair of topics: consume, settle, stop. */
export async function runStreamsPeer(jar: string, o: PeerOptions): Promise<PeerResult> {
  const peer = startStreamsPeer(jar, o);
  try {
    await peer.settled();
  } catch (error) {
    await peer.stop().catch(() => undefined);
    throw error;
  }
  const { last, peakRssMb } = await peer.stop();
  const rate = (last.consumed / Math.max(1, last.allConsumedMs - last.firstMs)) * 1000;
  return { last, rate, peakRssMb, stderr: peer.stderr() };
}

/** Where the peer's counts differ from the expected ones, in words ("" when they agree). */
export function peerErrors(counts: Record<string, number>, expected: Record<string, number>): string[] {
  const kinds = [...new Set([...Object.keys(expected), ...Object.keys(counts)])];
  return kinds
    .filter((k) => (counts[k] ?? 0) !== (expected[k] ?? 0))
    .map((k) => {
      const got = counts[k] ?? 0;
      const want = expected[k] ?? 0;
      return `${k} ${got.toLocaleString('en-US')} instead of ${want.toLocaleString('en-US')} (${got > want ? '+' : ''}${(got - want).toLocaleString('en-US')})`;
    });
}
