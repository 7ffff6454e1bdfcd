import { describe, expect, it } from 'vitest';
import { parseDecision, parseDecisions } from '../src/index.ts';

describe('decisions written by the Lua scripts', () => {
  it('parses a pair with both entries and their coordinates', () => {
    const value = ['pair', '', '1700000000000', 'orders.v1/2/41\n{"k":"a"}', 'orders.v2/0/7\n{"k":"a"}'].join('\x1e');
    expect(parseDecision('orders.v2/0/7', value)).toEqual({
      id: 'orders.v2/0/7',
      kind: 'pair',
      reason: null,
      decidedAt: 1700000000000,
      old: { topic: 'orders.v1', partition: 2, offset: '41', blob: '{"k":"a"}' },
      new: { topic: 'orders.v2', partition: 0, offset: '7', blob: '{"k":"a"}' },
    });
  });

  it('parses a one-sided decision and its reason, and a flat reply', () => {
    const value = ['missing', 'max_wait', '5', '', 'n/1/9\n{}'].join('\x1e');
    const [decision] = parseDecisions(['n/1/9', value]);
    expect(decision).toMatchObject({ kind: 'missing', reason: 'max_wait', old: null, new: { topic: 'n', partition: 1, offset: '9' } });
  });

  it('keeps a blob that itself holds newlines intact', () => {
    const value = ['invalid', '', '5', 't/0/1\n{"x":"a\nb"}', ''].join('\x1e');
    expect(parseDecision('t/0/1', value).old?.blob).toBe('{"x":"a\nb"}');
  });
});
