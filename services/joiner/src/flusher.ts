/**
 * Gathers what concurrent callers submit (the batches kafkajs hands out in one go, of every
 * partition of both sides) and hands it on in one flush, one flush at a time: what arrives during
 * a flush goes into the next. Each caller's promise settles with its own item's result, or with
 * the flush's error.
 */
export interface Flusher<T, R> {
  submit(item: T): Promise<R>;
}

export interface FlusherOptions<T, R> {
  /** Handles the items of one flush; returns one result per item, in order. */
  readonly flush: (items: T[]) => Promise<R[]>;
  /** How much of the flush an item makes up (records), and the most one flush takes (one item at least). */
  readonly sizeOf: (item: T) => number;
  readonly maxSize: number;
}

interface Queued<T, R> {
  readonly item: T;
  readonly resolve: (result: R) => void;
  readonly reject: (error: unknown) => void;
}

export function createFlusher<T, R>({ flush, sizeOf, maxSize }: FlusherOptions<T, R>): Flusher<T, R> {
  let queue: Queued<T, R>[] = [];
  let active = false;

  async function run(): Promise<void> {
    while (queue.length > 0) {
      let size = 0;
      let taken = 0;
      while (taken < queue.length && (taken === 0 || size + sizeOf(queue[taken]!.item) <= maxSize)) {
        size += sizeOf(queue[taken]!.item);
        taken += 1;
      }
      const batch = queue.slice(0, taken);
      queue = queue.slice(taken);
      try {
        const results = await flush(batch.map((q) => q.item));
        batch.forEach((q, i) => q.resolve(results[i] as R));
      } catch (error) {
        for (const q of batch) q.reject(error);
      }
    }
    active = false;
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
  };
}
