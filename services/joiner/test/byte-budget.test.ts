import { describe, expect, it } from 'vitest';
import { chunkBytes, createByteBudget } from '../src/byte-budget.ts';

const settled = async <T>(p: Promise<T>) => {
  let done = false;
  void p.then(() => (done = true));
  // Every promise ready to settle has settled once the macrotask queue turns.
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe('byte budget', () => {
  it('gives room while what is held fits, and makes the next wait until enough is given back', async () => {
    const budget = createByteBudget(100);
    const a = await budget.take(60);
    const b = await budget.take(40);
    expect(budget.held).toBe(100);
    const c = budget.take(30);
    expect(await settled(c)).toBe(false);
    a();
    expect(await settled(c)).toBe(true);
    expect(budget.held).toBe(70);
    b();
    (await c)();
    expect(budget.held).toBe(0);
  });

  it('lets a chunk larger than the whole budget in alone, so reading always progresses', async () => {
    const budget = createByteBudget(100);
    const small = await budget.take(10);
    const huge = budget.take(500);
    expect(await settled(huge)).toBe(false);
    small();
    const release = await huge;
    expect(budget.held).toBe(500);
    const next = budget.take(1);
    expect(await settled(next)).toBe(false);
    release();
    expect(await settled(next)).toBe(true);
  });

  it('gives room in the order it was asked for: a large chunk is not starved by small ones behind it', async () => {
    const budget = createByteBudget(100);
    const first = await budget.take(50);
    const order: string[] = [];
    const large = budget.take(80).then((r) => (order.push('large'), r));
    const small = budget.take(10).then((r) => (order.push('small'), r));
    // 10 would fit now, but the large one asked first.
    expect(await settled(small)).toBe(false);
    first();
    (await large)();
    await small;
    expect(order).toEqual(['large', 'small']);
  });

  it('gives back once, however often the release is called', async () => {
    const budget = createByteBudget(100);
    const release = await budget.take(30);
    release();
    release();
    expect(budget.held).toBe(0);
  });

  it('weighs a chunk by its keys and values, plus an envelope per record', () => {
    expect(chunkBytes([{ key: Buffer.from('ab'), value: Buffer.alloc(100) }, { key: null, value: null }])).toBe(102 + 64 + 64);
  });
});
