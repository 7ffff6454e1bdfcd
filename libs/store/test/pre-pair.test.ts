import { describe, expect, it } from 'vitest';
import { prePair } from '../src/pre-pair.ts';

const r = (key: string, kind: 'record' | 'invalid' = 'record') => ({ key, kind });

describe('prePair', () => {
  const segments = [
    { side: 'old' as const, records: [r('a'), r('b'), r('a'), r('c', 'invalid')] },
    { side: 'new' as const, records: [r('b'), r('a'), r('a'), r('c')] },
  ];

  it('pairs the first old record of a key with the first new one, across segments', () => {
    expect(prePair(segments, 'first')).toEqual([
      { old: 0, new: 5 },
      { old: 1, new: 4 },
    ]);
  });

  it('with sequence, pairs the n-th with the n-th, and never an invalid record', () => {
    expect(prePair(segments, 'sequence')).toEqual([
      { old: 0, new: 5 },
      { old: 2, new: 6 },
      { old: 1, new: 4 },
    ]);
  });
});
