/**
 * What the joiner checks and prepares before it reads anything: its comparators (normaliser
 * modules load here), that Redis, Kafka and the registry accept it, that its input topics exist,
 * its verdict topics (created where missing, their size limits read), each side's partitions,
 * and each comparison's state epoch (a Redis that lost its state is found here).
 */
import type { ShadowdiffConfig } from '@shadowdiff/config';
import { checkKafkaAccess, ensureTopics, missingTopics, type CreateKafkaOptions } from '@shadowdiff/kafka';
import { connectRedis, type RedisClient } from '@shadowdiff/store';
import type { Kafka } from 'kafkajs';
import { buildComparator, checkRegistry } from './comparison-setup.ts';
import type { Comparison } from './comparison.ts';
import { JoinerError, JoinerErrorCode } from './errors.ts';
import type { JoinerEvents } from './events.ts';
import { verdictTopicBytes, type VerdictLimits } from './routing.ts';

export interface StartUpContext {
  readonly config: ShadowdiffConfig;
  readonly groupId: string;
  readonly comparisons: readonly Comparison[];
  readonly inputs: readonly string[];
  readonly redis: RedisClient;
  /** Who logs in to Redis, for errors (redisConnection's `user`). */
  readonly redisUser: string;
  readonly kafka: Kafka;
  readonly kafkaAt: CreateKafkaOptions;
  readonly verdictLimits: VerdictLimits;
  readonly events: JoinerEvents;
}

/** Refused credentials, an untrusted certificate or a missing topic stop start-up here, before anything is read. */
export async function prepare({ config, comparisons, inputs, redis, redisUser, kafka, kafkaAt, verdictLimits }: StartUpContext): Promise<void> {
  for (const c of comparisons) c.comparator = await buildComparator(c.config.compare, c.config.redact, c.config.maxDepth);
  await connectRedis(redis, redisUser);
  await checkKafkaAccess(kafkaAt);
  await checkRegistry(config);
  const admin = kafka.admin();
  await admin.connect();
  try {
    const absent = await missingTopics(admin, [...inputs]);
    if (absent.length > 0) {
      throw new JoinerError(
        JoinerErrorCode.TOPIC_MISSING,
        `input topic${absent.length > 1 ? 's' : ''} ${absent.join(', ')} not found on ${config.kafka.brokers.join(',')}: create ${absent.length > 1 ? 'them' : 'it'} or fix the comparison's topic`,
      );
    }
    const verdictTopics = comparisons.flatMap((c) => [c.topics.matches, c.topics.mismatches].map((topic) => ({ topic, bytes: verdictTopicBytes(c.config) })));
    await ensureTopics(
      admin,
      verdictTopics.map(({ topic, bytes }) => ({
        topic,
        numPartitions: config.topics.partitions,
        replicationFactor: config.topics.replicationFactor,
        configEntries: [{ name: 'max.message.bytes', value: String(bytes) }],
      })),
    );
    await verdictLimits.read(admin, verdictTopics.map((t) => t.topic));
    for (const c of comparisons) {
      for (const side of ['old', 'new'] as const) {
        const offsets = await admin.fetchTopicOffsets(c.config[side].topic);
        await c.store.registerPartitions(side, offsets.map((o) => o.partition));
      }
    }
  } finally {
    await admin.disconnect();
  }
}

/**
 * Opens each comparison's state epoch. A fresh epoch while the group already has committed
 * offsets on the comparison's topics means Redis lost the state while the joiner was away.
 */
export async function openState({ config, groupId, comparisons, redis, kafka, events }: StartUpContext): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    for (const c of comparisons) {
      const { created } = await c.store.openEpoch();
      if (!created) continue;
      const topics = [c.config.old.topic, c.config.new.topic];
      const committed = await admin.fetchOffsets({ groupId, topics });
      const hasOffsets = committed.some((t) => t.partitions.some((p) => Number(p.offset) >= 0));
      if (!hasOffsets) continue;
      if (config.joiner.onStateLoss === 'stop') {
        await redis.del(c.store.keys.epoch);
        throw new JoinerError(
          JoinerErrorCode.STATE_LOST,
          `comparison ${c.config.name}: Redis holds no state, but group ${groupId} has committed offsets on ${topics.join(', ')}. ` +
            'Redis lost the state (restarted without persistence, flushed, failed over). Refusing to run: the parked records are gone. ' +
            'Recover by resetting the group to the earliest offsets (joiner.onStateLoss: rewind does it at start) — see docs/guarantees.md.',
        );
      }
      for (const topic of topics) await admin.resetOffsets({ groupId, topic, earliest: true });
      events.emit('joiner.rewound', { comparison: c.config.name, topics });
    }
  } finally {
    await admin.disconnect();
  }
}
