import type { Producer } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createJoinerEvents } from '../src/events.ts';
import { createPublisher, type ReadyVerdict } from '../src/publisher.ts';

function ready(pairId: string, topic: string | null): ReadyVerdict {
  const verdict = { pairId, key: pairId, verdict: 'mismatch' } as unknown as ReadyVerdict['decided']['verdict'];
  return { decided: { verdict, pairWaitMs: null, lastArrivalMs: Date.now() }, outboxId: topic === null ? null : `id-${pairId}`, topic };
}

describe('publisher', () => {
  it('sends the jobs that queued while a request was out together, in order, then acks their outbox ids; counts a verdict once Kafka has it', async () => {
    const sent: { topic: string; keys: string[] }[] = [];
    let release: () => void = () => {};
    const producer = {
      send: async ({ topic, messages }: { topic: string; messages: { key: string }[] }) => {
        sent.push({ topic, keys: messages.map((m) => m.key) });
        if (sent.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return [];
      },
    } as unknown as Producer;
    const events = createJoinerEvents();
    const published: string[] = [];
    events.on('joiner.verdict_published', ({ verdict }) => published.push(verdict.pairId));
    const acked: string[][] = [];
    const ack = async (ids: readonly string[]) => void acked.push([...ids]);
    const publisher = createPublisher({ producer: () => producer, events });

    await publisher.enqueue({ verdicts: [ready('a', 't')], ack, deadLetter: async () => undefined });
    await publisher.enqueue({ verdicts: [ready('b', 't'), ready('c', null)], ack, deadLetter: async () => undefined });
    await publisher.enqueue({ verdicts: [ready('d', 't')], ack, deadLetter: async () => undefined });
    expect(published).toEqual([]);
    release();
    await publisher.drain();
    expect(sent).toEqual([
      { topic: 't', keys: ['a'] },
      { topic: 't', keys: ['b', 'd'] },
    ]);
    expect(published).toEqual(['a', 'b', 'c', 'd']);
    expect(acked).toEqual([['id-a'], ['id-b', 'id-d']]);
  });

  it('keeps verdicts whose request failed in the outbox (no ack, not counted) and reports it', async () => {
    const producer = { send: async () => Promise.reject(new Error('broker away')) } as unknown as Producer;
    const events = createJoinerEvents();
    const errors: string[] = [];
    events.on('joiner.error', ({ during }) => errors.push(during));
    const published: string[] = [];
    events.on('joiner.verdict_published', ({ verdict }) => published.push(verdict.pairId));
    const acked: string[] = [];
    const publisher = createPublisher({ producer: () => producer, events });
    await publisher.enqueue({ verdicts: [ready('a', 't')], ack: async (ids) => void acked.push(...ids), deadLetter: async () => undefined });
    await publisher.drain();
    expect({ errors, published, acked }).toEqual({ errors: ['publishing verdicts (they stay in the outbox)'], published: [], acked: [] });
  });
});

describe('publisher: a verdict the broker refuses for good', () => {
  it('goes to the dead-letter list, counted, and does not hold back the verdicts after it', async () => {
    const sent: string[] = [];
    const refusal = Object.assign(new Error('This record has failed the validation on broker'), { type: 'INVALID_RECORD', retriable: false });
    const producer = {
      send: async ({ messages }: { messages: { key: string | null }[] }) => {
        if (messages.some((m) => m.key === 'bad')) throw Object.assign(new Error('wrapped'), { cause: refusal });
        sent.push(...messages.map((m) => String(m.key)));
        return [];
      },
    } as unknown as Producer;
    const events = createJoinerEvents();
    const published: string[] = [];
    events.on('joiner.verdict_published', ({ verdict }) => published.push(verdict.pairId));
    const dead: { pairId: string; outboxId: string | null; error: string }[] = [];
    events.on('joiner.verdict_dead_lettered', ({ pairId }) => published.push(`dead:${pairId}`));
    const acked: string[] = [];
    const publisher = createPublisher({ producer: () => producer, events });
    await publisher.enqueue({
      verdicts: [ready('a', 't'), ready('bad', 't'), ready('c', 't')],
      ack: async (ids) => void acked.push(...ids),
      deadLetter: async (entries) => void dead.push(...entries.map(({ pairId, outboxId, error }) => ({ pairId, outboxId, error }))),
    });
    await publisher.drain();
    expect(sent).toEqual(['a', 'c']);
    expect(published).toEqual(['a', 'c', 'dead:bad']);
    expect(dead).toEqual([{ pairId: 'bad', outboxId: 'id-bad', error: 'INVALID_RECORD: wrapped' }]);
    expect(acked).toEqual(['id-a', 'id-c']);
  });

  it('a failure that is not about the records (authorisation, the broker away) keeps every verdict in the outbox', async () => {
    const producer = { send: async () => Promise.reject(Object.assign(new Error('no'), { type: 'TOPIC_AUTHORIZATION_FAILED' })) } as unknown as Producer;
    const dead: string[] = [];
    const acked: string[] = [];
    const publisher = createPublisher({ producer: () => producer, events: createJoinerEvents() });
    await publisher.enqueue({ verdicts: [ready('a', 't')], ack: async (ids) => void acked.push(...ids), deadLetter: async (e) => void dead.push(...e.map((x) => x.pairId)) });
    await publisher.drain();
    expect({ dead, acked }).toEqual({ dead: [], acked: [] });
  });
});
