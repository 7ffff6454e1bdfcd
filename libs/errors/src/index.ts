export { ShadowdiffError, isShadowdiffError, type ShadowdiffErrorOptions } from './shadowdiff-error.ts';
