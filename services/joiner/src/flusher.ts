/**
 * Gathers what concurrent callers submit (the batches kafkajs hands out in one go, of every
 * partition of both sides) and hands it on in one flush, one flush at a time, in the order
 * submitted: what arrives during a flush goes into the next. Each caller's promise settles with
 * its own item's result, or with the flush's error.
 *
 * The joiner does not wait for its flush before it reads on (Kafka fetches while Redis applies),
 * so a flush may fail while later ones wait. Those later ones must not run: an item may depend on
 * one before it (the next records of a partition). A failure therefore rejects its flush and
 * everything waiting behind it, and the next flush starts only after a back-off that doubles with
 * each failure in a row (a Redis that is away is not hammered).
 */
export interface Flusher<T, R> {
  submit(item: T): Promise<R>;
  /**
   * Resolves once nothing waits behind the flush that runs and no back-off is under way: the
   * moment to submit the next fetch's items (backpressure: at most one flush waits).
   */
  ready(): Promise<void>;
}

/**
 * What a flush did with an item: all of it (`result`), or part of it, with the `rest` to go first
 * into the next flush; the caller's promise then settles once the rest is flushed too, with both
 * results merged.
 */
export interface Flushed<T, R> {
  readonly result: R;
  readonly rest?: T;
}

export interface FlusherOptions<T, R> {
  /** Handles the items of one flush; returns one outcome per item, in order. */
  readonly flush: (items: T[]) => Promise<Flushed<T, R>[]>;
  /** Merges the results of an item's part and its rest. */
  readonly merge: (done: R, rest: R) => R;
  /** How much of the flush an item makes up (records), and the most one flush takes (one item at least). */
  readonly sizeOf: (item: T) => number;
  readonly maxSize: number;
  /** Likewise in bytes: what an item weighs, and the most one flush holds (one item at least). */
  readonly bytesOf?: (item: T) => number;
  readonly maxBytes?: number;
  /** Back-off after a first failure, ms; it doubles with each failure in a row, up to `maxBackoffMs`. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
}

interface Queued<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export function createFlusher<T, R>({ flush, merge, sizeOf, maxSize, bytesOf = () => 0, maxBytes = Number.POSITIVE_INFINITY, backoffMs = 100, maxBackoffMs = 5000 }: FlusherOptions<T, R>): Flusher<T, R> {
  let queue: Queued<T, R>[] = [];
  let active = false;
  let failures = 0;
  /** On the monotonic clock: a wall clock stepping back must not keep the back-off going. */
  let coolingUntil = 0;
  let waiters: (() => void)[] = [];

  const isReady = () => queue.length === 0 && performance.now() >= coolingUntil;

  /** Wakes the waiters whose condition holds now. */
  function wake(): void {
    const pending = waiters;
    waiters = [];
    for (const check of pending) check();
  }

  function until(condition: () => boolean): Promise<void> {
    return new Promise<void>((resolve) => {
      const check = () => (condition() ? resolve() : waiters.push(check));
      check();
    });
  }

  async function run(): Promise<void> {
    while (queue.length > 0) {
      const wait = coolingUntil - performance.now();
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      let size = 0;
      let bytes = 0;
      let taken = 0;
      while (taken < queue.length) {
        const item = queue[taken]!.item;
        const itemSize = sizeOf(item);
        const itemBytes = bytesOf(item);
        if (taken > 0 && (size + itemSize > maxSize || bytes + itemBytes > maxBytes)) break;
        size += itemSize;
        bytes += itemBytes;
        taken += 1;
      }
      const batch = queue.slice(0, taken);
      queue = queue.slice(taken);
      wake();
      try {
        const outcomes = await flush(batch.map((q) => q.item));
        failures = 0;
        const rests: Queued<T, R>[] = [];
        batch.forEach((q, i) => {
          const { result, rest } = outcomes[i]!;
          if (rest === undefined) q.resolve(result);
          else rests.push({ item: rest, resolve: (more) => q.resolve(merge(result, more)), reject: q.reject });
        });
        queue = [...rests, ...queue];
      } catch (error) {
        // What waits behind a failed flush may depend on it: it fails with it, in the same turn.
        const dropped = [...batch, ...queue];
        queue = [];
        failures += 1;
        const backoff = Math.min(maxBackoffMs, backoffMs * 2 ** (failures - 1));
        coolingUntil = performance.now() + backoff;
        setTimeout(wake, backoff + 1);
        for (const q of dropped) q.reject(error);
      }
    }
    active = false;
    wake();
  }

  return {
    submit(item) {
      return new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        if (active) return;
        active = true;
        // Everything submitted in this turn of the event loop (the batches of one fetch) joins.
        setImmediate(() => void run());
      });
    },
    ready: () => until(isReady),
  };
}
