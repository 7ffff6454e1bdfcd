/**
 * What one comparison hands its store per partition (a segment of records, in offset order), and
 * the pure rules on segments: the event times they bring, how their outcomes add up, and what a
 * flush keeps back in a backlog.
 */
import type { ApplySegment, SegmentOutcome } from '@shadowdiff/store';
import type { ReadRecord } from './record-reader.ts';

/** One partition's records of one side, as read. */
export interface ReadSegment extends ApplySegment {
  readonly records: readonly ReadRecord[];
  /** The partition had at most a chunk's worth of records left when this was read (no backlog). */
  readonly caughtUp: boolean;
  /** Kept back from an earlier flush (see splitAtFrontier). */
  readonly deferred?: boolean;
}

/** The event times a segment brought; an invalid record's time is no evidence of progress and counts for nothing. */
export function eventTimeRange(records: readonly ReadRecord[]): { oldest: number; newest: number } {
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.kind !== 'record') continue;
    if (r.eventTime < oldest) oldest = r.eventTime;
    if (r.eventTime > newest) newest = r.eventTime;
  }
  return { oldest, newest };
}

export const NO_OUTCOME: SegmentOutcome = { applied: 0, skipped: 0, paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0 };

/** What a segment's records weigh in a flush: their blobs (payload and envelope), in UTF-16 units, about bytes. */
export function segmentBytes(segment: Pick<ReadSegment, 'records'>): number {
  let bytes = 0;
  for (const r of segment.records) bytes += r.blob.length;
  return bytes;
}

export function addOutcomes(a: SegmentOutcome, b: SegmentOutcome): SegmentOutcome {
  return {
    applied: a.applied + b.applied,
    skipped: a.skipped + b.skipped,
    paired: a.paired + b.paired,
    parked: a.parked + b.parked,
    duplicate: a.duplicate + b.duplicate,
    invalid: a.invalid + b.invalid,
    missing: a.missing + b.missing,
    late: a.late + b.late,
  };
}

/**
 * In a backlog, the records of a segment past the frontier (their partners may not be read yet)
 * are kept back for the next flush instead of being parked, until the frontier passes them. A
 * later segment of a partition with records kept back waits whole behind them. Only a flush that
 * brings something newly read keeps anything back (nothing waits for news that does not come),
 * and the slowest partition, which sets the frontier, never does: reading always progresses.
 */
export function splitAtFrontier(segments: readonly ReadSegment[], frontier: number | undefined): { now: ReadSegment | null; later: ReadSegment | null }[] {
  const keptBack = new Set<string>();
  const fresh = segments.some((s) => !s.deferred);
  return segments.map((segment) => {
    const tp = `${segment.topic}/${segment.partition}`;
    if (keptBack.has(tp)) return { now: null, later: { ...segment, deferred: true } };
    if (frontier === undefined || !fresh || segment.caughtUp) return { now: segment, later: null };
    // An invalid record waits for no partner: it is never what keeps a segment back.
    const cut = segment.records.findIndex((r) => r.kind === 'record' && r.eventTime > frontier);
    if (cut < 0) return { now: segment, later: null };
    keptBack.add(tp);
    const later: ReadSegment = { ...segment, records: segment.records.slice(cut), deferred: true, ...(cut > 0 ? { after: segment.records[cut - 1]!.offset } : {}) };
    return { now: cut > 0 ? { ...segment, records: segment.records.slice(0, cut) } : null, later };
  });
}
