import { describe, expect, it } from 'vitest';
import { createAligner } from '../src/alignment.ts';

describe('aligner', () => {
  it('holds back a partition more than one batch span ahead of the slowest with a backlog, and lets it go once the others catch up', () => {
    const aligner = createAligner();
    const now = 1_000_000;
    aligner.observe('old', 0, { oldest: 0, newest: 1000, caughtUp: false }, now);
    aligner.observe('new', 0, { oldest: 2000, newest: 3000, caughtUp: false }, now);
    aligner.observe('new', 1, { oldest: 0, newest: 1000, caughtUp: false }, now);
    // spans are 1000 each: new/0 is 2000 ahead of the slowest (1000)
    expect(aligner.ahead(now)).toEqual(new Set(['new/0']));
    aligner.observe('old', 0, { oldest: 1000, newest: 2000, caughtUp: false }, now + 1);
    aligner.observe('new', 1, { oldest: 1000, newest: 2100, caughtUp: false }, now + 1);
    expect(aligner.ahead(now + 1)).toEqual(new Set());
  });

  it('never holds anything back when partitions have caught up (live traffic), nor because of a partition gone quiet', () => {
    const aligner = createAligner({ staleMs: 100 });
    const now = 1_000_000;
    aligner.observe('old', 0, { oldest: 0, newest: 10, caughtUp: true }, now);
    aligner.observe('new', 0, { oldest: 5000, newest: 5010, caughtUp: true }, now);
    expect(aligner.ahead(now)).toEqual(new Set());
    // A partition with a backlog that stopped reporting (revoked, say) holds no one back.
    aligner.observe('old', 1, { oldest: 0, newest: 10, caughtUp: false }, now);
    aligner.observe('new', 1, { oldest: 9000, newest: 9010, caughtUp: false }, now + 500);
    aligner.observe('new', 2, { oldest: 9000, newest: 9010, caughtUp: false }, now + 500);
    expect(aligner.ahead(now + 500)).toEqual(new Set());
  });

  it('keeps a held partition in (it gets no batches while held) and forgets everything on reset', () => {
    const aligner = createAligner({ staleMs: 100 });
    const now = 1_000_000;
    aligner.observe('old', 0, { oldest: 0, newest: 100, caughtUp: false }, now);
    aligner.observe('new', 0, { oldest: 900, newest: 1000, caughtUp: false }, now);
    expect(aligner.ahead(now)).toEqual(new Set(['new/0']));
    // Much later, new/0 still held although it reported nothing since.
    aligner.observe('old', 0, { oldest: 100, newest: 200, caughtUp: false }, now + 1000);
    expect(aligner.ahead(now + 1000)).toEqual(new Set(['new/0']));
    aligner.reset();
    expect(aligner.ahead(now + 1000)).toEqual(new Set());
  });
});
