import { describe, expect, it } from 'vitest';
import { createOffsetTracker } from '../src/offset-tracker.ts';

describe('offset tracker', () => {
  it('makes a partition committable only up to its longest applied prefix of chunks', () => {
    const tracker = createOffsetTracker();
    const a = tracker.track('t', 0, '99');
    const b = tracker.track('t', 0, '199');
    const c = tracker.track('t', 1, '49');
    tracker.applied(b);
    expect(tracker.uncommitted()).toEqual([]);
    tracker.applied(c);
    expect(tracker.uncommitted()).toEqual([{ topic: 't', partition: 1, offset: '50' }]);
    tracker.applied(a);
    expect(tracker.uncommitted()).toEqual([
      { topic: 't', partition: 1, offset: '50' },
      { topic: 't', partition: 0, offset: '200' },
    ]);
    tracker.committed([{ topic: 't', partition: 1, offset: '50' }]);
    expect(tracker.uncommitted()).toEqual([{ topic: 't', partition: 0, offset: '200' }]);
    // kafkajs may have dropped a commit while it restarted its consumer: commit everything again.
    tracker.recommit();
    expect(tracker.uncommitted()).toHaveLength(2);
  });

  it('forgets the chunks of a partition that failed: a late success of one of them moves nothing', () => {
    const tracker = createOffsetTracker();
    const a = tracker.track('t', 0, '99');
    const b = tracker.track('t', 0, '199');
    tracker.applied(a);
    tracker.forget('t', 0);
    tracker.applied(b);
    expect(tracker.uncommitted()).toEqual([{ topic: 't', partition: 0, offset: '100' }]);
    // Read again from 100 after the rewind.
    tracker.applied(tracker.track('t', 0, '149'));
    expect(tracker.uncommitted()).toEqual([{ topic: 't', partition: 0, offset: '150' }]);
  });

  it('never moves a partition backwards (chunks read again after a rebalance)', () => {
    const tracker = createOffsetTracker();
    tracker.applied(tracker.track('t', 0, '199'));
    tracker.applied(tracker.track('t', 0, '99'));
    expect(tracker.uncommitted()).toEqual([{ topic: 't', partition: 0, offset: '200' }]);
  });
});
