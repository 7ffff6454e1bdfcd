import { describe, expect, it } from 'vitest';
import { parseVerdict } from '../src/verdict-check.ts';

const good = {
  schema: 'shadowdiff.verdict.v1',
  comparison: 'c',
  pairId: '0123456789abcdef0123456789abcdef',
  key: 'k1',
  verdict: 'mismatch',
  reason: null,
  mode: 'shadow',
  decidedAt: '2026-01-01T00:00:00.000Z',
  old: { topic: 'a', partition: 0, offset: '1', value: { x: 1 } },
  new: { topic: 'b', partition: 0, offset: '1', value: { x: 2 } },
  differences: [{ path: 'x', kind: 'changed', old: 1, new: 2 }],
  latencyDeltaMs: 3,
};
const check = (value: unknown) => parseVerdict(value === null ? null : Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)), 'c', 128);
const reason = (value: unknown) => {
  const result = check(value);
  return result.ok ? 'accepted' : result.reason;
};

describe('a record on a verdict topic is read only if it is a verdict', () => {
  it('takes a shadowdiff.verdict.v1 of its comparison', () => {
    expect(check(good)).toMatchObject({ ok: true, verdict: { pairId: good.pairId, verdict: 'mismatch' } });
    expect(check({ ...good, verdict: 'missing_new', new: null, differences: undefined })).toMatchObject({ ok: true, verdict: { new: null, differences: [] } });
  });

  it.each([
    [null, 'no value (tombstone)'],
    ['{not json', 'not JSON'],
    ['null', 'not a JSON object'],
    ['[1,2]', 'not a JSON object'],
    ['"a verdict"', 'not a JSON object'],
    [{ ...good, schema: 'v0' }, 'schema is not shadowdiff.verdict.v1'],
    [{ ...good, comparison: 'other' }, 'comparison is not c'],
    [{ ...good, pairId: '../../etc' }, 'pairId is not 32 lower-case hex digits'],
    [{ ...good, pairId: 42 }, 'pairId is not 32 lower-case hex digits'],
    [{ ...good, verdict: 'maybe' }, 'verdict is not a known kind'],
    [{ ...good, verdict: '__proto__' }, 'verdict is not a known kind'],
    [{ ...good, decidedAt: 'yesterday' }, 'decidedAt is not an ISO-8601 instant'],
    [{ ...good, decidedAt: '2026-13-45T99:99:99Z' }, 'decidedAt is not an ISO-8601 instant'],
    [{ ...good, decidedAt: 1_700_000_000_000 }, 'decidedAt is not an ISO-8601 instant'],
    [{ ...good, decidedAt: '9999-12-31T23:59:59Z' }, 'decidedAt is in the future'],
    [{ ...good, key: { a: 1 } }, 'key is neither a string nor null'],
    [{ ...good, differences: 'x' }, 'differences is not a list of { path, ... }'],
    [{ ...good, differences: [{ kind: 'changed' }] }, 'differences is not a list of { path, ... }'],
    [{ ...good, old: 'x' }, 'old is neither an object nor null'],
    [`{"schema":"shadowdiff.verdict.v1","deep":${'['.repeat(10_000)}${']'.repeat(10_000)}}`, 'nested deeper than 132 levels'],
  ])('refuses %j: %s', (value, expected) => {
    expect(reason(value)).toBe(expected);
  });
});
