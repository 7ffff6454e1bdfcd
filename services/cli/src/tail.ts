/**
 * `shadowdiff tail <comparison>`: the comparison's verdicts as they are decided, read from its
 * verdict topics alone (no API, no Redis): from now, or from `--since` (offsets found by time).
 * It joins a consumer group of its own that commits nothing, so it never moves another reader, and
 * deletes it when it stops. A record that is not a verdict of the comparison (anyone who can write
 * to the topic can write anything there) is named on stderr and skipped.
 */
import { randomUUID } from 'node:crypto';
import { kafkaConnection, loadConfigFile, type ShadowdiffConfig } from '@shadowdiff/config';
import { parseVerdict } from '@shadowdiff/compare';
import { createKafka } from '@shadowdiff/kafka';
import { DISCREPANCY_KINDS, isVerdictKind, verdictTopics, type Verdict } from '@shadowdiff/vocabulary';
import { CliError, CliErrorCode } from './errors.ts';
import { safeJson } from './report-render.ts';
import { instantOf } from './report.ts';
import { passes, renderVerdict } from './tail-render.ts';

export interface TailOptions {
  readonly config: string;
  readonly since?: string;
  readonly verdict?: readonly string[];
  readonly key?: readonly string[];
  readonly path?: readonly string[];
  readonly json: boolean;
  readonly color: 'auto' | 'always' | 'never';
  readonly max?: string;
}

const list = (values: readonly string[] | undefined) => (values ?? []).flatMap((v) => v.split(',')).map((v) => v.trim()).filter((v) => v !== '');

export interface TailIo {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** Resolves when the user asks to stop (Ctrl-C). */
  readonly stopped: Promise<void>;
  readonly isTerminal: boolean;
}

export async function runTail({ comparison, options }: { comparison: string; options: TailOptions }, io: TailIo): Promise<number> {
  const config: ShadowdiffConfig = loadConfigFile(options.config);
  const settings = config.comparisons.find((c) => c.name === comparison);
  if (settings === undefined) {
    throw new CliError(CliErrorCode.USAGE, `no comparison "${comparison}" in ${options.config} (it has ${config.comparisons.map((c) => c.name).join(', ')})`);
  }
  const kinds = list(options.verdict);
  for (const kind of kinds) if (!isVerdictKind(kind)) throw new CliError(CliErrorCode.USAGE, `--verdict "${kind}": not a verdict kind`);
  const wanted = new Set<string>(kinds.length > 0 ? kinds : DISCREPANCY_KINDS);
  let max = Number.POSITIVE_INFINITY;
  if (options.max !== undefined) {
    max = Number(options.max);
    if (!Number.isInteger(max) || max < 1) throw new CliError(CliErrorCode.USAGE, `--max takes a whole number of 1 or more, got ${options.max}`);
  }
  const since = options.since === undefined ? null : Date.parse(instantOf(options.since, '--since'));
  const filters = { kinds: wanted, keys: new Set(list(options.key)), paths: list(options.path) };
  const colour = options.color === 'always' || (options.color === 'auto' && io.isTerminal && !('NO_COLOR' in process.env));

  const names = verdictTopics(config.topics.prefix, comparison);
  // Matches go to their own topic: it is read only when they are asked for.
  const topics = [...(wanted.has('match') ? [names.matches] : []), ...([...wanted].some((k) => k !== 'match') ? [names.mismatches] : [])];
  const kafka = createKafka({ ...kafkaConnection(config.kafka), clientId: `${config.kafka.clientId}-tail` });
  const groupId = `${config.topics.prefix}.tail.${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 100 });
  let shown = 0;
  let finish!: () => void;
  const done = new Promise<void>((resolve) => (finish = resolve));
  void io.stopped.then(finish);

  await consumer.connect();
  try {
    await consumer.subscribe({ topics, fromBeginning: false });
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        if (shown >= max) return;
        const checked = parseVerdict(message.value, comparison, settings.maxDepth);
        if (!checked.ok) {
          io.err(`shadowdiff tail: skipped a record of ${topic} (partition ${partition}, offset ${message.offset}) that is not a verdict: ${checked.reason}\n`);
          return;
        }
        const verdict = checked.verdict as unknown as Verdict;
        if (!passes(verdict, filters)) return;
        shown += 1;
        io.out(options.json ? `${safeJson(verdict)}\n` : renderVerdict(verdict, colour));
        if (shown >= max) finish();
      },
    });
    if (since !== null) {
      const admin = kafka.admin();
      await admin.connect();
      try {
        for (const topic of topics) {
          for (const { partition, offset } of await admin.fetchTopicOffsetsByTimestamp(topic, since)) consumer.seek({ topic, partition, offset });
        }
      } finally {
        await admin.disconnect();
      }
    }
    await Promise.race([joined, done]);
    io.err(`shadowdiff tail: ${topics.join(', ')} from ${since === null ? 'now' : new Date(since).toISOString()}${options.json ? '' : ' (Ctrl-C to stop)'}\n`);
    await done;
  } finally {
    await consumer.disconnect();
    // The group committed nothing; deleting it keeps the broker's group list to the readers that are.
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect());
  }
  return 0;
}
