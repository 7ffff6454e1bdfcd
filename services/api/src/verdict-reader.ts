import { createRedactor, type Redactor } from '@shadowdiff/compare';
import type { ShadowdiffConfig } from '@shadowdiff/config';
import type { ReadModel, VerdictRecord } from '@shadowdiff/store';
import type { Consumer, Kafka } from 'kafkajs';
import type { Logger } from 'pino';

interface VerdictJson {
  pairId: string;
  comparison: string;
  verdict: string;
  decidedAt: string;
  differences?: { path: string }[];
  old?: { value?: unknown } | null;
  new?: { value?: unknown } | null;
}

export interface VerdictReader {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** The verdict topics it reads, and its consumer group (readiness compares their offsets). */
  readonly topics: readonly string[];
  readonly groupId: string;
  readonly ingested: () => number;
}

/**
 * Consumes every comparison's verdict topics into the read model. Idempotent by pairId (the read
 * model's script), so re-reading from the beginning (a new group, a rebuild) changes nothing.
 */
export function createVerdictReader({
  kafka,
  config,
  models,
  logger,
  onIngested,
}: {
  kafka: Kafka;
  config: ShadowdiffConfig;
  models: ReadonlyMap<string, ReadModel>;
  logger: Logger;
  onIngested?: (comparison: string, count: number) => void;
}): VerdictReader {
  const topics = new Map<string, { comparison: string; redactor: Redactor }>();
  for (const c of config.comparisons) {
    const redactor = createRedactor(c.redact);
    topics.set(`${config.topics.prefix}.${c.name}.matches`, { comparison: c.name, redactor });
    topics.set(`${config.topics.prefix}.${c.name}.mismatches`, { comparison: c.name, redactor });
  }
  const groupId = config.api.groupId ?? `${config.topics.prefix}.api`;
  let consumer: Consumer | undefined;
  let total = 0;

  return {
    async start() {
      consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false });
      await consumer.connect();
      await consumer.subscribe({ topics: [...topics.keys()], fromBeginning: true });
      await consumer.run({
        eachBatch: async ({ batch, resolveOffset, heartbeat }) => {
          const target = topics.get(batch.topic);
          const model = target && models.get(target.comparison);
          if (target && model) {
            const records: VerdictRecord[] = [];
            for (const message of batch.messages) {
              if (!message.value) continue;
              let verdict: VerdictJson;
              try {
                verdict = JSON.parse(message.value.toString()) as VerdictJson;
              } catch {
                logger.warn({ topic: batch.topic, partition: batch.partition, offset: message.offset }, 'not a verdict: skipped');
                continue;
              }
              // Redaction again here, in case a producer of verdicts did not apply it.
              if (verdict.old?.value !== undefined) verdict.old.value = target.redactor.value(verdict.old.value as never);
              if (verdict.new?.value !== undefined) verdict.new.value = target.redactor.value(verdict.new.value as never);
              records.push({
                pairId: verdict.pairId,
                verdict: verdict.verdict,
                decidedAt: Date.parse(verdict.decidedAt),
                json: verdict.verdict === 'match' ? '' : JSON.stringify(verdict),
                paths: [...new Set((verdict.differences ?? []).map((d) => d.path))],
              });
            }
            const added = await model.record(records);
            total += added;
            onIngested?.(target.comparison, added);
          }
          const last = batch.messages[batch.messages.length - 1];
          if (last) resolveOffset(last.offset);
          await heartbeat();
        },
      });
    },
    async stop() {
      await consumer?.disconnect();
    },
    topics: [...topics.keys()],
    groupId,
    ingested: () => total,
  };
}
