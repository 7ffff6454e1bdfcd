/**
 * `shadowdiff replay <comparison> --from <time> [--to <time>]`: re-pairs a historical range of
 * both topics in a namespace of its own, so that it never touches the live comparison's state,
 * offsets or counts. The range of each partition (offsets found by timestamp) is copied to input
 * topics of the namespace, keys, values, headers and timestamps as they were; a joiner with the
 * comparison's settings (but its own Redis prefix, topic prefix and group) pairs them; its
 * verdicts go to the namespace's verdict topics, named in the output. The copies and the Redis
 * state are removed at the end; the verdict topics stay.
 *
 * Records without a partner in the range are declared missing once everything is read and
 * `--max-wait` has passed (the comparison's own maxWait is for live traffic, often minutes).
 */
import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { kafkaConnection, loadConfigFile, parseDuration, redisConnection, type ShadowdiffConfig } from '@shadowdiff/config';
import { freePort, joinerLaunch, workDir } from '@shadowdiff/infra';
import { createKafka } from '@shadowdiff/kafka';
import { verdictTopics } from '@shadowdiff/vocabulary';
import cliProgress from 'cli-progress';
import type { Kafka } from 'kafkajs';
import { CliError, CliErrorCode } from './errors.ts';
import { byLabel, scrape, sumOf } from './metrics-scrape.ts';
import { deleteKeysUnder } from './redis-keys.ts';
import { replayConfig } from './replay-config.ts';
import { copyRange, rangeOf, type PartitionRange } from './replay-copy.ts';
import { instantOf } from './report.ts';
import { startService } from './service-process.ts';

export interface ReplayOptions {
  readonly config: string;
  readonly from: string;
  readonly to?: string;
  readonly maxWait: string;
  /** How long the copy may make no progress before it gives up, naming the partitions it waits for. */
  readonly stallTimeout: string;
}

export interface ReplayIo {
  readonly log: (line: string) => void;
  readonly isTerminal: boolean;
  /** Resolves when the user asks to stop (Ctrl-C): the replay then removes what it made and exits 130. */
  readonly stopped?: Promise<void>;
  /**
   * Told, once the replay has named its namespace, what would stay behind were it killed before
   * cleaning up, and (once its joiner runs) how to kill the joiner at once.
   */
  readonly leaving?: (what: string, kill?: () => void) => void;
}

/** A joiner that does not stop within this long of SIGTERM is killed. */
const JOINER_STOP_GRACE_MS = 10_000;

/** SIGTERM, then SIGKILL if the process has not exited within `graceMs`. */
async function stopProcess(child: ChildProcess, exited: Promise<void>, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(killer);
}

export async function runReplay({ comparison: name, options }: { comparison: string; options: ReplayOptions }, io: ReplayIo): Promise<number> {
  const config: ShadowdiffConfig = loadConfigFile(options.config);
  const comparison = config.comparisons.find((c) => c.name === name);
  if (comparison === undefined) throw new CliError(CliErrorCode.USAGE, `no comparison "${name}" in ${options.config} (it has ${config.comparisons.map((c) => c.name).join(', ')})`);
  const from = Date.parse(instantOf(options.from, '--from'));
  const to = options.to === undefined ? null : Date.parse(instantOf(options.to, '--to'));
  if (to !== null && to < from) throw new CliError(CliErrorCode.USAGE, `--to (${new Date(to).toISOString()}) is before --from (${new Date(from).toISOString()})`);
  const maxWait = parseDuration(options.maxWait);
  if (maxWait === undefined) throw new CliError(CliErrorCode.USAGE, `--max-wait "${options.maxWait}": expected a duration such as 30s`);
  const stallMs = parseDuration(options.stallTimeout);
  if (stallMs === undefined || stallMs <= 0) throw new CliError(CliErrorCode.USAGE, `--stall-timeout "${options.stallTimeout}": expected a duration such as 60s`);

  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const random = randomBytes(4).toString('hex');
  const run = `replay-${name}-${stamp}-${random}`;
  // Under the config's own prefixes, so that Kafka and Redis ACLs written for them cover it.
  const namespace = `${config.topics.prefix}.${run}`;
  // Redis key prefixes are at most 32 characters of [a-z0-9_-]: the run's own takes as much of the
  // random part as fits, at least 4 hex characters.
  const room = Math.min(random.length, 32 - config.redis.keyPrefix.length - 2);
  if (room < 4) throw new CliError(CliErrorCode.USAGE, `redis.keyPrefix "${config.redis.keyPrefix}" leaves no room for a replay's prefix (it adds 6 characters, of at most 32): shorten it to 26 or fewer`);
  const redisPrefix = `${config.redis.keyPrefix}-r${random.slice(0, room)}`;
  const inputs = { old: `${namespace}.old`, new: `${namespace}.new` };
  const groups = [`${namespace}.copy-old`, `${namespace}.copy-new`, `${namespace}.joiner`];
  // The joiner's config: the user's file, changed for the namespace, in a private directory (the
  // user's may be read-only); relative paths in it still resolve against the user's directory.
  const derivedDir = mkdtempSync(join(tmpdir(), 'shadowdiff-replay-'));
  const derived = join(derivedDir, 'shadowdiff.yaml');
  const leftBehind = `topics ${inputs.old} and ${inputs.new}, consumer groups ${groups.join(', ')}, Redis keys under ${redisPrefix}: and ${derivedDir}`;
  io.leaving?.(leftBehind);
  const kafka = createKafka({ ...kafkaConnection(config.kafka), clientId: `${config.kafka.clientId}-replay` });

  const bar = io.isTerminal ? new cliProgress.SingleBar({ format: '{phase} [{bar}] {value}/{total} records', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let total = 0;
  let lastLine = 0;
  // The bar runs over both phases (copy, then pair); the plain lines count each phase on its own.
  const progress = (phase: 'copy' | 'pair', done: number) => {
    if (bar) bar.update(phase === 'copy' ? done : total + done, { phase });
    else if (Date.now() - lastLine > 2000 || done === total) {
      io.log(`${phase} ${done}/${total} records`);
      lastLine = Date.now();
    }
  };

  let counts = new Map<string, number>();
  let interrupted = false;
  const stopped = (io.stopped ?? new Promise<void>(() => undefined)).then(() => void (interrupted = true));
  let copied = 0;
  let failure: unknown = null;
  const verdicts = verdictTopics(namespace, name);
  try {
    const admin = kafka.admin();
    await admin.connect();
    let ranges: { old: PartitionRange[]; new: PartitionRange[] };
    try {
      ranges = { old: await rangeOf(admin, comparison.old.topic, from, to), new: await rangeOf(admin, comparison.new.topic, from, to) };
      await admin.createTopics({
        waitForLeaders: true,
        topics: (['old', 'new'] as const).map((side) => ({ topic: inputs[side], numPartitions: Math.max(1, ranges[side].length), replicationFactor: config.topics.replicationFactor })),
      });
    } finally {
      await admin.disconnect();
    }
    total = [...ranges.old, ...ranges.new].reduce((n, r) => n + (r.end - r.start), 0);
    io.log(`replaying ${name} from ${new Date(from).toISOString()} to ${to === null ? 'now' : new Date(to).toISOString()}: ${total.toLocaleString('en-US')} records (old ${comparison.old.topic}, new ${comparison.new.topic})`);
    io.log(`namespace ${namespace}; its verdicts go to ${verdicts.mismatches} and ${verdicts.matches}`);
    bar?.start(total * 2, 0, { phase: 'copy' });

    // 1. The range, copied into the namespace. A side that fails stops the other, and both have
    // stopped (their consumers left their groups) before anything is cleaned up.
    const { promise: aborted, resolve: abortCopy } = Promise.withResolvers<void>();
    const copies = await Promise.allSettled(
      (['old', 'new'] as const).map((side) =>
        copyRange(kafka, groups[side === 'old' ? 0 : 1]!, comparison[side].topic, inputs[side], ranges[side], (n) => {
          copied += n;
          progress('copy', copied);
        }, Promise.race([stopped, aborted]), stallMs).catch((error: unknown) => {
          abortCopy();
          throw error;
        }),
      ),
    );
    const copyFailed = copies.find((c) => c.status === 'rejected');
    if (copyFailed) throw copyFailed.reason;

    // 2. Unless interrupted while copying: a joiner on the copies, as its own process, with the
    // comparison's settings and the namespace's state, topics and group.
    if (!interrupted) {
      const metricsPort = await freePort();
      writeFileSync(derived, replayConfig(readFileSync(options.config, 'utf8'), { name, namespace, redisPrefix, inputs, maxWait: options.maxWait, metricsPort }), { mode: 0o600 });
      const log = join(workDir('replay'), `${run}.joiner.log`);
      const joiner = startService('@shadowdiff/joiner/main', derived, log, {
        ...joinerLaunch(),
        env: { ...joinerLaunch().env, SHADOWDIFF_CONFIG_DIR: dirname(resolve(options.config)) },
      });
      let exited: number | null | undefined;
      const joinerExit = new Promise<void>((done) => joiner.on('exit', (code) => ((exited = code), done())));
      if (!bar) io.log(`pairing with the replay's joiner (its log: ${log})`);
      try {
        io.leaving?.(leftBehind, () => joiner.kill('SIGKILL'));
        counts = await pairingDone({ metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, name, copied: () => copied, progress, isInterrupted: () => interrupted, exited: () => exited, log, stallMs: stallMs + maxWait });
      } finally {
        await stopProcess(joiner, joinerExit, JOINER_STOP_GRACE_MS);
      }
    }
  } catch (error) {
    failure = error;
  } finally {
    bar?.stop();
  }
  // 3. What the replay leaves: its verdict topics; not its copies, groups, Redis state or config
  // (also when it failed or was interrupted).
  const left = await cleanUp(kafka, config, inputs, groups, redisPrefix, derivedDir);
  if (left.length > 0) {
    const message = `the replay could not remove ${left.join('; ')}: remove them by hand`;
    if (failure !== null) io.log(message);
    else throw new CliError(CliErrorCode.REPLAY_INCOMPLETE, message);
  }
  if (failure !== null) throw failure;
  if (interrupted) {
    io.log('replay interrupted: its copies and its Redis state are removed');
    return 130;
  }
  const decided = [...counts.values()].reduce((a, b) => a + b, 0);
  io.log('');
  io.log(`replay of ${name}: ${decided.toLocaleString('en-US')} verdicts`);
  for (const [kind, n] of [...counts].sort(([, a], [, b]) => b - a)) io.log(`  ${kind.padEnd(14)} ${n.toLocaleString('en-US').padStart(9)}`);
  io.log(`verdicts: ${verdicts.mismatches} (every non-match) and ${verdicts.matches}`);
  return 0;
}

/**
 * Waits until the replay's joiner has decided everything copied, and returns its verdict counts.
 * Done means: every copied record applied; then two of the joiner's store samples taken after
 * that (their time is exported) found nothing waiting for a partner and nothing in the outbox, and
 * the verdict count did not move between them.
 */
async function pairingDone(o: {
  metricsUrl: string;
  name: string;
  copied: () => number;
  progress: (phase: 'pair', done: number) => void;
  isInterrupted: () => boolean;
  exited: () => number | null | undefined;
  log: string;
  stallMs: number;
}): Promise<Map<string, number>> {
  let counts = new Map<string, number>();
  let appliedAt: number | null = null;
  let settled: { sampledAt: number; verdicts: number } | null = null;
  // No record applied and no verdict for stallMs (the caller adds the replay's maxWait, which a
  // record without a partner legitimately waits) before it is done: the joiner is stuck.
  let progressed = { at: Date.now(), applied: -1, verdicts: -1 };
  while (!o.isInterrupted()) {
    const exited = o.exited();
    if (exited !== undefined) throw new CliError(CliErrorCode.REPLAY_INCOMPLETE, `the replay's joiner exited (${exited}); its log: ${o.log}`);
    const samples = await scrape(o.metricsUrl).catch(() => null);
    if (samples !== null) {
      counts = byLabel(samples, 'shadowdiff_verdicts_total', 'verdict', o.name);
      const outcomes = byLabel(samples, 'shadowdiff_records_total', 'outcome', o.name);
      const applied = [...outcomes].reduce((n, [outcome, v]) => (outcome === 'redelivered' ? n : n + v), 0);
      o.progress('pair', applied);
      if (appliedAt === null && applied >= o.copied()) appliedAt = Date.now();
      const sampledAt = (byLabel(samples, 'shadowdiff_store_sample_timestamp_seconds', 'comparison', o.name).get(o.name) ?? 0) * 1000;
      const verdicts = [...counts.values()].reduce((a, b) => a + b, 0);
      if (applied !== progressed.applied || verdicts !== progressed.verdicts) progressed = { at: Date.now(), applied, verdicts };
      else if (Date.now() - progressed.at > o.stallMs) {
        throw new CliError(CliErrorCode.REPLAY_INCOMPLETE, `the replay's joiner made no progress for ${Math.round((Date.now() - progressed.at) / 1000)}s (${applied} of ${o.copied()} records applied, ${verdicts} verdicts); its log: ${o.log}`);
      }
      const quiet = appliedAt !== null && sampledAt > appliedAt && sumOf(samples, 'shadowdiff_pending_records', o.name) === 0 && sumOf(samples, 'shadowdiff_outbox_entries', o.name) === 0;
      if (!quiet) settled = null;
      else if (settled === null || settled.verdicts !== verdicts) settled = { sampledAt, verdicts };
      else if (sampledAt > settled.sampledAt) return counts;
    }
    await new Promise((done) => setTimeout(done, 250));
  }
  return counts;
}

const reason = (error: unknown) => (error instanceof Error ? error.message : String(error));

/** Removes what a replay made but its verdict topics; each step on its own. Returns what it could not remove. */
async function cleanUp(kafka: Kafka, config: ShadowdiffConfig, inputs: { old: string; new: string }, groups: readonly string[], redisPrefix: string, derivedDir: string): Promise<string[]> {
  const left: string[] = [];
  try {
    rmSync(derivedDir, { recursive: true, force: true });
  } catch (error) {
    left.push(`${derivedDir} (${reason(error)})`);
  }
  const admin = kafka.admin();
  try {
    await admin.connect();
    const existing = new Set(await admin.listTopics());
    const topics = [inputs.old, inputs.new].filter((t) => existing.has(t));
    if (topics.length > 0) await admin.deleteTopics({ topics });
  } catch (error) {
    left.push(`the topics ${inputs.old} and ${inputs.new} (${reason(error)})`);
  }
  // A group that never committed may not exist: only one that is still listed afterwards is left.
  await admin.deleteGroups([...groups]).catch(() => undefined);
  const remaining = await admin.listGroups().then(({ groups: listed }) => listed.map((g) => g.groupId).filter((g) => groups.includes(g)), () => []);
  if (remaining.length > 0) left.push(`the consumer groups ${remaining.join(', ')}`);
  await admin.disconnect().catch(() => undefined);
  const at = redisConnection(config.redis);
  try {
    await deleteKeysUnder(at, `${redisPrefix}:`);
  } catch (error) {
    left.push(`the Redis keys under ${redisPrefix}: (${reason(error)})`);
  }
  return left;
}
