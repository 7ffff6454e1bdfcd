import type { Verdict } from '@shadowdiff/vocabulary';
import { describe, expect, it } from 'vitest';
import { passes, renderVerdict } from '../src/tail-render.ts';

const verdict = (over: Partial<Verdict> = {}): Verdict => ({
  schema: 'shadowdiff.verdict.v1',
  comparison: 'orders',
  pairId: '0123456789abcdef0123456789abcdef',
  key: 'order-1',
  verdict: 'mismatch',
  reason: null,
  mode: 'shadow',
  decidedAt: '2026-12-04T12:00:00.000Z',
  old: null,
  new: null,
  differences: [
    { path: 'amount', kind: 'changed', old: 100, new: 101 },
    { path: 'items[0].sku', kind: 'removed', old: 'x\u001b[2J' },
  ],
  latencyDeltaMs: null,
  ...over,
});

describe('tail rendering and filters', () => {
  it('one line for the decision, then each differing path with old and new side by side; escapes shown, not obeyed', () => {
    const text = renderVerdict(verdict(), false);
    expect(text).toMatch(/^2026-12-04T12:00:00\.000Z {2}mismatch {2}key order-1 {2}0123456789abcdef0123456789abcdef$/m);
    expect(text).toMatch(/^ {4}amount {8}100 +→ {2}101$/m);
    expect(text).toContain('"x\\u001b[2J"');
    expect(text).not.toContain('\u001b');
    expect(text).toContain('(absent)  (removed)');
  });

  it('colours the path, old and new only when asked', () => {
    const text = renderVerdict(verdict(), true);
    expect(text).toContain('\u001b[36mamount');
    expect(text).toContain('\u001b[31m100');
    expect(text).toContain('\u001b[32m101');
  });

  it('filters by kind, key and path (a path and what lies under it)', () => {
    const all = { kinds: new Set(['mismatch']), keys: new Set<string>(), paths: [] as string[] };
    expect(passes(verdict(), all)).toBe(true);
    expect(passes(verdict({ verdict: 'missing_new' }), all)).toBe(false);
    expect(passes(verdict(), { ...all, keys: new Set(['order-2']) })).toBe(false);
    expect(passes(verdict(), { ...all, keys: new Set(['order-1']) })).toBe(true);
    expect(passes(verdict(), { ...all, paths: ['items'] })).toBe(true);
    expect(passes(verdict(), { ...all, paths: ['item'] })).toBe(false);
    expect(passes(verdict(), { ...all, paths: ['amount'] })).toBe(true);
  });
});
