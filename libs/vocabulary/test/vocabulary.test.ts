import { describe, expect, it } from 'vitest';
import { DISCREPANCY_KINDS, PAIR_ID_FORMAT, VERDICT_KINDS, pairIdOf, invalidBlob, isMode, isVerdictKind, parseRecordBlob, recordBlob, verdictTopics } from '../src/index.ts';

describe('the vocabulary', () => {
  it('a record blob carries the value JSON as given and reads back; an invalid one has its Kafka time as event time', () => {
    const text = recordBlob({ key: 'k "1"', ts: 10, et: 7, at: 12, valueJson: '{"a":[1,2.50]}' });
    expect(text).toContain('"v":{"a":[1,2.50]}');
    expect(parseRecordBlob(text)).toEqual({ k: 'k "1"', ts: 10, et: 7, at: 12, v: { a: [1, 2.5] } });
    expect(parseRecordBlob(invalidBlob({ key: null, ts: 10, at: 12, reason: 'not JSON' }))).toEqual({ k: null, ts: 10, et: 10, at: 12, x: 'not JSON' });
  });

  it('kinds, modes and topics', () => {
    expect(DISCREPANCY_KINDS).toEqual(VERDICT_KINDS.slice(1));
    expect(isVerdictKind('late')).toBe(true);
    expect(isVerdictKind('maybe')).toBe(false);
    expect(isMode('reverse_shadow')).toBe(true);
    expect(isMode('canary')).toBe(false);
    expect(verdictTopics('sd', 'orders')).toEqual({ matches: 'sd.orders.matches', mismatches: 'sd.orders.mismatches' });
  });

  it('a pairId depends on the comparison, the key and both coordinates only, and has its format', () => {
    const id = pairIdOf('orders', 'k1', 'o/0/5', 'n/1/9');
    expect(id).toMatch(PAIR_ID_FORMAT);
    expect(pairIdOf('orders', 'k1', 'o/0/5', 'n/1/9')).toBe(id);
    for (const other of [pairIdOf('refunds', 'k1', 'o/0/5', 'n/1/9'), pairIdOf('orders', 'k2', 'o/0/5', 'n/1/9'), pairIdOf('orders', 'k1', 'o/0/6', 'n/1/9'), pairIdOf('orders', 'k1', 'o/0/5', '')]) {
      expect(other).not.toBe(id);
    }
  });
});
