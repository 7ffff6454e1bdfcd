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
        return items.map((i) => ({ result: `r${i}` }));
      },
      merge: (a, b) => a + b,
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

  it('keeps a flush within maxSize (one item at least); a failure rejects its flush and everything waiting behind it, then backs off', async () => {
    const flushes: number[][] = [];
    const flusher = createFlusher<number, number>({
      flush: async (items) => {
        flushes.push(items);
        if (items.includes(3)) throw new Error('boom');
        return items.map((result) => ({ result }));
      },
      merge: (a, b) => a + b,
      sizeOf: (n) => n,
      maxSize: 4,
      backoffMs: 50,
    });
    const results = await Promise.allSettled([flusher.submit(1), flusher.submit(2), flusher.submit(3), flusher.submit(5)]);
    expect(flushes).toEqual([[1, 2], [3]]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'rejected']);
    // The next flush waits out the back-off; ready() says when to hand over again.
    const failedAt = Date.now();
    await flusher.ready();
    expect(Date.now() - failedAt).toBeGreaterThanOrEqual(45);
    expect(await flusher.submit(6)).toBe(6);
    expect(flushes).toEqual([[1, 2], [3], [6]]);
  });

  it('ready() resolves once nothing waits behind the running flush', async () => {
    const releases: (() => void)[] = [];
    const flusher = createFlusher<number, number>({
      flush: async (items) => {
        await new Promise<void>((resolve) => releases.push(resolve));
        return items.map((result) => ({ result }));
      },
      merge: (a, b) => a + b,
      sizeOf: () => 1,
      maxSize: 10,
    });
    const order: string[] = [];
    const first = flusher.submit(1);
    await new Promise((resolve) => setImmediate(resolve));
    // The first flush runs; nothing waits behind it.
    await flusher.ready();
    const second = flusher.submit(2);
    void flusher.ready().then(() => order.push('ready'));
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual([]);
    releases[0]!(); // the second flush starts: nothing waits any more
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    expect(order).toEqual(['ready']);
    releases[1]!();
    expect(await second).toBe(2);
  });

  it('puts the rest of an item a flush kept back first into the next flush, and settles the caller with both results merged', async () => {
    const flushes: string[][] = [];
    let release: () => void = () => {};
    const flusher = createFlusher<string, number>({
      flush: async (items) => {
        flushes.push(items);
        if (flushes.length === 1) await new Promise<void>((resolve) => (release = resolve));
        // An item "ab" goes as "a" now, "b" later.
        return items.map((item) => (item.length > 1 ? { result: 1, rest: item.slice(1) } : { result: 1 }));
      },
      merge: (a, b) => a + b,
      sizeOf: () => 1,
      maxSize: 10,
    });
    const first = flusher.submit('ab');
    await new Promise((resolve) => setImmediate(resolve));
    const second = flusher.submit('c');
    release();
    expect(await first).toBe(2);
    expect(await second).toBe(1);
    expect(flushes).toEqual([['ab'], ['b', 'c']]);
  });

  it('keeps a flush within maxBytes too (one item at least)', async () => {
    const flushes: string[][] = [];
    const flusher = createFlusher<string, number>({
      flush: async (items) => {
        flushes.push(items);
        return items.map(() => ({ result: 1 }));
      },
      merge: (a, b) => a + b,
      sizeOf: () => 1,
      maxSize: 100,
      bytesOf: (item) => item.length,
      maxBytes: 5,
    });
    await Promise.all(['aa', 'bbb', 'c', 'dddddddd', 'e'].map((item) => flusher.submit(item)));
    expect(flushes).toEqual([['aa', 'bbb'], ['c'], ['dddddddd'], ['e']]);
  });
});
