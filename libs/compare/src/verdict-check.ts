import { PAIR_ID_FORMAT, VERDICT_KINDS, VERDICT_SCHEMA, type Verdict } from '@shadowdiff/vocabulary';
import { exceedsDepth } from './json-check.ts';
import type { Json } from './difference.ts';

const SCHEMA = VERDICT_SCHEMA;
const KINDS = new Set<string>(VERDICT_KINDS);
const PAIR_ID = PAIR_ID_FORMAT;
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;
/** A verdict wraps payloads a comparison accepted (at most its maxDepth) in a few levels of its own. */
const VERDICT_LEVELS = 4;
/** How far ahead of the API's clock a verdict's decidedAt may be (clock skew between hosts). */
const MAX_FUTURE_MS = 3_600_000;
/** The most differences one verdict may list (a joiner lists one per differing path). */
const MAX_DIFFERENCES = 100_000;

export interface CheckedSide {
  value: Json;
  readonly [field: string]: unknown;
}

/**
 * A verdict as the read model takes it: the vocabulary's `Verdict` with the fields the API relies
 * on checked one by one (whoever can write to a verdict topic chooses the rest, kept as they came).
 */
export interface CheckedVerdict extends Pick<Verdict, 'schema' | 'comparison' | 'pairId' | 'verdict' | 'decidedAt' | 'key'> {
  readonly differences: readonly Pick<Verdict['differences'][number], 'path'>[];
  readonly old: CheckedSide | null;
  readonly new: CheckedSide | null;
  readonly [field: string]: unknown;
}

export type VerdictCheck = { readonly ok: true; readonly verdict: CheckedVerdict } | { readonly ok: false; readonly reason: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function refuse(reason: string): VerdictCheck {
  return { ok: false, reason };
}

/**
 * Reads one record of a verdict topic. Whoever can write to the topic can write anything there,
 * so nothing is taken on trust: a record that is not a `shadowdiff.verdict.v1` of `comparison`
 * (not JSON, `null`, an unknown kind, a date that is none, a malformed pairId, nested past
 * `maxDepth`) is refused with the reason, and the reader skips it.
 */
export function parseVerdict(value: Buffer | null, comparison: string, maxDepth: number): VerdictCheck {
  if (value === null) return refuse('no value (tombstone)');
  let parsed: unknown;
  try {
    parsed = JSON.parse(value.toString('utf8'));
  } catch {
    return refuse('not JSON');
  }
  if (!isObject(parsed)) return refuse('not a JSON object');
  if (exceedsDepth(parsed, maxDepth + VERDICT_LEVELS)) return refuse(`nested deeper than ${maxDepth + VERDICT_LEVELS} levels`);
  if (parsed.schema !== SCHEMA) return refuse(`schema is not ${SCHEMA}`);
  if (parsed.comparison !== comparison) return refuse(`comparison is not ${comparison}`);
  if (typeof parsed.pairId !== 'string' || !PAIR_ID.test(parsed.pairId)) return refuse('pairId is not 32 lower-case hex digits');
  if (typeof parsed.verdict !== 'string' || !KINDS.has(parsed.verdict)) return refuse('verdict is not a known kind');
  if (typeof parsed.decidedAt !== 'string' || !ISO_INSTANT.test(parsed.decidedAt) || !Number.isFinite(Date.parse(parsed.decidedAt))) {
    return refuse('decidedAt is not an ISO-8601 instant');
  }
  // A verdict is decided before it is read: one from the future would outlive every trim by age.
  if (Date.parse(parsed.decidedAt) > Date.now() + MAX_FUTURE_MS) return refuse('decidedAt is in the future');
  if (parsed.key !== null && typeof parsed.key !== 'string') return refuse('key is neither a string nor null');
  const differences = parsed.differences ?? [];
  if (!Array.isArray(differences) || differences.length > MAX_DIFFERENCES || !differences.every((d) => isObject(d) && typeof d.path === 'string')) {
    return refuse('differences is not a list of { path, ... }');
  }
  for (const side of ['old', 'new'] as const) {
    const v = parsed[side] ?? null;
    if (v !== null && !isObject(v)) return refuse(`${side} is neither an object nor null`);
  }
  const verdict = { ...parsed, differences, old: parsed.old ?? null, new: parsed.new ?? null } as unknown as CheckedVerdict;
  for (const side of [verdict.old, verdict.new]) if (side !== null && side.value === undefined) side.value = null;
  return { ok: true, verdict };
}
