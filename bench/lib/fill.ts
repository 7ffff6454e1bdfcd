// Fills a topic from a record generator, 2,000 records a produce request.
import type { Kafka, Message } from 'kafkajs';
import { createProducer } from '@shadowdiff/kafka';

export interface Filled {
  readonly produced: number;
  /** Wall time of the fill, ms. */
  readonly ms: number;
}

/**
 * Produces `make(i)` for i in [0, count) (null: none) to `topic`, with `inFlight` produce
 * requests at once. kafkajs does not keep concurrent requests in order, so more than one writes
 * each partition in blocks of 2,000 records out of event-time order.
 */
export async function fill(kafka: Kafka, topic: string, count: number, make: (i: number) => Message | null, inFlight = 1): Promise<Filled> {
  const producer = createProducer(kafka);
  await producer.connect();
  const started = Date.now();
  const pending = new Set<Promise<unknown>>();
  let batch: Message[] = [];
  let produced = 0;
  for (let i = 0; i < count; i += 1) {
    const message = make(i);
    if (message) batch.push(message);
    if (batch.length === 2000 || i === count - 1) {
      const sent = producer.send({ topic, acks: 1, messages: batch }).finally(() => pending.delete(sent));
      pending.add(sent);
      produced += batch.length;
      batch = [];
      if (pending.size >= inFlight) await Promise.race(pending);
    }
  }
  await Promise.all(pending);
  await producer.disconnect();
  return { produced, ms: Date.now() - started };
}
