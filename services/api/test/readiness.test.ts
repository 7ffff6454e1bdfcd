import { describe, expect, it } from 'vitest';
import { evaluateReadiness, wilsonUpper } from '../src/readiness.ts';

const criteria = { minPairs: 1000, minTimeInMode: 3_600_000, maxMismatchRate: 0.01, maxMissingRate: 0.01, fields: { amount: 0.001 }, confidence: 0.95 as const };

describe('readiness', () => {
  it('bounds rates with a one-sided Wilson interval', () => {
    expect(wilsonUpper(0, 50, 0.95)).toBeCloseTo(0.0513, 3);
    expect(wilsonUpper(5, 1000, 0.95)).toBeCloseTo(0.0104, 3);
    expect(wilsonUpper(0, 0, 0.95)).toBe(1);
    expect(wilsonUpper(10, 100, 0.99)).toBeGreaterThan(wilsonUpper(10, 100, 0.9));
  });

  it('passes only when every criterion passes, and shows each with its measured value', () => {
    const good = evaluateReadiness(criteria, { pairs: 10_000, mismatches: 20, missing: 5, timeInModeMs: 7_200_000, fields: { amount: 0 } });
    expect(good.ready).toBe(true);
    expect(good.criteria.map((c) => c.name)).toEqual(['minPairs', 'minTimeInMode', 'maxMismatchRate', 'maxMissingRate', 'fields.amount']);
    const bad = evaluateReadiness(criteria, { pairs: 900, mismatches: 9, missing: 0, timeInModeMs: 60_000, fields: { amount: 3 } });
    expect(bad.ready).toBe(false);
    expect(Object.fromEntries(bad.criteria.map((c) => [c.name, c.pass]))).toEqual({
      minPairs: false,
      minTimeInMode: false,
      maxMismatchRate: false, // 1% observed, the upper bound is above 1%
      maxMissingRate: true,
      'fields.amount': false,
    });
    expect(bad.criteria[2]).toMatchObject({ value: 0.01, limit: 0.01, upperBound: expect.any(Number) });
  });
});
