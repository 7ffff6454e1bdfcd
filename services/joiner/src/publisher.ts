import { causeChain } from '@shadowdiff/errors';
import type { DeadLetter } from '@shadowdiff/store';
import type { Message, Producer } from 'kafkajs';
import type { JoinerEvents } from './events.ts';
import { serializeVerdict, type DecidedVerdict } from './verdict.ts';

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
  /** Moves verdicts the broker refused for good from the outbox to the comparison's dead-letter list. */
  readonly deadLetter: (entries: readonly DeadLetter[]) => Promise<void>;
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
  /** The most one verdict's text may take on `topic` (its max.message.bytes less overhead). */
  readonly maxVerdictBytes?: (topic: string) => number;
}

/**
 * Broker errors that refuse a record for what it is (too large, keyless on a compacted topic, a
 * timestamp out of range): sending it again cannot succeed, and it must not hold back the rest.
 * Anything else (the broker away, authorisation) keeps every verdict in the outbox.
 */
const REFUSED_FOR_GOOD = new Set(['MESSAGE_TOO_LARGE', 'RECORD_LIST_TOO_LARGE', 'INVALID_RECORD', 'INVALID_TIMESTAMP']);

/** The broker's refusal of the records themselves in an error's cause chain (kafkajs wraps it), or null. */
export function refusalOf(error: unknown): string | null {
  for (const { type } of causeChain(error)) {
    if (typeof type === 'string' && REFUSED_FOR_GOOD.has(type)) return type;
  }
  return null;
}

interface Outgoing {
  readonly topic: string;
  readonly ready: ReadyVerdict;
  readonly job: PublishJob;
  readonly message: Message;
}

export function createPublisher({
  producer,
  events,
  maxQueued = 8,
  maxRequestBytes = 512 * 1024,
  maxVerdictBytes = () => Number.POSITIVE_INFINITY,
}: PublisherOptions): Publisher {
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

  async function send(topic: string, messages: readonly Message[]): Promise<void> {
    // A produce request carries at most maxRequestBytes of verdicts (and never more than the
    // topic takes in one batch), so that a batch of verdicts with large payloads is accepted.
    const limit = Math.min(maxRequestBytes, maxVerdictBytes(topic));
    let group: Message[] = [];
    let bytes = 0;
    for (const message of messages) {
      const size = Buffer.byteLength(message.value as string);
      if (group.length > 0 && bytes + size > limit) {
        await producer().send({ topic, acks: -1, messages: group });
        group = [];
        bytes = 0;
      }
      group.push(message);
      bytes += size;
    }
    if (group.length > 0) await producer().send({ topic, acks: -1, messages: group });
  }

  /**
   * Sends one topic's verdicts. When the broker refuses records for what they are, they are sent
   * again one by one, in order: those it refuses alone are returned (for the dead-letter list),
   * the others go out. Any other failure throws, and every verdict stays in the outbox.
   */
  async function sendIsolating(topic: string, outgoing: readonly Outgoing[]): Promise<{ item: Outgoing; error: string }[]> {
    try {
      await send(topic, outgoing.map((o) => o.message));
      return [];
    } catch (error) {
      if (refusalOf(error) === null) throw error;
    }
    const refused: { item: Outgoing; error: string }[] = [];
    for (const item of outgoing) {
      try {
        await producer().send({ topic, acks: -1, messages: [item.message] });
      } catch (error) {
        const type = refusalOf(error);
        if (type === null) throw error;
        refused.push({ item, error: `${type}: ${(error as Error).message}` });
      }
    }
    return refused;
  }

  /** The jobs that waited while the previous ones went out, in one go: one request per topic. */
  async function run(jobs: readonly PublishJob[]): Promise<void> {
    const byTopic = new Map<string, Outgoing[]>();
    for (const job of jobs) {
      for (const ready of job.verdicts) {
        if (ready.topic === null) continue;
        const { verdict } = ready.decided;
        let list = byTopic.get(ready.topic);
        if (list === undefined) byTopic.set(ready.topic, (list = []));
        const message: Message = {
          key: verdict.key,
          value: ready.text ?? serializeVerdict(verdict, maxVerdictBytes(ready.topic)),
          headers: { 'shadowdiff-verdict': verdict.verdict, 'shadowdiff-pair-id': verdict.pairId },
        };
        list.push({ topic: ready.topic, ready, job, message });
      }
    }
    const refused: { item: Outgoing; error: string }[] = [];
    try {
      for (const [topic, outgoing] of byTopic) refused.push(...(await sendIsolating(topic, outgoing)));
    } catch (error) {
      events.emit('joiner.error', { error: error as Error, during: 'publishing verdicts (they stay in the outbox)' });
      return;
    }
    const refusedVerdicts = new Set(refused.map((r) => r.item.ready));
    // Published once Kafka acknowledged them; leaving the outbox is Redis's part and comes after.
    emitPublished(jobs.flatMap((job) => job.verdicts.filter((v) => !refusedVerdicts.has(v))));
    const byDeadLetter = new Map<PublishJob['deadLetter'], DeadLetter[]>();
    for (const { item, error } of refused) {
      const { verdict } = item.ready.decided;
      const entry: DeadLetter = { outboxId: item.ready.outboxId, pairId: verdict.pairId, topic: item.topic, error, at: Date.now(), verdict: item.message.value as string };
      byDeadLetter.set(item.job.deadLetter, [...(byDeadLetter.get(item.job.deadLetter) ?? []), entry]);
      events.emit('joiner.verdict_dead_lettered', { comparison: verdict.comparison, pairId: verdict.pairId, verdict: verdict.verdict, topic: entry.topic, error });
    }
    for (const [deadLetter, entries] of byDeadLetter) {
      try {
        await deadLetter(entries);
      } catch (error) {
        // Still in the outbox: refused again after the lease, and dead-lettered then.
        events.emit('joiner.error', { error: error as Error, during: 'moving refused verdicts to the dead-letter list' });
      }
    }
    const byAck = new Map<PublishJob['ack'], string[]>();
    for (const job of jobs) {
      const ids = job.verdicts.flatMap((v) => (v.outboxId === null || refusedVerdicts.has(v) ? [] : [v.outboxId]));
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
