import { describe, expect, it } from 'vitest';
import { createFlusher } from '../src/flusher.ts';

describe('flusher', () => {
  it('hands what is submitted in one turn to one flush, and what comes during a flush to the next', async () => {
    const flushes: number[][] = [];
    let release: () => void = () => {};
    const flusher = createFlusher<number, string>({
      flush: async (items) => {
        flushes.push(items);
        if (flushes.length === 1) await new Promise<void>((resolve) => (release = resolve));
        return items.map((i) => `r${i}`);
      },
      sizeOf: () => 1,
      maxSize: 100,
    });
    const first = [flusher.submit(1), flusher.submit(2)];
    await new Promise((resolve) => setImmediate(resolve));
    const later = [flusher.submit(3), flusher.submit(4)];
    release();
    expect(await Promise.all([...first, ...later])).toEqual(['r1', 'r2', 'r3', 'r4']);
    expect(flushes).toEqual([[1, 2], [3, 4]]);
  });

  it('keeps a flush within maxSize (one item at least) and rejects the callers of a failed flush only', async () => {
    const flushes: number[][] = [];
    const flusher = createFlusher<number, number>({
      flush: async (items) => {
        flushes.push(items);
        if (items.includes(3)) throw new Error('boom');
        return items;
      },
      sizeOf: (n) => n,
      maxSize: 4,
    });
    const results = await Promise.allSettled([flusher.submit(1), flusher.submit(2), flusher.submit(3), flusher.submit(5)]);
    expect(flushes).toEqual([[1, 2], [3], [5]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
  });
});
