import type { MigrationMode } from '@shadowdiff/vocabulary';

export { MODES, isMode, type MigrationMode } from '@shadowdiff/vocabulary';

/**
 * The transitions allowed without `force`: one step forward (old→shadow, shadow→reverse_shadow,
 * reverse_shadow→new) or one step back (reverse_shadow→shadow, shadow→old, new→reverse_shadow).
 */
const ALLOWED: Record<MigrationMode, readonly MigrationMode[]> = {
  old: ['shadow'],
  shadow: ['reverse_shadow', 'old'],
  reverse_shadow: ['new', 'shadow'],
  new: ['reverse_shadow'],
};

export function isAllowedTransition(from: MigrationMode, to: MigrationMode): boolean {
  return ALLOWED[from].includes(to);
}

/** A promotion hands clients over to the new consumer a step further: it needs the readiness criteria. */
export function isPromotion(from: MigrationMode, to: MigrationMode): boolean {
  return (from === 'shadow' && to === 'reverse_shadow') || (from === 'reverse_shadow' && to === 'new');
}

/** Whether the joiner compares in this mode (both consumers run); in old and new it is idle. */
export function compares(mode: MigrationMode): boolean {
  return mode === 'shadow' || mode === 'reverse_shadow';
}
