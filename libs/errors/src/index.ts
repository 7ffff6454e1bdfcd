export { ShadowdiffError, causeChain, isShadowdiffError, type ShadowdiffErrorOptions } from './shadowdiff-error.ts';
