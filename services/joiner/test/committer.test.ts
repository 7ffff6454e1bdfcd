import { describe, expect, it } from 'vitest';
import { createCommitter } from '../src/committer.ts';
import { createJoinerEvents } from '../src/events.ts';

/** A stand-in for the kafkajs consumer: records commits and seeks; a commit fails while `failing`. */
function standIn() {
  const commits: { topic: string; partition: number; offset: string }[][] = [];
  const seeks: { topic: string; partition: number; offset: string }[] = [];
  const consumer = {
    failing: false,
    commitOffsets: async (offsets: { topic: string; partition: number; offset: string }[]) => {
      if (consumer.failing) throw new Error('coordinator not available');
      commits.push(offsets);
    },
    seek: (to: { topic: string; partition: number; offset: string }) => void seeks.push(to),
  };
  return { consumer, commits, seeks };
}

describe('committer', () => {
  it('commits a chunk only once every comparison reading it has applied it, in read order per partition', async () => {
    const { consumer, commits } = standIn();
    const committer = createCommitter({ consumer: () => consumer, events: createJoinerEvents() });
    let applyFirst: () => void = () => {};
    committer.track('t', 0, '99', new Promise<void>((resolve) => (applyFirst = resolve)));
    committer.track('t', 0, '199', Promise.resolve());
    await committer.commitSoon();
    expect(commits).toEqual([]);
    applyFirst();
    await committer.settled();
    await committer.commitSoon();
    expect(commits.flat().at(-1)).toEqual({ topic: 't', partition: 0, offset: '200' });
  });

  it('rewinds a failed chunk to its first offset, the earliest of several, and never commits past it', async () => {
    const { consumer, commits, seeks } = standIn();
    const committer = createCommitter({ consumer: () => consumer, events: createJoinerEvents() });
    committer.track('t', 0, '99', Promise.reject(new Error('flush failed')));
    committer.track('t', 0, '199', Promise.resolve());
    committer.rewind('t', 0, '100');
    committer.rewind('t', 0, '0');
    committer.rewind('t', 0, '100');
    await committer.settled();
    await committer.commitSoon();
    expect(seeks.map((s) => s.offset)).toEqual(['100', '0', '0']);
    expect(commits).toEqual([]);
    // Read on from there: a later rewind starts afresh.
    committer.resumed('t', 0);
    committer.rewind('t', 0, '300');
    expect(seeks.at(-1)?.offset).toBe('300');
  });

  it('reports a failed commit and carries its offsets into the next one', async () => {
    const { consumer, commits } = standIn();
    const events = createJoinerEvents();
    const errors: string[] = [];
    events.on('joiner.error', ({ during }) => errors.push(during));
    const committer = createCommitter({ consumer: () => consumer, events });
    consumer.failing = true;
    committer.track('t', 1, '9', Promise.resolve());
    await committer.settled(); // applying it commits by itself...
    await committer.commitSoon(); // ...and so does this: both fail
    expect(errors).toEqual(['commit offsets', 'commit offsets']);
    consumer.failing = false;
    await committer.recommit();
    expect(commits).toEqual([[{ topic: 't', partition: 1, offset: '10' }]]);
  });
});
