import { describe, expect, it } from 'vitest';
import { instantOf, wilsonInterval } from '../src/report.ts';
import { renderReport, safe, type Report } from '../src/report-render.ts';

const report: Report = {
  comparison: 'orders',
  since: '2026-12-01T00:00:00.000Z',
  until: '2026-12-02T00:00:00.000Z',
  total: 1003,
  counts: { mismatch: 2, match: 998, missing_new: 3 },
  pairs: 1000,
  rates: { match_rate: 0.998, mismatch_rate: 0.002, missing_rate: 3 / 1003 },
  matchRateInterval: wilsonInterval(998, 1000),
  fields: [{ path: 'amount', count: 2, share: 0.002 }],
  fieldsComplete: true,
  classes: [{ id: '17be75ac8386', count: 2, share: 0.4, trend: 'new', explanation: 'amount: new = old × 100', causes: [{ statement: 'lines.length = 3', classShare: 1, baselineShare: 0.2 }] }],
  examples: [{ pairId: 'p1', key: 'a|b\u001b[2J', verdict: 'mismatch', decidedAt: '2026-12-01T10:00:00.000Z', paths: ['amount'] }],
  readiness: { ready: false, promotion: 'reverse_shadow', criteria: [{ name: 'maxMismatchRate', limit: 0.001, value: 0.002, upperBound: 0.004, pass: false }] },
  conditions: [{ condition: 'mismatch_rate>0.001', holds: true, value: 0.002 }],
};

describe('report rendering', () => {
  it('a table: counts in verdict order, the match rate with its interval, fields, examples, readiness and conditions; no colour off a terminal', () => {
    const text = renderReport(report, 'table', false);
    expect(text).not.toContain('\u001b');
    expect(text).toMatch(/match rate 99\.80% \(95% interval 99\.\d+% – 99\.\d+%\)/);
    expect(text.indexOf('  match ')).toBeLessThan(text.indexOf('  mismatch '));
    expect(text).toContain('FAIL  maxMismatchRate');
    expect(text).toContain('HOLDS  --fail-on mismatch_rate>0.001: 0.00200');
    expect(text).toMatch(/^ +2 +40\.00% +new +amount: new = old × 100 +17be75ac8386$/m);
    expect(text).toMatch(/^ +likely cause: lines\.length = 3 \(100% of the class, 20% of matches\)$/m);
    // A key's escape sequence is shown, not obeyed.
    expect(text).toContain('a|b\\u001b[2J');
  });

  it('Markdown notifies no one and links nowhere: mentions and autolinks from the traffic are broken', () => {
    const text = renderReport({ ...report, examples: [{ ...report.examples[0]!, key: '@org/security-team https://evil.example www.evil.example' }] }, 'markdown');
    expect(text).not.toMatch(/@[a-z]/);
    expect(text).not.toContain('https://');
    expect(text).not.toMatch(/www\./);
    expect(text).toContain('@\u200borg');
  });

  it('says when the fields are of the newest discrepancies only', () => {
    expect(renderReport(report, 'table', false)).toMatch(/^fields that differ most$/m);
    expect(renderReport({ ...report, fieldsComplete: false }, 'table', false)).toContain('fields that differ most (in the newest 100,000 discrepancies of the range)');
    expect(renderReport({ ...report, fieldsComplete: false }, 'markdown')).toContain('**Fields that differ most** (in the newest 100,000 discrepancies of the range)');
  });

  it('colours only when asked', () => {
    expect(renderReport(report, 'table', true)).toContain('\u001b[31m');
  });

  it('Markdown for a pull-request comment: tables, with what would break one escaped', () => {
    const text = renderReport(report, 'markdown');
    expect(text).toContain('### shadowdiff: orders');
    expect(text).toContain('| mismatch | 2 |');
    expect(text).toContain('| 2 | 40.00% | new | amount: new = old × 100 | lines.length = 3 (100% of the class, 20% of matches) |');
    expect(text).toContain('| a\\|b\\\\u001b\\[2J |');
    expect(text).toContain('| `mismatch_rate>0.001` | 0.00200 | **holds** |');
  });

  it('JSON as it was measured', () => {
    expect(JSON.parse(renderReport(report, 'json'))).toEqual(JSON.parse(JSON.stringify(report)));
  });

  it('the Wilson interval: none without pairs, narrower with more of them, within [0, 1]', () => {
    expect(wilsonInterval(0, 0)).toBeNull();
    const small = wilsonInterval(50, 50)!;
    const large = wilsonInterval(5000, 5000)!;
    expect(small.high).toBe(1);
    expect(small.low).toBeCloseTo(0.9287, 3);
    expect(large.low).toBeGreaterThan(small.low);
  });

  it('an instant as ISO 8601 or as a duration back from now; anything else names the flag', () => {
    const now = Date.parse('2026-12-04T12:00:00Z');
    expect(instantOf('1h', '--since', now)).toBe('2026-12-04T11:00:00.000Z');
    expect(instantOf('2026-12-01T10:00:00+01:00', '--since', now)).toBe('2026-12-01T09:00:00.000Z');
    expect(() => instantOf('yesterday', '--until', now)).toThrow('--until "yesterday"');
  });

  it('control characters, bidirectional overrides and line separators become visible escapes', () => {
    expect(safe('a\nb\u0007\u009b')).toBe('a\\u000ab\\u0007\\u009b');
    expect(safe('id\u202e\u2066x\u2028y')).toBe('id\\u202e\\u2066x\\u2028y');
  });

  it('nothing an API answers reaches the terminal or the Markdown unescaped, in any field', () => {
    // Every string a hostile or broken API could put in a report: names, times, kinds, counts' keys.
    const evil = '\u001b[2J\u009b31m\u202eevil\u2028';
    const hostile: Report = {
      ...report,
      since: evil,
      until: evil,
      counts: { [evil]: 1, match: 998 },
      fields: [{ path: evil, count: 1, share: 0.5 }],
      examples: [{ pairId: evil, key: evil, verdict: evil, decidedAt: evil, paths: [evil] }],
      classes: [{ id: evil, count: 1, share: 1, trend: evil, explanation: evil, causes: [{ statement: evil, classShare: 1, baselineShare: 0 }] }],
      readiness: { ready: false, promotion: evil, criteria: [{ name: evil, limit: 1, value: evil as unknown as number, pass: false }] },
      conditions: [{ condition: evil, holds: true, value: 1 }],
    };
    // eslint-disable-next-line no-control-regex -- the point is to find them
    const unsafe = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069\u2028\u2029]/;
    expect(renderReport(hostile, 'table', false)).not.toMatch(unsafe);
    expect(renderReport(hostile, 'markdown')).not.toMatch(unsafe);
    // JSON keeps the same data, as escapes a terminal shows.
    const json = renderReport(hostile, 'json');
    expect(json).not.toMatch(unsafe);
    expect(JSON.parse(json)).toEqual(JSON.parse(JSON.stringify(hostile)));
  });
});
