import { createProducer } from '@shadowdiff/kafka';
import type { Kafka, Message, Producer } from 'kafkajs';
import type { PublishStats, Report } from './problems.ts';

/** Most results in one produce request. */
const SEND_BATCH = 500;

export interface ResultPublisherOptions {
  readonly kafka: Kafka;
  /** Name of the header carrying the source event time. */
  readonly eventTimeHeader: string;
  /** Most results waiting or being sent; past it a result is dropped (counted). */
  readonly maxInFlight: number;
  /** While Kafka is away, the producer connects again every max(1 s, this), ms. */
  readonly connectTimeoutMs: number;
  readonly report: Report;
}

/**
 * Publishes results in the background, keyed, with the source event time, many to a produce
 * request. It never throws into its caller: a result JSON cannot hold, one past maxInFlight or one
 * while Kafka is not connected is dropped and counted; a failed send is counted and reported.
 */
export function createResultPublisher({ kafka, eventTimeHeader, maxInFlight, connectTimeoutMs, report }: ResultPublisherOptions) {
  let producer: Producer | undefined;
  let connected = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const stats: PublishStats = { published: 0, publishFailed: 0, publishDropped: 0, unserialisable: 0, inFlight: 0 };

  /** Results waiting to be sent (bounded by maxInFlight together with those being sent). */
  const queue: { topic: string; message: Message }[] = [];
  let sending: Promise<void> | undefined;

  /** Sends what is queued, many results to a request, until nothing is left. */
  async function drain(): Promise<void> {
    while (queue.length > 0 && producer && connected) {
      const batch = queue.splice(0, SEND_BATCH);
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      try {
        await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        stats.published += batch.length;
      } catch (error) {
        stats.publishFailed += batch.length;
        report('publish_failed', error);
      } finally {
        stats.inFlight -= batch.length;
      }
    }
    sending = undefined;
  }

  function publish(topic: string, key: string, value: unknown, eventTime: Date): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      stats.unserialisable += 1;
      report('unserialisable', error);
      return;
    }
    if (text === undefined) {
      stats.unserialisable += 1;
      report('unserialisable');
      return;
    }
    if (!producer || !connected || stats.inFlight >= maxInFlight) {
      stats.publishDropped += 1;
      report('publish_dropped');
      return;
    }
    stats.inFlight += 1;
    queue.push({ topic, message: { key, value: text, headers: { [eventTimeHeader]: eventTime.toISOString() } } });
    sending ??= drain();
  }

  /** Connects the producer; while Kafka is away, tries again every few seconds (results are dropped meanwhile). */
  function connect(): Promise<void> {
    producer ??= createProducer(kafka);
    const attempt = producer.connect().then(
      () => {
        connected = true;
      },
      (error: unknown) => {
        report('publish_failed', error);
        if (!stopped) retryTimer = setTimeout(() => void connect(), Math.max(1000, connectTimeoutMs)).unref();
      },
    );
    return attempt;
  }

  return {
    publish,
    connect,
    stats(): Readonly<PublishStats> {
      return { ...stats };
    },
    /** Waits for the results still being published, then disconnects. */
    async stop(): Promise<void> {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      while (sending) await sending;
      await producer?.disconnect().catch(() => undefined);
    },
  };
}

export type ResultPublisher = ReturnType<typeof createResultPublisher>;
