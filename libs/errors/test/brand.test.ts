import { describe, expect, it, vi } from 'vitest';
import type * as errors from '../src/index.ts';
import { ShadowdiffError, defineErrorCodes, httpStatusOfCode, isRetriableCode, isShadowdiffError } from '../src/index.ts';

/** A second copy of the module, as a second installed version of the package would load it. */
async function secondCopy(): Promise<typeof errors> {
  vi.resetModules();
  return import('../src/index.ts');
}

describe('errors are branded, so checks survive two copies of a package', () => {
  it('an error of one copy is an instance of the other copy’s classes of the same name, and of no other', async () => {
    const other = await secondCopy();
    expect(other.ShadowdiffError).not.toBe(ShadowdiffError);
    class StoreError extends ShadowdiffError {}
    class OtherStoreError extends other.ShadowdiffError {}
    Object.defineProperty(OtherStoreError, 'name', { value: 'StoreError' });
    class ConfigError extends other.ShadowdiffError {}

    const thrown = new StoreError('SHADOWDIFF_ERR_TEST_BRAND', 'from the first copy');
    expect(thrown instanceof other.ShadowdiffError).toBe(true);
    expect(thrown instanceof OtherStoreError).toBe(true);
    expect(thrown instanceof ConfigError).toBe(false);
    expect(other.isShadowdiffError(thrown)).toBe(true);
    expect(isShadowdiffError(new ConfigError('SHADOWDIFF_ERR_TEST_BRAND', 'from the second copy'))).toBe(true);
  });

  it('a plain Error, an object copying the fields, and a foreign error are not ShadowdiffErrors', () => {
    expect(new Error('x') instanceof ShadowdiffError).toBe(false);
    expect({ name: 'ShadowdiffError', code: 'SHADOWDIFF_ERR_X', message: 'x' } instanceof ShadowdiffError).toBe(false);
    expect(isShadowdiffError(null)).toBe(false);
    expect(isShadowdiffError('SHADOWDIFF_ERR_X')).toBe(false);
  });

  it('the catalogue is one for every copy: retriability and HTTP status come from the code', async () => {
    const codes = defineErrorCodes({ A: { code: 'SHADOWDIFF_ERR_TEST_A', retriable: true, status: 503 }, B: { code: 'SHADOWDIFF_ERR_TEST_B', retriable: false } });
    const other = await secondCopy();
    expect(new other.ShadowdiffError(codes.A, 'x').retriable).toBe(true);
    expect(new other.ShadowdiffError(codes.B, 'x').retriable).toBe(false);
    expect([httpStatusOfCode(codes.A), httpStatusOfCode(codes.B), isRetriableCode('SHADOWDIFF_ERR_TEST_NEVER_DECLARED')]).toEqual([503, undefined, false]);
    expect(() => defineErrorCodes({ A: { code: 'SHADOWDIFF_ERR_TEST_A', retriable: true, status: 500 } })).toThrow(/declared twice/);
  });
});
