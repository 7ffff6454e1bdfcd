/**
 * Which offsets may be committed. The joiner reads on while Redis applies what it read before,
 * so Kafka's position runs ahead of what is applied; the group's committed offset must not. Each
 * chunk read is tracked in order per partition; a partition's committable offset is the one after
 * the last chunk of its longest applied prefix (what a restart would read next, every record
 * before it in Redis).
 */
export interface OffsetTracker {
  /** A chunk of a partition read up to `last`, in read order; returns its ticket. */
  track(topic: string, partition: number, last: string): number;
  /** The chunk is applied (by every comparison that reads its topic). */
  applied(ticket: number): void;
  /** Forgets the partition's chunks not yet applied: they failed and will be read again. */
  forget(topic: string, partition: number): void;
  /** The partitions whose committable offset is not yet committed, with that offset. */
  uncommitted(): { topic: string; partition: number; offset: string }[];
  /** These offsets are committed now. */
  committed(offsets: readonly { topic: string; partition: number; offset: string }[]): void;
  /** Counts every committable offset as not committed (a commit may have been dropped). */
  recommit(): void;
}

interface Chunk {
  readonly id: string;
  readonly ticket: number;
  readonly last: string;
  done: boolean;
}

export function createOffsetTracker(): OffsetTracker {
  const chunks = new Map<string, { topic: string; partition: number; queue: Chunk[] }>();
  const where = new Map<number, Chunk>();
  const committable = new Map<string, { topic: string; partition: number; offset: string }>();
  const committedAt = new Map<string, string>();
  let next = 0;

  return {
    track(topic, partition, last) {
      const id = `${topic}/${partition}`;
      let entry = chunks.get(id);
      if (!entry) chunks.set(id, (entry = { topic, partition, queue: [] }));
      const chunk: Chunk = { id, ticket: next++, last, done: false };
      entry.queue.push(chunk);
      where.set(chunk.ticket, chunk);
      return chunk.ticket;
    },
    applied(ticket) {
      const chunk = where.get(ticket);
      if (!chunk) return; // forgotten meanwhile
      chunk.done = true;
      const entry = chunks.get(chunk.id)!;
      let last: string | undefined;
      while (entry.queue[0]?.done) {
        const head = entry.queue.shift()!;
        where.delete(head.ticket);
        last = head.last;
      }
      if (last === undefined) return;
      const offset = BigInt(last) + 1n;
      const known = committable.get(chunk.id);
      // Never backwards: a partition read again (after a rebalance) brings chunks already applied.
      if (known === undefined || BigInt(known.offset) < offset) committable.set(chunk.id, { topic: entry.topic, partition: entry.partition, offset: offset.toString() });
    },
    forget(topic, partition) {
      const entry = chunks.get(`${topic}/${partition}`);
      if (!entry) return;
      for (const chunk of entry.queue) where.delete(chunk.ticket);
      entry.queue = [];
    },
    uncommitted() {
      return [...committable].filter(([id, c]) => committedAt.get(id) !== c.offset).map(([, c]) => c);
    },
    committed(offsets) {
      for (const { topic, partition, offset } of offsets) committedAt.set(`${topic}/${partition}`, offset);
    },
    recommit() {
      committedAt.clear();
    },
  };
}
