import type { Json } from '@shadowdiff/vocabulary';

/** JSON-like values as decoded payloads hold them (the vocabulary's). */
export type { Json } from '@shadowdiff/vocabulary';

export type DifferenceKind = 'changed' | 'added' | 'removed' | 'type_changed';

/**
 * One difference between the old and the new value. `path` is stable and readable:
 * `customer.id`, `items[2].price`, `["odd key"]`; the root itself is the empty path.
 * `added` means present only in new, `removed` present only in old.
 */
export interface Difference {
  readonly path: string;
  readonly kind: DifferenceKind;
  readonly old?: Json;
  readonly new?: Json;
}
