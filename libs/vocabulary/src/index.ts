/**
 * The words every package of shadowdiff shares, said once: the sides of a comparison, the modes
 * of a migration, the kinds of verdict and their schema, the verdict topics. Pure: no I/O, no
 * dependency, imported by all. The Lua scripts and the dashboard cannot import it; tests check
 * their lists against it.
 */

/** The two sides of a comparison: the consumer being replaced and its successor. */
export const SIDES = ['old', 'new'] as const;
export type Side = (typeof SIDES)[number];

/** The four modes of a migration, in promotion order. */
export const MODES = ['old', 'shadow', 'reverse_shadow', 'new'] as const;
export type MigrationMode = (typeof MODES)[number];

/** Every kind of verdict, `match` first. */
export const VERDICT_KINDS = ['match', 'mismatch', 'missing_old', 'missing_new', 'duplicate_old', 'duplicate_new', 'invalid_old', 'invalid_new', 'late'] as const;
export type VerdictKind = (typeof VERDICT_KINDS)[number];

/** The kinds that are discrepancies: every kind but `match` (they go to the mismatches topic). */
export const DISCREPANCY_KINDS = VERDICT_KINDS.filter((k): k is Exclude<VerdictKind, 'match'> => k !== 'match');
export type DiscrepancyKind = (typeof DISCREPANCY_KINDS)[number];

/** A record that never found its partner. */
export const MISSING_KINDS = ['missing_old', 'missing_new'] as const satisfies readonly VerdictKind[];

/** The `schema` field of every verdict event. */
export const VERDICT_SCHEMA = 'shadowdiff.verdict.v1';

/** The two topics a comparison's verdicts go to: `<prefix>.<comparison>.matches` and `.mismatches`. */
export function verdictTopics(prefix: string, comparison: string): { readonly matches: string; readonly mismatches: string } {
  return { matches: `${prefix}.${comparison}.matches`, mismatches: `${prefix}.${comparison}.mismatches` };
}

export function isMode(value: unknown): value is MigrationMode {
  return typeof value === 'string' && (MODES as readonly string[]).includes(value);
}

export function isVerdictKind(value: unknown): value is VerdictKind {
  return typeof value === 'string' && (VERDICT_KINDS as readonly string[]).includes(value);
}
