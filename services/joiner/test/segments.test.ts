import { describe, expect, it } from 'vitest';
import type { ReadRecord } from '../src/record-reader.ts';
import { addOutcomes, eventTimeRange, NO_OUTCOME, splitAtFrontier, type ReadSegment } from '../src/segments.ts';

const rec = (offset: number, eventTime: number, kind: ReadRecord['kind'] = 'record'): ReadRecord => ({ offset: String(offset), kind, key: `k${offset}`, eventTime, blob: '', ts: eventTime, at: 0 });
const seg = (partition: number, records: ReadRecord[], extra: Partial<ReadSegment> = {}): ReadSegment => ({ side: 'old', topic: 't', partition, records, caughtUp: false, ...extra });

describe('segments', () => {
  it('takes the event-time range from valid records only', () => {
    expect(eventTimeRange([rec(0, 50), rec(1, 10, 'invalid'), rec(2, 30)])).toEqual({ oldest: 30, newest: 50 });
    expect(eventTimeRange([rec(0, 10, 'invalid')])).toEqual({ oldest: Number.POSITIVE_INFINITY, newest: Number.NEGATIVE_INFINITY });
  });

  it('adds outcomes field by field', () => {
    const one = { ...NO_OUTCOME, applied: 2, paired: 1, parked: 1 };
    expect(addOutcomes(one, { ...NO_OUTCOME, applied: 1, late: 1 })).toEqual({ ...NO_OUTCOME, applied: 3, paired: 1, parked: 1, late: 1 });
  });

  it('keeps back the records past the frontier, after the last one it sends, and the whole of a later segment of that partition', () => {
    const parts = splitAtFrontier([seg(0, [rec(0, 10), rec(1, 20), rec(2, 30)]), seg(0, [rec(3, 5)]), seg(1, [rec(0, 15)])], 20);
    expect(parts[0]!.now?.records.map((r) => r.offset)).toEqual(['0', '1']);
    expect(parts[0]!.later).toMatchObject({ after: '1', deferred: true });
    expect(parts[0]!.later?.records.map((r) => r.offset)).toEqual(['2']);
    expect(parts[1]).toMatchObject({ now: null, later: { deferred: true } });
    expect(parts[2]).toEqual({ now: seg(1, [rec(0, 15)]), later: null });
  });

  it('keeps nothing back without a frontier, for a caught-up partition, or in a flush of kept-back records only', () => {
    const ahead = [rec(0, 100)];
    expect(splitAtFrontier([seg(0, ahead)], undefined)[0]!.later).toBeNull();
    expect(splitAtFrontier([seg(0, ahead, { caughtUp: true })], 50)[0]!.later).toBeNull();
    expect(splitAtFrontier([seg(0, ahead, { deferred: true })], 50)[0]!.later).toBeNull();
    // An invalid record never waits for a partner.
    expect(splitAtFrontier([seg(0, [rec(0, 100, 'invalid')])], 50)[0]!.later).toBeNull();
    // Kept back from the first record: nothing goes now, and no `after` is known.
    const whole = splitAtFrontier([seg(0, ahead)], 50)[0]!;
    expect(whole.now).toBeNull();
    expect(whole.later).not.toHaveProperty('after');
  });
});
