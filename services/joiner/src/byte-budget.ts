/**
 * A bound, in bytes, on what the joiner holds read and not yet applied. Without it what the
 * joiner holds grows with the number of partitions (every partition's chunk of one fetch is read
 * at once) and the size of the records; with it, it is the budget, whatever those are.
 *
 * A chunk is read only once its bytes fit, or when nothing is held (a chunk larger than the whole
 * budget goes alone: reading always progresses). Room is given in the order it was asked for, so
 * a large chunk is not starved by small ones behind it. What a chunk holds is given back once
 * every comparison has applied it (or failed to): kept-back records stay counted until then, and
 * a flush that brings nothing new keeps nothing back (segments.ts), so what is held always drains.
 */
export interface ByteBudget {
  /** Waits for room for `bytes`, takes it, and returns what gives it back (once; later calls do nothing). */
  take(bytes: number): Promise<() => void>;
  /** Bytes held now. */
  readonly held: number;
}

export function createByteBudget(maxBytes: number): ByteBudget {
  let held = 0;
  const waiting: { bytes: number; admit: () => void }[] = [];

  const fits = (bytes: number) => held === 0 || held + bytes <= maxBytes;

  function admitWaiting(): void {
    while (waiting.length > 0 && fits(waiting[0]!.bytes)) waiting.shift()!.admit();
  }

  function grant(bytes: number): () => void {
    held += bytes;
    let given = false;
    return () => {
      if (given) return;
      given = true;
      held -= bytes;
      admitWaiting();
    };
  }

  return {
    take(bytes) {
      if (waiting.length === 0 && fits(bytes)) return Promise.resolve(grant(bytes));
      return new Promise((resolve) => waiting.push({ bytes, admit: () => resolve(grant(bytes)) }));
    },
    get held() {
      return held;
    },
  };
}

/** What a chunk of Kafka messages weighs before it is read: its keys and values, plus a little for each record's envelope. */
export function chunkBytes(messages: readonly { readonly key?: Buffer | null; readonly value: Buffer | null }[]): number {
  let bytes = 0;
  for (const m of messages) bytes += (m.key?.length ?? 0) + (m.value?.length ?? 0) + 64;
  return bytes;
}
