/**
 * `report --fail-on` conditions: what they mean, how they are written, and whether one holds.
 * Pure, so that each can be tested on its own.
 *
 *   mismatch_rate>0.001   mismatches / pairs (pairs: match + mismatch)
 *   missing_rate>0        missing (old and new) / (pairs + missing)
 *   match_rate<0.999      matches / pairs
 *   field:amount>0        verdicts that differ at the path `amount`
 *   readiness             the next promotion's readiness gate does not pass
 *   no_pairs              no pair was decided in the range (nothing to measure a rate by)
 *
 * Comparisons: > >= < <=. A rate with no pairs to measure it by holds no condition: a gate that
 * must not pass on an empty range adds no_pairs.
 */
import { CliError, CliErrorCode } from './errors.ts';

export type Comparator = '>' | '>=' | '<' | '<=';

export type Condition =
  | { readonly text: string; readonly kind: 'rate'; readonly metric: 'mismatch_rate' | 'missing_rate' | 'match_rate'; readonly op: Comparator; readonly limit: number }
  | { readonly text: string; readonly kind: 'field'; readonly path: string; readonly op: Comparator; readonly limit: number }
  | { readonly text: string; readonly kind: 'readiness' }
  | { readonly text: string; readonly kind: 'no_pairs' };

export const FAIL_ON_FORMAT = 'mismatch_rate>0.001, missing_rate>0, match_rate<0.999, field:<path>>0, readiness or no_pairs';

const COMPARISON = /^(.+?)(>=|<=|>|<)(-?\d+(?:\.\d+)?(?:e-?\d+)?)$/i;

/** Parses `--fail-on` values; each may hold several conditions separated by commas. */
export function parseConditions(values: readonly string[]): Condition[] {
  const conditions: Condition[] = [];
  for (const text of values.flatMap((v) => v.split(',')).map((t) => t.trim()).filter((t) => t !== '')) {
    if (text === 'readiness' || text === 'no_pairs') {
      conditions.push({ text, kind: text });
      continue;
    }
    const match = COMPARISON.exec(text);
    if (!match) throw new CliError(CliErrorCode.USAGE, `--fail-on "${text}": expected ${FAIL_ON_FORMAT}`);
    const [, subject, op, number] = match as unknown as [string, string, Comparator, string];
    const limit = Number(number);
    if (subject === 'mismatch_rate' || subject === 'missing_rate' || subject === 'match_rate') {
      conditions.push({ text, kind: 'rate', metric: subject, op, limit });
    } else if (subject.startsWith('field:') && subject.length > 'field:'.length) {
      conditions.push({ text, kind: 'field', path: subject.slice('field:'.length), op, limit });
    } else {
      throw new CliError(CliErrorCode.USAGE, `--fail-on "${text}": unknown measure "${subject}" (expected ${FAIL_ON_FORMAT})`);
    }
  }
  return conditions;
}

/** What a report measured, as the conditions read it. */
export interface Measures {
  readonly rates: Readonly<Record<'mismatch_rate' | 'missing_rate' | 'match_rate', number | null>>;
  /** path → verdicts that differ there */
  readonly fields: Readonly<Record<string, number>>;
  /** null: there is no next promotion to gate. */
  readonly ready: boolean | null;
  /** Pairs decided (match + mismatch). */
  readonly pairs: number;
}

function compare(value: number, op: Comparator, limit: number): boolean {
  switch (op) {
    case '>':
      return value > limit;
    case '>=':
      return value >= limit;
    case '<':
      return value < limit;
    case '<=':
      return value <= limit;
  }
}

/** Whether a condition holds, with the value it was judged on. */
export function evaluate(condition: Condition, measures: Measures): { holds: boolean; value: number | boolean | null } {
  switch (condition.kind) {
    case 'readiness':
      return { holds: measures.ready === false, value: measures.ready };
    case 'no_pairs':
      return { holds: measures.pairs === 0, value: measures.pairs };
    case 'rate': {
      const value = measures.rates[condition.metric];
      return { holds: value !== null && compare(value, condition.op, condition.limit), value };
    }
    case 'field': {
      const value = measures.fields[condition.path] ?? 0;
      return { holds: compare(value, condition.op, condition.limit), value };
    }
  }
}
