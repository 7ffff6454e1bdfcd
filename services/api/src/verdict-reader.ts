import { verdictTopics } from '@shadowdiff/vocabulary';
import { REDACTED, createRedactor, parsePath, withRenamedPatterns, type Json, type Redactor } from '@shadowdiff/compare';
import { describeWithoutData } from '@shadowdiff/errors';
import type { ShadowdiffConfig } from '@shadowdiff/config';
import { KafkaError, KafkaErrorCode, codeOf, missingTopics } from '@shadowdiff/kafka';
import { classFieldsOf, type ReadModel, type VerdictRecord } from '@shadowdiff/store';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';
import { parseVerdict } from '@shadowdiff/compare';

/** `waiting`: the verdict topics do not exist yet (no joiner has created them); `failed`: kafkajs gave up. */
export type ReaderState = 'idle' | 'waiting' | 'consuming' | 'restarting' | 'failed' | 'stopped';

export interface VerdictReader {
  /** Starts reading in the background (waiting for the verdict topics first); resolves at once. */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The verdict topics it reads, and its consumer group (readiness compares their offsets). */
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly ingested: () => number;
  readonly state: () => ReaderState;
}

export interface VerdictReaderOptions {
  readonly kafka: Kafka;
  readonly config: ShadowdiffConfig;
  readonly models: ReadonlyMap<string, ReadModel>;
  readonly logger: Logger;
  readonly onIngested?: (comparison: string, count: number) => void;
  /** A record on a verdict topic that is not a valid verdict: skipped, and counted here. */
  readonly onSkipped?: (comparison: string, reason: string) => void;
  /** kafkajs gave up on the consumer: the process should stop and exit non-zero. */
  readonly onFatal?: (error: Error) => void;
  /** How often to look again for verdict topics that do not exist yet, ms. */
  readonly topicPollMs?: number;
}

/**
 * Adds verdicts to the read model in one call; when Redis refuses that call for good (not a
 * connection problem: those throw, and kafkajs reads the batch again), one by one, so that a
 * verdict Redis cannot take is skipped alone.
 */
async function recordEach(model: ReadModel, records: readonly VerdictRecord[], skipped: (reason: string) => void): Promise<number> {
  if (records.length === 0) return 0;
  try {
    return await model.record(records);
  } catch (error) {
    if (isRetriable(error) || records.length === 1) {
      if (isRetriable(error)) throw error;
      skipped(`refused by the read model: ${(error as Error).message}`);
      return 0;
    }
  }
  let added = 0;
  for (const record of records) added += await recordEach(model, [record], skipped);
  return added;
}

function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true;
}

/**
 * Consumes every comparison's verdict topics into the read model. Idempotent by pairId (the read
 * model's script), so re-reading from the beginning (a new group, a rebuild) changes nothing.
 * Anyone who can write to a verdict topic can write anything there: a record that is not a valid
 * `shadowdiff.verdict.v1` is skipped and counted, never retried, so it cannot jam the reader.
 */
/**
 * The differences' values redacted again, as the joiner does (for verdicts written by an older or
 * misconfigured joiner): by the difference's path and the path inside each value. A path this
 * reader cannot read loses both values whole when anything is to be redacted.
 */
export function redactVerdict(verdict: { old: { value: Json } | null; new: { value: Json } | null; differences: readonly unknown[] }, redactor: Redactor): void {
  if (verdict.old) verdict.old.value = redactor.value(verdict.old.value);
  if (verdict.new) verdict.new.value = redactor.value(verdict.new.value);
  redactDifferences(verdict.differences, redactor);
}

function redactDifferences(differences: readonly unknown[], redactor: Redactor): void {
  for (const d of differences as { path: string; old?: unknown; new?: unknown }[]) {
    const path = parsePath(d.path);
    for (const side of ['old', 'new'] as const) {
      if (!(side in d)) continue;
      if (path !== undefined) d[side] = redactor.valueAt(d[side] as Json, path);
      else if (redactor.active) d[side] = REDACTED;
    }
  }
}

export function createVerdictReader({
  kafka,
  config,
  models,
  logger,
  onIngested,
  onSkipped,
  onFatal,
  topicPollMs = 2000,
}: VerdictReaderOptions): VerdictReader {
  const topics = new Map<string, { comparison: string; redactor: Redactor; maxDepth: number }>();
  for (const c of config.comparisons) {
    const target = { comparison: c.name, redactor: createRedactor(withRenamedPatterns(c.redact, c.compare.rename)), maxDepth: c.maxDepth };
    const { matches, mismatches } = verdictTopics(config.topics.prefix, c.name);
    topics.set(matches, target);
    topics.set(mismatches, target);
  }
  const groupId = config.api.groupId ?? `${config.topics.prefix}.api`;
  let consumer: Consumer | undefined;
  let total = 0;
  let state: ReaderState = 'idle';
  let stopped = false;
  let wake: (() => void) | undefined;
  let running: Promise<void> | undefined;

  /** Resolves once every verdict topic exists, looking again every topicPollMs; false if stopped meanwhile. */
  async function topicsExist(): Promise<boolean> {
    let said = '';
    while (!stopped) {
      const admin = kafka.admin();
      let absent: string[] | undefined;
      try {
        await admin.connect();
        absent = await missingTopics(admin, [...topics.keys()]);
      } catch (error) {
        logger.warn({ err: error }, 'verdict reader: cannot list topics yet; trying again');
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
      if (absent?.length === 0) return true;
      if (absent && absent.join() !== said) {
        said = absent.join();
        state = 'waiting';
        logger.info({ event: 'api.waiting_for_topics', topics: absent }, `waiting for the verdict topics ${said} (a joiner creates them when it starts)`);
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, topicPollMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return false;
  }

  async function consume(): Promise<void> {
    if (!(await topicsExist())) return;
    consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        state = 'restarting';
        logger.warn({ err: payload.error }, 'verdict reader: the consumer failed; kafkajs restarts it');
        return;
      }
      state = 'failed';
      onFatal?.(
        new KafkaError(KafkaErrorCode.CONSUMER_STOPPED, `the verdict reader's Kafka consumer (group ${groupId}) stopped for good${codeOf(payload.error)}`, {
          cause: payload.error,
        }),
      );
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      state = 'consuming';
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...topics.keys()], fromBeginning: true });
    await consumer.run({
      eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
        const target = topics.get(batch.topic);
        const model = target && models.get(target.comparison);
        if (target && model) {
          const records: VerdictRecord[] = [];
          for (const message of batch.messages) {
            const skip = (reason: string) => {
              onSkipped?.(target.comparison, reason);
              logger.warn(
                { event: 'api.verdict_skipped', comparison: target.comparison, topic: batch.topic, partition: batch.partition, offset: message.offset, reason },
                `not a verdict: skipped (${reason})`,
              );
            };
            try {
              const parsed = parseVerdict(message.value, target.comparison, target.maxDepth);
              if (!parsed.ok) {
                skip(parsed.reason);
                continue;
              }
              const { verdict } = parsed;
              // Redaction again here, in case a producer of verdicts did not apply it.
              redactVerdict(verdict, target.redactor);
              records.push({
                pairId: verdict.pairId,
                verdict: verdict.verdict,
                decidedAt: Date.parse(verdict.decidedAt),
                json: verdict.verdict === 'match' ? '' : JSON.stringify(verdict),
                key: verdict.key,
                paths: [...new Set(verdict.differences.map((d) => d.path))],
                // Anyone who can write to the topic chooses it: only a finite number counts.
                latencyDeltaMs: typeof verdict.latencyDeltaMs === 'number' && Number.isFinite(verdict.latencyDeltaMs) ? verdict.latencyDeltaMs : null,
                classes: classFieldsOf({ ...verdict, decidedAt: Date.parse(verdict.decidedAt) }),
              });
            } catch (error) {
              // Whatever is wrong with one record, it costs that record only.
              skip(`unreadable: ${describeWithoutData(error)}`);
            }
          }
          const added = await recordEach(model, records, (reason) => onSkipped?.(target.comparison, reason));
          total += added;
          onIngested?.(target.comparison, added);
        }
        const last = batch.messages[batch.messages.length - 1];
        if (last) resolveOffset(last.offset);
        await heartbeat();
      },
    });
  }

  return {
    async start() {
      stopped = false;
      running = consume().catch((error: unknown) => {
        if (stopped) return;
        state = 'failed';
        onFatal?.(new KafkaError(KafkaErrorCode.CONSUMER_STOPPED, `the verdict reader could not start: ${(error as Error).message}`, { cause: error }));
      });
    },
    async stop() {
      stopped = true;
      wake?.();
      await running;
      await consumer?.disconnect();
      state = 'stopped';
    },
    topics: [...topics.keys()],
    groupId,
    ingested: () => total,
    state: () => state,
  };
}
