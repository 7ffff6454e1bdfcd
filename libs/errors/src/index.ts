export { describeWithoutData } from './describe.ts';
export { ShadowdiffError, causeChain, isShadowdiffError, type ShadowdiffErrorOptions } from './shadowdiff-error.ts';
export { withoutCommandArgs } from './scrub.ts';
export { defineErrorCodes, httpStatusOfCode, isRetriableCode, type CodeEntry } from './catalogue.ts';
export { certificateProblem } from './certificate.ts';
