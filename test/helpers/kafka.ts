import { createProducer, registerCompressionCodecs } from '@shadowdiff/kafka';
import { Kafka, logLevel, type Admin, type Message } from 'kafkajs';

/** A client for tests; it reads every codec the services read. */
export function testKafka(brokers: string): Kafka {
  registerCompressionCodecs();
  return new Kafka({ clientId: 'shadowdiff-test', brokers: brokers.split(','), logLevel: logLevel.NOTHING });
}

export async function createTopic(admin: Admin, topic: string, numPartitions = 3): Promise<void> {
  await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
}

/**
 * The usual pair of a test: `<prefix>.old` and `<prefix>.new`, with their partition counts and,
 * optionally, topic configs (e.g. a larger max.message.bytes).
 */
export async function createTopicPair(
  kafka: Kafka,
  prefix: string,
  { oldPartitions = 3, newPartitions = 3, configEntries = [] }: { oldPartitions?: number; newPartitions?: number; configEntries?: { name: string; value: string }[] } = {},
): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await admin.createTopics({
      topics: [
        { topic: `${prefix}.old`, numPartitions: oldPartitions, replicationFactor: 1, configEntries },
        { topic: `${prefix}.new`, numPartitions: newPartitions, replicationFactor: 1, configEntries },
      ],
      waitForLeaders: true,
    });
  } finally {
    await admin.disconnect();
  }
}

export async function deleteTopics(admin: Admin, prefix: string): Promise<void> {
  const topics = (await admin.listTopics()).filter((t) => t.startsWith(prefix));
  if (topics.length > 0) await admin.deleteTopics({ topics });
}

/** Produces messages in batches of `batchSize`, every one acknowledged by the broker. */
export async function produceRecords(kafka: Kafka, topic: string, messages: readonly Message[], batchSize = 500): Promise<void> {
  // Idempotent: a request retried after a time-out (a broker just started) writes nothing twice.
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  try {
    for (let i = 0; i < messages.length; i += batchSize) {
      await producer.send({ topic, acks: -1, messages: messages.slice(i, i + batchSize) });
    }
  } finally {
    await producer.disconnect();
  }
}

/**
 * Reads every message of `topics` from the beginning up to their end offsets at the time of the
 * call, and returns the values parsed as JSON. Uses no consumer group: it reads by offset.
 */
export async function readAll<T>(kafka: Kafka, topics: readonly string[], timeoutMs = 60_000): Promise<T[]> {
  const admin = kafka.admin();
  await admin.connect();
  const ends = new Map<string, Map<number, bigint>>();
  try {
    for (const topic of topics) {
      const offsets = await admin.fetchTopicOffsets(topic);
      ends.set(topic, new Map(offsets.map((o) => [o.partition, BigInt(o.high)])));
    }
  } finally {
    await admin.disconnect();
  }
  const remaining = new Set<string>();
  for (const [topic, parts] of ends) for (const [p, high] of parts) if (high > 0n) remaining.add(`${topic}/${p}`);
  const out: T[] = [];
  if (remaining.size === 0) return out;
  const consumer = kafka.consumer({ groupId: `reader-${Date.now()}-${Math.random().toString(36).slice(2)}` });
  await consumer.connect();
  try {
    await consumer.subscribe({ topics: [...topics], fromBeginning: true });
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`readAll: still waiting for ${[...remaining].join(', ')}`)), timeoutMs);
      consumer
        .run({
          eachMessage: async ({ topic, partition, message }) => {
            const high = ends.get(topic)?.get(partition) ?? 0n;
            if (BigInt(message.offset) < high && message.value) out.push(JSON.parse(message.value.toString()) as T);
            if (BigInt(message.offset) >= high - 1n) {
              remaining.delete(`${topic}/${partition}`);
              if (remaining.size === 0) {
                clearTimeout(timer);
                resolve();
              }
            }
          },
        })
        .catch(reject);
    });
  } finally {
    await consumer.disconnect();
  }
  return out;
}
