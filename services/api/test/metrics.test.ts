import { describe, expect, it } from 'vitest';
import type { AtomStats, ClassInput } from '@shadowdiff/compare';
import type { ReadModel } from '@shadowdiff/store';
import { createClassAnalyses } from '../src/class-analyses.ts';
import { CLASS_SERIES, createApiMetrics, registerClassMetrics } from '../src/metrics.ts';

/** A read model holding `n` unrelated classes of 1..n discrepancies (only classInput is asked). */
function modelWith(n: number, failing = false): ReadModel {
  const atoms = new Map<string, AtomStats>();
  const signatures = new Map<string, number>();
  for (let i = 1; i <= n; i += 1) {
    const id = i.toString(16).padStart(12, '0');
    atoms.set(id, { atom: { id, path: `f${i}`, kind: 'changed', change: 'other' }, count: i, firstSeen: 0, lastSeen: 0, examples: [], hours: new Map() });
    signatures.set(id, i);
  }
  const input: ClassInput = { pairs: 1000, discrepancies: (n * (n + 1)) / 2, atoms, signatures, samples: new Map(), baseline: [], now: 0 };
  return { classInput: () => (failing ? Promise.reject(new Error('Redis away')) : Promise.resolve(input)) } as unknown as ReadModel;
}

describe('API metrics', () => {
  it("each configured comparison's counters exist at 0 from the start, so that increase() sees the first rollback", async () => {
    const text = await createApiMetrics(['orders']).registry.metrics();
    for (const name of ['shadowdiff_mode_rollbacks_total', 'shadowdiff_api_verdicts_ingested_total', 'shadowdiff_api_verdicts_skipped_total']) {
      expect(text).toContain(`${name}{comparison="orders"} 0`);
    }
  });

  it('one series per class, at most CLASS_SERIES per comparison, the rest summed as _other; a comparison whose Redis is away is left out', async () => {
    const { registry } = createApiMetrics(['orders', 'payments']);
    registerClassMetrics(registry, ['orders', 'payments'], createClassAnalyses(new Map([['orders', modelWith(25)], ['payments', modelWith(3, true)]])));
    const lines = (await registry.metrics()).split('\n').filter((l) => l.startsWith('shadowdiff_class_discrepancies{'));
    expect(lines).toHaveLength(CLASS_SERIES + 1);
    expect(lines[0]).toMatch(/^shadowdiff_class_discrepancies\{comparison="orders",class="[0-9a-f]{12}",what="f25: values differ"\} 25$/);
    expect(lines.at(-1)).toBe('shadowdiff_class_discrepancies{comparison="orders",class="_other",what="5 smaller classes"} 15');
  });

  it('analyses each comparison at most once per interval however many ask, and asks again after a failure', async () => {
    let reads = 0;
    let fail = false;
    const model = { classInput: async () => { reads += 1; if (fail) throw new Error('Redis away'); return (await modelWith(2).classInput()); } } as unknown as ReadModel;
    let clock = 0;
    const analyses = createClassAnalyses(new Map([['orders', model]]), 5000, () => clock);
    await Promise.all([analyses.get('orders'), analyses.get('orders'), analyses.get('orders')]);
    expect(reads).toBe(1);
    clock = 5000;
    fail = true;
    await expect(analyses.get('orders')).rejects.toThrow('Redis away');
    fail = false;
    expect((await analyses.get('orders')).classes).toHaveLength(2);
    expect(reads).toBe(3);
  });

  it('shares a read still running whatever its age, so a slow Redis is not asked again meanwhile', async () => {
    let reads = 0;
    let release: () => void = () => undefined;
    const model = { classInput: () => { reads += 1; return new Promise((resolve) => { release = () => resolve(modelWith(1).classInput()); }); } } as unknown as ReadModel;
    let clock = 0;
    const analyses = createClassAnalyses(new Map([['orders', model]]), 5000, () => clock);
    const first = analyses.get('orders');
    clock = 60_000;
    const second = analyses.get('orders');
    expect(reads).toBe(1);
    release();
    expect(await second).toBe(await first);
  });
});
