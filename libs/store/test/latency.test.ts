import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { LATENCY_BUCKETS, LATENCY_BUCKET_COUNT, latencyBucket } from '../src/latency.ts';

describe('latency-delta buckets', () => {
  it('31 buckets that cover every whole millisecond once, in order, 0 on its own', () => {
    expect(LATENCY_BUCKETS).toHaveLength(LATENCY_BUCKET_COUNT);
    expect(LATENCY_BUCKETS[0]).toEqual({ min: null, max: -60_000 });
    expect(LATENCY_BUCKETS[15]).toEqual({ min: 0, max: 0 });
    expect(LATENCY_BUCKETS[16]).toEqual({ min: 1, max: 1 });
    expect(LATENCY_BUCKETS[17]).toEqual({ min: 2, max: 4 });
    expect(LATENCY_BUCKETS[30]).toEqual({ min: 60_000, max: null });
    for (let i = 1; i < LATENCY_BUCKETS.length; i += 1) expect(LATENCY_BUCKETS[i]!.min).toBe(LATENCY_BUCKETS[i - 1]!.max! + 1);
  });

  it('a delta falls in the bucket whose range holds it', () => {
    fc.assert(
      fc.property(fc.integer({ min: -200_000, max: 200_000 }), (d) => {
        const { min, max } = LATENCY_BUCKETS[latencyBucket(d)]!;
        expect((min === null || d >= min) && (max === null || d <= max)).toBe(true);
      }),
    );
    expect(latencyBucket(-1)).toBe(14);
    expect(latencyBucket(0.4)).toBe(15);
    expect(latencyBucket(59_999)).toBe(29);
  });
});
