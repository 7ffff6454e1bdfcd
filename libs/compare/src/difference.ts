
/** JSON-like values as decoded payloads hold them (the vocabulary's). */
export type { Json } from '@shadowdiff/vocabulary';

/** What a difference is belongs to the verdict's vocabulary; compare computes them. */
export type { Difference, DifferenceKind } from '@shadowdiff/vocabulary';
