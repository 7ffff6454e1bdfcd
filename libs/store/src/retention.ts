/**
 * Time buckets for what the store remembers after a decision (seen counters, tombstones). A key
 * touched at time t is written into the bucket of t, whose hash expires one retention period after
 * the bucket's end: every key is remembered for at least `retentionMs` after it was last touched
 * and at most half a period longer, with no per-key index to sweep. Which buckets are read follows
 * the caller's clock; Redis only reclaims the memory (PEXPIRE, relative to that same clock).
 */
export interface RetentionBuckets {
  /** The bucket written now, then the two before it: all that can hold keys younger than the retention. */
  readonly live: readonly [number, number, number];
  /** How long from now the current bucket is kept, ms (more than the retention, at most half a period more). */
  readonly ttlMs: number;
}

export function retentionBuckets(now: number, retentionMs: number): RetentionBuckets {
  const width = Math.max(1, Math.ceil(retentionMs / 2));
  const current = Math.floor(now / width);
  // The bucket two before the current one ends at (current - 1) * width and expires at
  // (current - 1) * width + retentionMs >= now; the one before that has always expired.
  return { live: [current, current - 1, current - 2], ttlMs: (current + 1) * width + retentionMs - now };
}
