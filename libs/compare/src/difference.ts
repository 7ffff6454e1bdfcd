/** JSON-like values as decoded payloads hold them. */
export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

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
