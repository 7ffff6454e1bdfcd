/**
 * The group's committed offsets follow what Redis applied, never what was only read: each chunk
 * read is tracked (offset-tracker.ts) until every comparison reading its topic has applied it,
 * commits go one at a time, and a chunk that failed sends its partition back to be read again
 * from there (rewind).
 */
import type { Consumer } from 'kafkajs';
import type { JoinerEvents } from './events.ts';
import { createOffsetTracker } from './offset-tracker.ts';

export interface Committer {
  /**
   * A chunk of a partition, read up to `last`, handed to every comparison that reads its topic;
   * `applied` settles when they have applied it (its offsets then become committable) or one
   * failed (the failing comparison rewinds, nothing is committed).
   */
  track(topic: string, partition: number, last: string, applied: Promise<unknown>): void;
  /**
   * A chunk of this partition was not applied (its flush failed, or one before it did): read the
   * partition again from `first`. Chunks read after it are not committed; kafkajs drops what it
   * fetched of the partition before the seek, and the batches in hand see it as stale.
   */
  rewind(topic: string, partition: number, first: string): void;
  /** The partition is read on from where it was rewound to. */
  resumed(topic: string, partition: number): void;
  /** Commits what Redis has applied, one commit at a time (what arrives meanwhile goes next). */
  commitSoon(): Promise<void>;
  /** Commits again everything applied (a commit may have been dropped while kafkajs restarted). */
  recommit(): Promise<void>;
  /** Resolves once every chunk handed over has been applied or has failed. */
  settled(): Promise<void>;
}

export function createCommitter({ consumer, events }: { consumer: () => Pick<Consumer, 'commitOffsets' | 'seek'> | undefined; events: JoinerEvents }): Committer {
  const offsets = createOffsetTracker();
  /** Chunks handed over and not yet applied (or failed). */
  const settling = new Set<Promise<void>>();
  /** Partitions sent back after a failed flush, to the offset they read again from. */
  const rewinding = new Map<string, string>();
  let committing: Promise<void> | undefined;
  let commitAgain = false;

  function commitSoon(): Promise<void> {
    if (committing) {
      commitAgain = true;
      return committing;
    }
    committing = (async () => {
      do {
        commitAgain = false;
        const due = offsets.uncommitted();
        const to = consumer();
        if (due.length === 0 || !to) continue;
        try {
          await to.commitOffsets(due);
          offsets.committed(due);
        } catch (error) {
          // The next commit carries these offsets again (a rebalance, the broker away).
          events.emit('joiner.error', { error: error as Error, during: 'commit offsets' });
        }
      } while (commitAgain);
    })().finally(() => (committing = undefined));
    return committing;
  }

  return {
    track(topic, partition, last, applied) {
      const ticket = offsets.track(topic, partition, last);
      const settled = applied.then(
        () => {
          offsets.applied(ticket);
          void commitSoon();
        },
        () => undefined, // the flush's failure is reported and rewound where it happened
      );
      settling.add(settled);
      void settled.finally(() => settling.delete(settled));
    },
    rewind(topic, partition, first) {
      const tp = `${topic}/${partition}`;
      offsets.forget(topic, partition);
      // Several failed chunks of one partition (or comparisons) rewind to the earliest of them.
      const pending = rewinding.get(tp);
      const offset = pending !== undefined && BigInt(pending) < BigInt(first) ? pending : first;
      rewinding.set(tp, offset);
      consumer()?.seek({ topic, partition, offset });
    },
    resumed: (topic, partition) => void rewinding.delete(`${topic}/${partition}`),
    commitSoon,
    recommit() {
      offsets.recommit();
      return commitSoon();
    },
    async settled() {
      await Promise.allSettled([...settling]);
    },
  };
}
