import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const CompareErrorCode = defineErrorCodes({
  /** A path pattern (ignore, tolerance, unordered, rename, redact) that cannot be read; the configuration check names it first. */
  PATTERN_INVALID: { code: 'SHADOWDIFF_ERR_COMPARE_PATTERN_INVALID', retriable: false },
});

export class CompareError extends ShadowdiffError {}
