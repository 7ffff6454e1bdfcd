import type { Side } from '@shadowdiff/config';

export interface FlowDecision {
  /** The side to hold back now, if any. */
  readonly pause: Side | null;
}

/**
 * Decides which side of a comparison to pause so that a side running far ahead waits in Kafka
 * instead of filling Redis with records that cannot pair yet.
 *
 * A side is paused while its stream time is more than `maxAheadMs` ahead of the other side's and
 * the other side is still moving (its stream time advanced within `stallMs`): a side that stopped
 * for good must not hold the live one back, since max_wait declares its partners missing anyway.
 * It resumes once the gap is under half the limit (hysteresis, so it does not flap).
 */
export function createFlowControl({ maxAheadMs, stallMs }: { maxAheadMs: number; stallMs: number }) {
  const lastAdvance: Record<Side, { time: number | null; at: number }> = {
    old: { time: null, at: Date.now() },
    new: { time: null, at: Date.now() },
  };
  let paused: Side | null = null;

  return {
    observe(streamTimes: Record<Side, number | null>, now = Date.now()): FlowDecision {
      for (const side of ['old', 'new'] as const) {
        const time = streamTimes[side];
        if (time !== null && time !== lastAdvance[side].time) lastAdvance[side] = { time, at: now };
      }
      const { old: o, new: n } = streamTimes;
      if (o === null || n === null) return { pause: (paused = null) };
      const ahead: Side = o > n ? 'old' : 'new';
      const behind: Side = ahead === 'old' ? 'new' : 'old';
      const gap = Math.abs(o - n);
      const behindMoving = now - lastAdvance[behind].at < stallMs;
      if (!behindMoving) paused = null;
      else if (gap > maxAheadMs) paused = ahead;
      else if (paused !== null && gap < maxAheadMs / 2) paused = null;
      return { pause: paused };
    },
  };
}
