import type { Mode, Side } from '@shadowdiff/config';
import type { SegmentOutcome } from '@shadowdiff/store';
import type { EachBatchPayload, KafkaMessage } from 'kafkajs';
import { describe, expect, it, vi } from 'vitest';
import { createAligner } from '../src/alignment.ts';
import { createBatchHandler, routesOf } from '../src/batch-handler.ts';
import { chunkBytes, createByteBudget } from '../src/byte-budget.ts';
import { createCommitter } from '../src/committer.ts';
import type { Comparison } from '../src/comparison.ts';
import { createJoinerEvents } from '../src/events.ts';
import type { ReadRecord } from '../src/record-reader.ts';

const OUTCOME: SegmentOutcome = { applied: 0, skipped: 0, paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0 };

/** A comparison that records what it is handed; `submit` fails while `failing`. */
function standInComparison(name: string, mode: Mode) {
  const handed: { side: Side; partition: number; offsets: string[] }[] = [];
  const forgotten: string[] = [];
  const reader = (m: KafkaMessage): ReadRecord => ({ offset: m.offset, kind: 'record', key: String(m.key), eventTime: Number(m.timestamp), blob: '', ts: 0, at: 0 });
  const comparison = {
    config: { name, old: { topic: 'old' }, new: { topic: 'new' } },
    mode,
    readers: { old: reader, new: reader },
    aligner: createAligner(),
    failing: false,
    ready: () => Promise.resolve(),
    submit: async (side: Side, _topic: string, partition: number, records: readonly ReadRecord[]) => {
      handed.push({ side, partition, offsets: records.map((r) => r.offset) });
      if (comparison.failing) throw new Error('flush failed');
      return { ...OUTCOME, applied: records.length, paired: records.length };
    },
    forget: (topic: string, partition: number) => void forgotten.push(`${topic}/${partition}`),
  };
  return { comparison, handed, forgotten };
}

/** A batch as kafkajs's eachBatch hands it out. */
function payloadOf(topic: string, partition: number, offsets: number[], isStale = () => false) {
  const resolved: string[] = [];
  let heartbeats = 0;
  const payload = {
    batch: { topic, partition, messages: offsets.map((o) => ({ offset: String(o), key: Buffer.from(`k${o}`), timestamp: String(1000 + o), value: null })), offsetLag: () => '0' },
    resolveOffset: (offset: string) => void resolved.push(offset),
    heartbeat: async () => void (heartbeats += 1),
    isRunning: () => true,
    isStale,
  } as unknown as EachBatchPayload;
  return { payload, resolved, heartbeats: () => heartbeats };
}

function handlerFor(comparisons: ReturnType<typeof standInComparison>['comparison'][], budget = createByteBudget(1 << 20)) {
  const commits: { offset: string }[][] = [];
  const seeks: string[] = [];
  const events = createJoinerEvents();
  const committer = createCommitter({ consumer: () => ({ commitOffsets: async (o) => void commits.push(o), seek: (s) => void seeks.push(`${s.topic}/${s.partition}@${s.offset}`) }), events });
  const applied: { comparison: string; idle: number; paired: number }[] = [];
  events.on('joiner.batch_applied', ({ comparison, outcomes }) => applied.push({ comparison, idle: outcomes.idle, paired: outcomes.paired }));
  const handler = createBatchHandler({
    routes: routesOf(comparisons as unknown as Comparison[]),
    chunkSize: 2,
    committer,
    pauses: { reconcile: () => undefined, assigned: () => undefined },
    events,
    isRunning: () => true,
    budget,
    readFailed: (error) => {
      throw error;
    },
  });
  return { handler, committer, commits, seeks, applied };
}

describe('batch handler', () => {
  it('hands a batch over in chunks to every comparison its topic feeds, resolving and heart-beating after each, and commits what they applied', async () => {
    const a = standInComparison('a', 'shadow');
    const b = standInComparison('b', 'reverse_shadow');
    const { handler, committer, commits, applied } = handlerFor([a.comparison, b.comparison]);
    const { payload, resolved, heartbeats } = payloadOf('old', 3, [10, 11, 12, 13, 14]);
    await handler(payload);
    expect(a.handed).toEqual([
      { side: 'old', partition: 3, offsets: ['10', '11'] },
      { side: 'old', partition: 3, offsets: ['12', '13'] },
      { side: 'old', partition: 3, offsets: ['14'] },
    ]);
    expect(b.handed).toEqual(a.handed);
    expect(resolved).toEqual(['11', '13', '14']);
    expect(heartbeats()).toBe(3);
    await committer.settled();
    await committer.commitSoon();
    expect(commits.flat().at(-1)).toEqual({ topic: 'old', partition: 3, offset: '15' });
    expect(applied.filter((e) => e.comparison === 'a').map((e) => e.paired)).toEqual([2, 2, 1]);
  });

  it('applies nothing for a comparison that does not compare: its chunk counts as idle and the partition is forgotten', async () => {
    const idle = standInComparison('idle', 'old');
    const { handler, applied } = handlerFor([idle.comparison]);
    await handler(payloadOf('new', 0, [0, 1, 2]).payload);
    expect(idle.handed).toEqual([]);
    expect(idle.forgotten).toEqual(['new/0', 'new/0']);
    expect(applied).toEqual([
      { comparison: 'idle', idle: 2, paired: 0 },
      { comparison: 'idle', idle: 1, paired: 0 },
    ]);
  });

  it('rewinds a partition to the first offset of a chunk that failed, and commits none of it', async () => {
    const a = standInComparison('a', 'shadow');
    a.comparison.failing = true;
    const { handler, committer, commits, seeks } = handlerFor([a.comparison]);
    // As kafkajs does, a seek makes the batch in hand stale: the handler reads no further of it.
    await handler(payloadOf('old', 1, [40, 41, 42], () => seeks.length > 0).payload);
    await committer.settled();
    await committer.commitSoon();
    expect(a.handed.map((h) => h.offsets)).toEqual([['40', '41']]);
    expect(seeks).toEqual(['old/1@40']);
    expect(commits).toEqual([]);
  });

  it('reads a chunk only once what the joiner holds read fits its budget, and gives the room back once the chunk is applied or failed', async () => {
    const a = standInComparison('a', 'shadow');
    const read: string[] = [];
    const reader = a.comparison.readers.old;
    a.comparison.readers.old = (m: KafkaMessage) => (read.push(m.offset), reader(m));
    // The first chunk's flush hangs until released; then the next fails.
    let applyFirst!: () => void;
    const firstApplied = new Promise<void>((resolve) => (applyFirst = resolve));
    const submit = a.comparison.submit;
    let calls = 0;
    a.comparison.submit = async (...args: Parameters<typeof submit>) => {
      calls += 1;
      if (calls === 1) await firstApplied;
      if (calls === 2) throw new Error('flush failed');
      return submit(...args);
    };
    const oneChunk = chunkBytes(payloadOf('old', 0, [0, 1]).payload.batch.messages);
    const budget = createByteBudget(oneChunk);
    const { handler } = handlerFor([a.comparison], budget);
    const turn = () => new Promise((resolve) => setImmediate(resolve));

    const first = handler(payloadOf('old', 0, [0, 1]).payload);
    const second = handler(payloadOf('old', 1, [10, 11]).payload);
    await turn();
    expect(read).toEqual(['0', '1']);
    expect(budget.held).toBe(oneChunk);
    applyFirst();
    await Promise.all([first, second]);
    await vi.waitFor(() => expect(budget.held).toBe(0));
    expect(read).toEqual(['0', '1', '10', '11']);
    // A third chunk is read: the failed one gave its room back too.
    await handler(payloadOf('old', 2, [20]).payload);
    expect(read).toEqual(['0', '1', '10', '11', '20']);
  });
});
