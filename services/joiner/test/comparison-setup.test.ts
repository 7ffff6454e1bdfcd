import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfigFile } from '@shadowdiff/config';
import { describe, expect, it } from 'vitest';
import { buildComparator, JoinerErrorCode, loadNormalizer } from '../src/index.ts';

describe('comparison set-up from the config', () => {
  it('loads per-side normaliser modules and applies them before the rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-normalizer-'));
    writeFileSync(join(dir, 'old.mjs'), 'export default (v) => ({ ...v, amount: Number(v.amount) });\n');
    writeFileSync(join(dir, 'shadowdiff.yaml'), `comparisons:
  - name: c
    old: { topic: a }
    new: { topic: b }
    window: 1s
    compare:
      normalize: { old: ./old.mjs }
      rename: { cust: customer }
      timestamps: { at: { tolerance: 1s } }
`);
    const comparator = await buildComparator(loadConfigFile(join(dir, 'shadowdiff.yaml'), {}).comparisons[0]!.compare);
    expect(comparator.compare({ amount: '12.50', cust: 'x', at: 1000 }, { amount: 12.5, customer: 'x', at: 1999 })).toEqual([]);
    expect(comparator.compare({ amount: '12.50', cust: 'x', at: 1000 }, { amount: 12.5, customer: 'y', at: 1000 })).toEqual([
      { path: 'customer', kind: 'changed', old: 'x', new: 'y' },
    ]);
  });

  it('refuses a normaliser module that exports no function, or does not load', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-normalizer-'));
    writeFileSync(join(dir, 'empty.mjs'), 'export const x = 1;\n');
    writeFileSync(join(dir, 'broken.mjs'), 'export default (;\n');
    await expect(loadNormalizer(join(dir, 'empty.mjs'))).rejects.toMatchObject({ code: JoinerErrorCode.NORMALIZER_INVALID });
    await expect(loadNormalizer(join(dir, 'broken.mjs'))).rejects.toMatchObject({
      code: JoinerErrorCode.NORMALIZER_INVALID,
      message: expect.stringContaining('could not be loaded'),
    });
  });
});
