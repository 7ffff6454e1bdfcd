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
 * Publishes verdicts off the consuming path, one job at a time and in order: the outbox already
 * holds every decision, so the partitions move on as soon as Redis has the state, and a verdict
 * whose publication fails stays in the outbox until a publisher takes it over after the lease.
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
  let tail: Promise<void> = Promise.resolve();
  let queued = 0;
  const waiting: (() => void)[] = [];

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

  async function run({ verdicts, ack }: PublishJob): Promise<void> {
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
      const ids = verdicts.flatMap((v) => (v.outboxId === null ? [] : [v.outboxId]));
      if (ids.length > 0) await ack(ids);
    } catch (error) {
      events.emit('joiner.error', { error: error as Error, during: 'publishing verdicts (they stay in the outbox)' });
      return;
    }
    emitPublished(verdicts);
  }

  return {
    async enqueue(job) {
      if (job.verdicts.every((v) => v.topic === null && v.outboxId === null)) {
        // Nothing to send and nothing in the outbox (unsampled matches): counted at once.
        emitPublished(job.verdicts);
        return;
      }
      while (queued >= maxQueued) await new Promise<void>((resolve) => waiting.push(resolve));
      queued += 1;
      tail = tail
        .then(() => run(job))
        .catch((error: unknown) => void events.emit('joiner.error', { error: error as Error, during: 'publishing verdicts' }))
        .finally(() => {
          queued -= 1;
          waiting.shift()?.();
        });
    },
    drain() {
      return tail;
    },
  };
}
