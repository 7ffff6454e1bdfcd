/**
 * The read model's latency-delta buckets: how much later (or earlier) the new output's Kafka
 * timestamp is than the old output's, per pair. Kafka timestamps are whole milliseconds, so each
 * bucket is a range of whole milliseconds, both ends included: 0 on its own, then magnitudes of
 * 1, 2, 5, 10 … 60,000 ms and beyond, mirrored for the new side being faster. 31 buckets: their
 * counts per minute are bounded whatever the traffic.
 */

const MAGNITUDES = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 30_000, 60_000] as const;
const ZERO = MAGNITUDES.length;

export const LATENCY_BUCKET_COUNT = 2 * MAGNITUDES.length + 1;

/** A bucket's whole milliseconds, both ends included; null: unbounded on that side. */
export interface LatencyBucketRange {
  readonly min: number | null;
  readonly max: number | null;
}

/** Every bucket in order, from the new side most ahead (most negative) to most behind. */
export const LATENCY_BUCKETS: readonly LatencyBucketRange[] = [
  ...MAGNITUDES.map((_, i) => i)
    .reverse()
    .map((i) => ({ min: i === MAGNITUDES.length - 1 ? null : -(MAGNITUDES[i + 1]! - 1), max: -MAGNITUDES[i]! })),
  { min: 0, max: 0 },
  ...MAGNITUDES.map((m, i) => ({ min: m, max: i === MAGNITUDES.length - 1 ? null : MAGNITUDES[i + 1]! - 1 })),
];

/** The bucket of a delta in ms (rounded to a whole millisecond). */
export function latencyBucket(deltaMs: number): number {
  const d = Math.round(deltaMs);
  if (d === 0) return ZERO;
  const magnitude = Math.abs(d);
  let i = MAGNITUDES.length - 1;
  while (magnitude < MAGNITUDES[i]!) i -= 1;
  return d > 0 ? ZERO + 1 + i : ZERO - 1 - i;
}
