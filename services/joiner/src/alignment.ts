/**
 * Event-time alignment of the partitions one comparison reads, while they have a backlog (in the
 * spirit of Flink's watermark alignment). Kafka hands out whole producer batches, so the two sides
 * of a partition advance by different amounts in each fetch and drift apart over a long backlog;
 * records then find their partner in a later flush, after one of them was parked in Redis, which
 * is the expensive path. Holding back a partition that is ahead keeps both sides of every key in
 * the same fetch, and bounds what a backlog parks.
 *
 * A partition is held back while its newest event time is more than `slack` ahead of the lowest
 * among the partitions that still have a backlog; the slack is what a partition advances in one
 * fetch (the median event-time span of the latest batches), so that the lowest partitions keep
 * fetching full batches. The lowest partition is never held back, so reading always progresses;
 * a partition without backlog (caught up) or without news for `staleMs` (revoked, say) does not
 * hold the others back. Live traffic, where every partition is caught up, is never held back.
 */
export interface Aligner {
  /** What one batch of a partition brought: its event-time range, and whether it reached the end. */
  observe(topic: string, partition: number, batch: { readonly oldest: number; readonly newest: number; readonly caughtUp: boolean }, now?: number): void;
  /** The partitions to hold back now, as `topic/partition`. */
  ahead(now?: number): Set<string>;
  /**
   * The lowest newest event time among the partitions with a backlog (undefined unless two or more
   * have one). Every partition has read up to it, so a record at or before it finds its partner
   * (with the same event time) already read; a record after it may not, and is better kept back
   * a flush than parked.
   */
  frontier(now?: number): number | undefined;
  /** Forgets every partition (after a rebalance). */
  reset(): void;
}

interface Progress {
  time: number;
  span: number;
  caughtUp: boolean;
  at: number;
}

export function createAligner({ staleMs = 10_000 }: { staleMs?: number } = {}): Aligner {
  const progress = new Map<string, Progress>();
  let held = new Set<string>();

  function withBacklog(now: number): [string, Progress][] {
    const behind: [string, Progress][] = [];
    for (const entry of progress) {
      const [id, p] = entry;
      // A partition held back gets no batches: it stays in, with its last progress.
      if (!p.caughtUp && (held.has(id) || now - p.at < staleMs)) behind.push(entry);
    }
    return behind;
  }

  return {
    observe(topic, partition, { oldest, newest, caughtUp }, now = Date.now()) {
      const id = `${topic}/${partition}`;
      const known = progress.get(id);
      // A batch of invalid records only (no event time to go by) tells nothing of where the partition is.
      if (!Number.isFinite(newest)) {
        if (known) progress.set(id, { ...known, caughtUp, at: now });
        return;
      }
      progress.set(id, { time: Math.max(newest, known?.time ?? newest), span: Math.max(0, newest - oldest), caughtUp, at: now });
    },
    ahead(now = Date.now()) {
      const behind = withBacklog(now);
      if (behind.length < 2) return (held = new Set());
      const low = Math.min(...behind.map(([, p]) => p.time));
      const spans = behind.map(([, p]) => p.span).sort((a, b) => a - b);
      const slack = spans[Math.floor(spans.length / 2)]!;
      held = new Set(behind.filter(([, p]) => p.time > low + slack).map(([id]) => id));
      return held;
    },
    frontier(now = Date.now()) {
      const behind = withBacklog(now);
      return behind.length < 2 ? undefined : Math.min(...behind.map(([, p]) => p.time));
    },
    reset() {
      progress.clear();
      held = new Set();
    },
  };
}
