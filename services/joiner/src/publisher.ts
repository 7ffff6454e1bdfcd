import type { Message, Producer } from 'kafkajs';
import type { JoinerEvents } from './events.ts';
import type { DecidedVerdict } from './verdict.ts';

/** A verdict decided and ready to go out. */
export interface ReadyVerdict {
  readonly decided: DecidedVerdict;
  /** Its outbox id, removed once it is published; null when it was never put in the outbox. */
  readonly outboxId: string | null;
  /** The topic it goes to; null for a match that is counted but not emitted. */
  readonly topic: string | null;
  /** Its JSON text, when it goes to a topic and was already built; built here otherwise. */
  readonly text?: string;
}

export interface PublishJob {
  readonly verdicts: readonly ReadyVerdict[];
  /** Removes published decisions from the outbox of their comparison. */
  readonly ack: (ids: readonly string[]) => Promise<void>;
}

/**
 * Publishes verdicts off the consuming path, in order: the outbox already holds every decision,
 * so the partitions move on as soon as Redis has the state, and a verdict whose publication fails
 * stays in the outbox until a publisher takes it over after the lease. The jobs that queue while
 * one request is out go together in the next (one request per topic, one outbox ack).
 */
export interface Publisher {
  /** Queues a job; waits only while `maxQueued` jobs are already waiting (backpressure). */
  enqueue(job: PublishJob): Promise<void>;
  /** Resolves once every job queued so far is done. */
  drain(): Promise<void>;
}

export interface PublisherOptions {
  readonly producer: () => Producer;
  readonly events: JoinerEvents;
  readonly maxQueued?: number;
  /** Most verdict bytes in one produce request (the broker's default limit is 1 MiB per batch). */
  readonly maxRequestBytes?: number;
}

export function createPublisher({ producer, events, maxQueued = 8, maxRequestBytes = 512 * 1024 }: PublisherOptions): Publisher {
  let queue: PublishJob[] = [];
  let working: Promise<void> | undefined;
  let waiting: (() => void)[] = [];

  function emitPublished(verdicts: readonly ReadyVerdict[]): void {
    const publishedAt = Date.now();
    for (const { decided, topic } of verdicts) {
      const { verdict, pairWaitMs, lastArrivalMs } = decided;
      events.emit('joiner.verdict_published', { verdict, topic, pairWaitMs, latencyMs: Math.max(0, publishedAt - lastArrivalMs) });
    }
  }

  async function send(topic: string, messages: Message[]): Promise<void> {
    // A produce request carries at most maxRequestBytes of verdicts, so that a batch of verdicts
    // with large payloads never exceeds what the broker accepts in one request.
    let group: Message[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = (message.value as string).length;
      if (group.length > 0 && bytes + size > maxRequestBytes) {
        await producer().send({ topic, acks: -1, messages: group });
        group = [];
        bytes = 0;
      }
      group.push(message);
      bytes += size;
    }
    if (group.length > 0) await producer().send({ topic, acks: -1, messages: group });
  }

  /** The jobs that waited while the previous ones went out, in one go: one request per topic. */
  async function run(jobs: readonly PublishJob[]): Promise<void> {
    const verdicts = jobs.flatMap((job) => job.verdicts);
    const byTopic = new Map<string, Message[]>();
    for (const { decided, topic, text } of verdicts) {
      if (topic === null) continue;
      const { verdict } = decided;
      let messages = byTopic.get(topic);
      if (messages === undefined) byTopic.set(topic, (messages = []));
      messages.push({
        key: verdict.key,
        value: text ?? JSON.stringify(verdict),
        headers: { 'shadowdiff-verdict': verdict.verdict, 'shadowdiff-pair-id': verdict.pairId },
      });
    }
    try {
      for (const [topic, messages] of byTopic) await send(topic, messages);
    } catch (error) {
      events.emit('joiner.error', { error: error as Error, during: 'publishing verdicts (they stay in the outbox)' });
      return;
    }
    // Published once Kafka acknowledged them; leaving the outbox is Redis's part and comes after.
    emitPublished(verdicts);
    const byAck = new Map<PublishJob['ack'], string[]>();
    for (const job of jobs) {
      const ids = job.verdicts.flatMap((v) => (v.outboxId === null ? [] : [v.outboxId]));
      if (ids.length > 0) byAck.set(job.ack, [...(byAck.get(job.ack) ?? []), ...ids]);
    }
    for (const [ack, ids] of byAck) {
      try {
        await ack(ids);
      } catch (error) {
        // Published, but still in the outbox: published again after the lease, the same pairIds.
        events.emit('joiner.error', { error: error as Error, during: 'removing published verdicts from the outbox' });
      }
    }
  }

  async function work(): Promise<void> {
    while (queue.length > 0) {
      const jobs = queue;
      queue = [];
      const room = waiting;
      waiting = [];
      for (const wake of room) wake();
      await run(jobs).catch((error: unknown) => void events.emit('joiner.error', { error: error as Error, during: 'publishing verdicts' }));
    }
    working = undefined;
  }

  return {
    async enqueue(job) {
      if (job.verdicts.every((v) => v.topic === null && v.outboxId === null)) {
        // Nothing to send and nothing in the outbox (unsampled matches): counted at once.
        emitPublished(job.verdicts);
        return;
      }
      while (queue.length >= maxQueued) await new Promise<void>((resolve) => waiting.push(resolve));
      queue.push(job);
      working ??= work();
    },
    async drain() {
      while (working) await working;
    },
  };
}
