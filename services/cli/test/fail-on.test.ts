import { describe, expect, it } from 'vitest';
import { evaluate, parseConditions, type Measures } from '../src/fail-on.ts';

const measures: Measures = { rates: { match_rate: 0.98, mismatch_rate: 0.02, missing_rate: 0 }, fields: { amount: 4, 'items[0].qty': 1 }, ready: false, pairs: 50 };
const holds = (text: string, m = measures) => parseConditions([text]).map((c) => evaluate(c, m).holds);

describe('--fail-on conditions', () => {
  it('reads rates, fields and readiness, several per value separated by commas', () => {
    expect(parseConditions(['mismatch_rate>0.001,missing_rate>0', 'field:items[0].qty>=1', 'readiness']).map((c) => c.text)).toEqual([
      'mismatch_rate>0.001',
      'missing_rate>0',
      'field:items[0].qty>=1',
      'readiness',
    ]);
  });

  it('holds or not by the measured value and the comparison', () => {
    expect(holds('mismatch_rate>0.001')).toEqual([true]);
    expect(holds('mismatch_rate>0.02')).toEqual([false]);
    expect(holds('mismatch_rate>=0.02')).toEqual([true]);
    expect(holds('missing_rate>0')).toEqual([false]);
    expect(holds('match_rate<0.99')).toEqual([true]);
    expect(holds('match_rate<=0.97')).toEqual([false]);
    expect(holds('field:amount>0')).toEqual([true]);
    expect(holds('field:amount>4')).toEqual([false]);
    // A field that never differed counts 0.
    expect(holds('field:currency>0')).toEqual([false]);
    expect(holds('readiness')).toEqual([true]);
    expect(holds('readiness', { ...measures, ready: true })).toEqual([false]);
    // No next promotion: nothing to gate.
    expect(holds('readiness', { ...measures, ready: null })).toEqual([false]);
  });

  it('a rate with nothing to measure it by holds no condition; no_pairs is the gate for that', () => {
    const empty = { ...measures, rates: { match_rate: null, mismatch_rate: null, missing_rate: null }, pairs: 0 };
    expect(holds('mismatch_rate>0', empty)).toEqual([false]);
    expect(holds('mismatch_rate>0,no_pairs', empty)).toEqual([false, true]);
    expect(holds('no_pairs')).toEqual([false]);
  });

  it('names the condition it cannot read', () => {
    expect(() => parseConditions(['mismatch_rate>>1'])).toThrow('--fail-on "mismatch_rate>>1": unknown measure "mismatch_rate>"');
    expect(() => parseConditions(['latency>1'])).toThrow('unknown measure "latency"');
    expect(() => parseConditions(['field:>1'])).toThrow('unknown measure "field:"');
    expect(() => parseConditions(['mismatch_rate'])).toThrow('--fail-on "mismatch_rate"');
  });
});
