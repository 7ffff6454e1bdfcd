import { describe, expect, it } from 'vitest';
import { createFlowControl } from '../src/flow-control.ts';

describe('flow control between the two sides', () => {
  it('pauses the side that runs more than maxAhead ahead while the other moves, and resumes under half of it', () => {
    const flow = createFlowControl({ maxAheadMs: 60_000, stallMs: 600_000 });
    expect(flow.observe({ old: 1000, new: 1000 }, 0).pause).toBeNull();
    expect(flow.observe({ old: 70_000, new: 2000 }, 1000).pause).toBe('old');
    expect(flow.observe({ old: 70_000, new: 30_000 }, 2000).pause).toBe('old'); // 40 s: still above half
    expect(flow.observe({ old: 70_000, new: 45_000 }, 3000).pause).toBeNull(); // 25 s: under half
    expect(flow.observe({ old: 50_000, new: 120_000 }, 4000).pause).toBe('new');
  });

  it('never holds a side back for a side that has stopped moving', () => {
    const flow = createFlowControl({ maxAheadMs: 60_000, stallMs: 10_000 });
    expect(flow.observe({ old: 100_000, new: 1000 }, 0).pause).toBe('old');
    expect(flow.observe({ old: 100_000, new: 1000 }, 9_000).pause).toBe('old');
    expect(flow.observe({ old: 100_000, new: 1000 }, 11_000).pause).toBeNull();
  });

  it('does nothing before both sides have a stream time', () => {
    const flow = createFlowControl({ maxAheadMs: 1, stallMs: 10_000 });
    expect(flow.observe({ old: 100_000, new: null }, 0).pause).toBeNull();
  });
});
