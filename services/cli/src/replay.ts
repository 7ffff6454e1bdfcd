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
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { kafkaConnection, loadConfigFile, parseDuration, redisConnection, type ShadowdiffConfig } from '@shadowdiff/config';
import { freePort, joinerLaunch, workDir } from '@shadowdiff/infra';
import { createKafka, createProducer } from '@shadowdiff/kafka';
import { verdictTopics } from '@shadowdiff/vocabulary';
import cliProgress from 'cli-progress';
import type { Admin, Kafka } from 'kafkajs';
import { isMap, isSeq, parseDocument } from 'yaml';
import { CliError, CliErrorCode } from './errors.ts';
import { scrapeCounter, scrapeSum, scrapeVerdicts } from './demo-report.ts';
import { deleteKeysUnder } from './redis-keys.ts';
import { instantOf } from './report.ts';
import { startService } from './service-process.ts';

export interface ReplayOptions {
  readonly config: string;
  readonly from: string;
  readonly to?: string;
  readonly maxWait: string;
}

export interface ReplayIo {
  readonly log: (line: string) => void;
  readonly isTerminal: boolean;
  /** Resolves when the user asks to stop (Ctrl-C): the replay then removes what it made and exits 130. */
  readonly stopped?: Promise<void>;
}

interface PartitionRange {
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

/** Each partition's offsets from the first record at or after `from` to the first after `to` (exclusive). */
async function rangeOf(admin: Admin, topic: string, from: number, to: number | null): Promise<PartitionRange[]> {
  const starts = await admin.fetchTopicOffsetsByTimestamp(topic, from);
  const ends = to === null ? (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high })) : await admin.fetchTopicOffsetsByTimestamp(topic, to + 1);
  const endOf = new Map(ends.map((e) => [e.partition, Number(e.offset)]));
  return starts.map((s) => ({ partition: s.partition, start: Number(s.offset), end: endOf.get(s.partition) ?? Number(s.offset) })).sort((a, b) => a.partition - b.partition);
}

/** Copies each partition's range of `source` to the same partition of `target`; calls `copied` as records go. */
async function copyRange(kafka: Kafka, groupId: string, source: string, target: string, ranges: readonly PartitionRange[], copied: (n: number) => void, stopped: Promise<void>): Promise<void> {
  const wanted = ranges.filter((r) => r.end > r.start);
  if (wanted.length === 0) return;
  const producer = createProducer(kafka);
  await producer.connect();
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200 });
  const left = new Map(wanted.map((r) => [r.partition, r]));
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [source], fromBeginning: true });
    let finish!: () => void;
    let fail!: (error: unknown) => void;
    const done = new Promise<void>((resolve, reject) => ((finish = resolve), (fail = reject)));
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = left.get(batch.partition);
        if (range === undefined) return;
        const messages = batch.messages.filter((m) => Number(m.offset) >= range.start && Number(m.offset) < range.end);
        if (messages.length > 0) {
          await producer.send({
            topic: target,
            messages: messages.map((m) => ({ partition: batch.partition, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp })),
          }).catch(fail);
          copied(messages.length);
        }
        if (Number(batch.lastOffset()) + 1 >= range.end) {
          left.delete(batch.partition);
          consumer.pause([{ topic: source, partitions: [batch.partition] }]);
          if (left.size === 0) finish();
        }
      },
    });
    for (const r of wanted) consumer.seek({ topic: source, partition: r.partition, offset: String(r.start) });
    await Promise.race([done, stopped]);
  } finally {
    await consumer.disconnect();
    await producer.disconnect();
  }
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

  const stamp = new Date().toISOString().replace(/[-:T]/g, '').slice(0, 14);
  const run = `replay-${name}-${stamp}-${randomBytes(2).toString('hex')}`;
  // Under the config's own prefixes, so that Kafka and Redis ACLs written for them cover it.
  const namespace = `${config.topics.prefix}.${run}`;
  // Redis key prefixes are at most 32 characters of [a-z0-9_-]: the run's own is short.
  const redisPrefix = `${config.redis.keyPrefix}-r${run.slice(-4)}`;
  if (redisPrefix.length > 32) throw new CliError(CliErrorCode.USAGE, `redis.keyPrefix "${config.redis.keyPrefix}" leaves no room for a replay's prefix (${redisPrefix.length} of at most 32 characters): shorten it to 26 or fewer`);
  const inputs = { old: `${namespace}.old`, new: `${namespace}.new` };
  const kafka = createKafka({ ...kafkaConnection(config.kafka), clientId: `${config.kafka.clientId}-replay` });
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
  const total = [...ranges.old, ...ranges.new].reduce((n, r) => n + (r.end - r.start), 0);
  const verdicts = verdictTopics(namespace, name);
  io.log(`replaying ${name} from ${new Date(from).toISOString()} to ${to === null ? 'now' : new Date(to).toISOString()}: ${total.toLocaleString('en-US')} records (old ${comparison.old.topic}, new ${comparison.new.topic})`);
  io.log(`namespace ${namespace}; its verdicts go to ${verdicts.mismatches} and ${verdicts.matches}`);

  const bar = io.isTerminal ? new cliProgress.SingleBar({ format: '{phase} [{bar}] {value}/{total} records', hideCursor: true }, cliProgress.Presets.shades_classic) : null;
  let lastLine = 0;
  const progress = (phase: string, value: number) => {
    if (bar) bar.update(value, { phase });
    else if (Date.now() - lastLine > 2000 || value === total) {
      io.log(`${phase} ${value}/${total} records`);
      lastLine = Date.now();
    }
  };
  bar?.start(total * 2, 0, { phase: 'copy' });

  const sum = (m: Map<string, number>) => [...m.values()].reduce((a, b) => a + b, 0);
  let counts = new Map<string, number>();
  let interrupted = false;
  const stopped = (io.stopped ?? new Promise<void>(() => undefined)).then(() => void (interrupted = true));
  let copied = 0;
  try {
    // 1. The range, copied into the namespace.
    await Promise.all(
      (['old', 'new'] as const).map((side) =>
        copyRange(kafka, `${namespace}.copy-${side}`, comparison[side].topic, inputs[side], ranges[side], (n) => {
          copied += n;
          progress('copy', copied);
        }, stopped),
      ),
    );

    // 2. Unless interrupted while copying: a joiner on the copies, as its own process: the
    // comparison's settings, the namespace's state, topics and group. Its config is the user's file
    // with those fields changed (secrets stay references, never values), written beside it so that
    // relative paths still resolve, and removed.
    if (!interrupted) {
      const metricsPort = await freePort();
      const derived = join(dirname(options.config), `.${basename(options.config)}.${run}.yaml`);
      writeFileSync(derived, replayConfig(readFileSync(options.config, 'utf8'), { name, namespace, redisPrefix, inputs, maxWait: options.maxWait, metricsPort }), { mode: 0o600 });
      const joiner = startService('@shadowdiff/joiner/main', derived, join(workDir('replay'), `${run}.joiner.log`), joinerLaunch());
      let exited: number | null | undefined;
      const joinerExit = new Promise<void>((resolve) => joiner.on('exit', (code) => ((exited = code), resolve())));
      const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
      let settled: { at: number; verdicts: number } | null = null;
      try {
        // Done once every copied record is applied, none waits for a partner, and every verdict is out.
        for (;;) {
          if (interrupted) break;
          if (exited !== undefined) throw new CliError(CliErrorCode.API_ANSWER, `the replay's joiner exited (${exited}); its log: ${join(workDir('replay'), `${run}.joiner.log`)}`);
          const sample = await Promise.all([
            scrapeSum(metricsUrl, 'shadowdiff_records_total', name),
            scrapeCounter(metricsUrl, 'shadowdiff_pending_records', 'side', name),
            scrapeCounter(metricsUrl, 'shadowdiff_outbox_entries', 'comparison', name),
            scrapeVerdicts(metricsUrl, name),
          ]).catch(() => null);
          if (sample !== null) {
            const [records, pending, outbox, verdictCounts] = sample;
            counts = verdictCounts;
            const applied = records;
            progress('pair', copied + applied);
            // The gauges are sampled every 2 s: settled means so in samples of 2.5 s and more, the
            // verdicts not moving meanwhile.
            const quiet = applied >= copied && pending.size > 0 && sum(pending) === 0 && outbox.size > 0 && sum(outbox) === 0;
            if (!quiet || settled === null || sum(counts) !== settled.verdicts) settled = quiet ? { at: Date.now(), verdicts: sum(counts) } : null;
            else if (Date.now() - settled.at >= 2500) break;
          }
          await new Promise((resolve) => setTimeout(resolve, 250));
        }
      } finally {
        joiner.kill('SIGTERM');
        await joinerExit;
        rmSync(derived, { force: true });
        bar?.stop();
      }
    }
  } finally {
    // 3. What the replay leaves: its verdict topics; not its copies or its Redis state (also when
    // it fails or is interrupted).
    await cleanUp(kafka, config, inputs, namespace, redisPrefix);
  }
  if (interrupted) {
    io.log('replay interrupted: its copies and its Redis state are removed');
    return 130;
  }
  const decided = sum(counts);
  io.log('');
  io.log(`replay of ${name}: ${decided.toLocaleString('en-US')} verdicts`);
  for (const [kind, n] of [...counts].sort(([, a], [, b]) => b - a)) io.log(`  ${kind.padEnd(14)} ${n.toLocaleString('en-US').padStart(9)}`);
  io.log(`verdicts: ${verdicts.mismatches} (every non-match) and ${verdicts.matches}`);
  return 0;
}

async function cleanUp(kafka: Kafka, config: ShadowdiffConfig, inputs: { old: string; new: string }, namespace: string, redisPrefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [inputs.old, inputs.new] });
    await admin.deleteGroups([`${namespace}.copy-old`, `${namespace}.copy-new`, `${namespace}.joiner`]).catch(() => undefined);
  } finally {
    await admin.disconnect();
  }
  const at = redisConnection(config.redis);
  await deleteKeysUnder(at.url, redisPrefix, at.options);
}

/**
 * The user's config text with the replay's namespace: its Redis prefix, topic prefix and group, a
 * metrics port of its own, and the one comparison reading the copies in shadow mode with the
 * replay's maxWait. Everything else, secrets' references included, is left as written.
 */
export function replayConfig(text: string, r: { name: string; namespace: string; redisPrefix: string; inputs: { old: string; new: string }; maxWait: string; metricsPort: number }): string {
  const doc = parseDocument(text);
  doc.setIn(['redis', 'keyPrefix'], r.redisPrefix);
  doc.setIn(['topics', 'prefix'], r.namespace);
  doc.setIn(['joiner', 'groupId'], `${r.namespace}.joiner`);
  doc.setIn(['joiner', 'metricsPort'], r.metricsPort);
  doc.setIn(['joiner', 'metricsHost'], '127.0.0.1');
  const comparisons = doc.get('comparisons');
  if (!isSeq(comparisons)) throw new CliError(CliErrorCode.USAGE, 'the config has no comparisons list');
  const kept = comparisons.items.filter((item) => isMap(item) && item.get('name') === r.name);
  comparisons.items = kept;
  for (const side of ['old', 'new'] as const) doc.setIn(['comparisons', 0, side, 'topic'], r.inputs[side]);
  doc.setIn(['comparisons', 0, 'mode'], 'shadow');
  doc.setIn(['comparisons', 0, 'maxWait'], r.maxWait);
  return `# Written by 'shadowdiff replay' for ${r.namespace}; removed when it ends.\n${doc.toString()}`;
}
