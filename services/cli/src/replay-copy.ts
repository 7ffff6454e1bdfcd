/** `shadowdiff replay`'s first step: a time range of a topic, and its copy into the replay's namespace. */
import { createProducer } from '@shadowdiff/kafka';
import type { Admin, Kafka } from 'kafkajs';
import { CliError, CliErrorCode } from './errors.ts';

export interface PartitionRange {
  readonly partition: number;
  readonly start: number;
  readonly end: number;
}

/** Each partition's offsets from the first record at or after `from` to the first after `to` (exclusive). */
export async function rangeOf(admin: Admin, topic: string, from: number, to: number | null): Promise<PartitionRange[]> {
  const starts = await admin.fetchTopicOffsetsByTimestamp(topic, from);
  const ends = to === null ? (await admin.fetchTopicOffsets(topic)).map((o) => ({ partition: o.partition, offset: o.high })) : await admin.fetchTopicOffsetsByTimestamp(topic, to + 1);
  const endOf = new Map(ends.map((e) => [e.partition, Number(e.offset)]));
  return starts.map((s) => ({ partition: s.partition, start: Number(s.offset), end: endOf.get(s.partition) ?? Number(s.offset) })).sort((a, b) => a.partition - b.partition);
}

/**
 * Copies each partition's range of `source` to the same partition of `target`; calls `copied` as
 * records go. A partition is done when the consumer's position reaches the range's end, whatever
 * lies there: kafkajs hands no batch out for transaction markers and aborted records, but reports
 * the offsets it read past (END_BATCH_PROCESS). Partitions with nothing in range are not read. The
 * range ends at or before the last stable offset (offsets are looked up read_committed), so a
 * transaction still open never holds it back; a partition the broker does not serve for `stallMs`
 * fails the copy, naming the partitions and offsets it waits for.
 */
export async function copyRange(kafka: Kafka, groupId: string, source: string, target: string, ranges: readonly PartitionRange[], copied: (n: number) => void, stopped: Promise<void>, stallMs: number): Promise<void> {
  const wanted = ranges.filter((r) => r.end > r.start);
  if (wanted.length === 0) return;
  // Idempotent: a retried send never writes a record twice (a copy's duplicate would be a false
  // duplicate_* verdict). The consumer is never restarted by kafkajs: a restart would lose the
  // seeks and pauses below and begin at the topic's end, so a crash fails the copy instead.
  const producer = createProducer(kafka, { idempotent: true, maxInFlightRequests: 1 });
  const consumer = kafka.consumer({ groupId, maxWaitTimeInMs: 200, retry: { restartOnFailure: async () => false } });
  const left = new Map(wanted.map((r) => [r.partition, { ...r, at: r.start }]));
  const { promise: done, resolve: finish, reject: fail } = Promise.withResolvers<void>();
  let lastProgress = Date.now();
  let watch: NodeJS.Timeout | undefined;
  try {
    await producer.connect();
    await consumer.connect();
    await consumer.subscribe({ topics: [source], fromBeginning: false });
    consumer.on(consumer.events.CRASH, ({ payload }) => fail(new CliError(CliErrorCode.REPLAY_INCOMPLETE, `copying ${source} stopped: ${payload.error.message}`)));
    consumer.on(consumer.events.END_BATCH_PROCESS, ({ payload }) => {
      const range = payload.topic === source ? left.get(payload.partition) : undefined;
      if (range === undefined) return;
      const next = Number(payload.lastOffset) + 1;
      if (next > range.at) {
        range.at = next;
        lastProgress = Date.now();
      }
      if (next < range.end) return;
      left.delete(payload.partition);
      consumer.pause([{ topic: source, partitions: [payload.partition] }]);
      if (left.size === 0) finish();
    });
    await consumer.run({
      autoCommit: false,
      eachBatch: async ({ batch }) => {
        const range = left.get(batch.partition);
        if (range === undefined) return;
        const messages = batch.messages.filter((m) => Number(m.offset) >= range.start && Number(m.offset) < range.end);
        if (messages.length === 0) return;
        try {
          await producer.send({
            topic: target,
            messages: messages.map((m) => ({ partition: batch.partition, key: m.key, value: m.value, headers: m.headers, timestamp: m.timestamp })),
          });
        } catch (error) {
          fail(error);
          return;
        }
        copied(messages.length);
      },
    });
    for (const r of wanted) consumer.seek({ topic: source, partition: r.partition, offset: String(r.start) });
    const idle = ranges.filter((r) => r.end <= r.start).map((r) => r.partition);
    if (idle.length > 0) consumer.pause([{ topic: source, partitions: idle }]);
    watch = setInterval(() => {
      if (Date.now() - lastProgress < stallMs) return;
      const waiting = [...left.values()].map((r) => `partition ${r.partition} at offset ${r.at} of ${r.start}..${r.end - 1}`).join(', ');
      fail(new CliError(CliErrorCode.REPLAY_INCOMPLETE, `copying ${source} made no progress for ${stallMs / 1000}s; it waits for ${waiting}: the broker did not serve these offsets (is the partition's leader available?)`));
    }, Math.min(1000, stallMs));
    await Promise.race([done, stopped]);
  } finally {
    clearInterval(watch);
    await consumer.disconnect();
    await producer.disconnect();
  }
}
