import { ShadowdiffError, declareRetriability } from '@shadowdiff/errors';

export const CompareErrorCode = {
  /** A path pattern (ignore, tolerance, unordered, rename, redact) that cannot be read; the configuration check names it first. */
  PATTERN_INVALID: 'SHADOWDIFF_ERR_COMPARE_PATTERN_INVALID',
} as const;

/** Which of these codes may be retried (declared once, here). */
declareRetriability({
  [CompareErrorCode.PATTERN_INVALID]: false,
});

export class CompareError extends ShadowdiffError {}
