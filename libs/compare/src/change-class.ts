import type { Json } from './difference.ts';

/**
 * What kind of change turned one value into the other, from the two values alone: the part of a
 * discrepancy's signature that says *how* a field differs, so that ten thousand mismatches of one
 * bug share one class. Every class is a short, stable text; a class with a parameter carries it
 * after a colon (`factor:100`, `rounded:2`, `offset:-1`), and parameters come from small fixed sets
 * so that the number of classes stays bounded whatever the traffic holds.
 */
export type ChangeClass = string;

/** Relative difference under which two numbers are the same value computed differently. */
export const FLOAT_NOISE_RELATIVE = 1e-9;

/** Factors a unit change or a doubling bug produces (×100 cents, ×1000 milliseconds, ×60 minutes). */
const FACTORS = [2, 3, 4, 5, 10, 12, 24, 60, 100, 1000, 1024, 3600, 10_000, 86_400, 100_000, 1_000_000, 1_000_000_000];
/** Offsets an off-by-one, a unit slip or a time-zone slip produces. */
const OFFSETS = new Set([1, 2, 10, 100, 1000, 60, 3600, 7200, 86_400, 60_000, 3_600_000, 7_200_000, 86_400_000, 0.01, 0.1]);

/** Decimal places both of two fractions have when they are called random (Math.random() writes 15 to 17). */
const RANDOM_DIGITS = 12;

/** Two timestamps this close are stamps taken while processing; farther apart, a date changed (or an offset). */
export const PROCESSING_SPREAD_MS = 3_600_000;

/** A timestamp this far from the decision (either way) is "near it": a value stamped while processing. */
export const NEAR_DECISION_MS = 24 * 3600 * 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Identifier-looking: a run of letters, digits, `-` and `_` with digits in it, 16 characters or more. */
const TOKEN_LIKE = /^(?=.*\d)[A-Za-z0-9_-]{16,}$/;
/** An ISO-8601 date and time without an offset: read as UTC, so that no reader's time zone changes a class. */
const ZONELESS = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/;
/** A number written as text: unambiguous (no nested repetition), and only on texts of 64 characters or fewer. */
const NUMERIC = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;
const MAX_NUMERIC_TEXT = 64;
/** ISO-8601-ish or RFC-2822-ish date text: digits and a date separator; Date.parse decides. */
const DATE_LIKE = /^\d{4}-\d{2}-\d{2}|^[A-Z][a-z]{2}, \d{1,2} [A-Z][a-z]{2} \d{4}|^\d{1,2}\/\d{1,2}\/\d{4}/;

function close(a: number, b: number): boolean {
  return Math.abs(a - b) <= FLOAT_NOISE_RELATIVE * Math.max(Math.abs(a), Math.abs(b));
}

/** Shortest text of a number in a class parameter (no exponent for the sets above). */
function param(n: number): string {
  return String(Number(n.toPrecision(12)));
}

/** Decimal places of a finite number as written (0.125 → 3); at most 15. */
function decimals(n: number): number {
  for (let d = 0; d <= 15; d += 1) if (Number(n.toFixed(d)) === n) return d;
  return 15;
}

/** A date text's instant (ms), an ISO date and time without an offset read as UTC; NaN when it is none. The comparator's timestamps rule reads texts with it too. */
export function parseInstant(text: string): number {
  return Date.parse(ZONELESS.test(text) ? `${text.replace(' ', 'T')}Z` : text);
}

/** The time a value stands for, when it is a date text or an epoch number (ms or s) near `near`. */
export function instantOf(value: Json, near?: number): number | undefined {
  if (typeof value === 'string') {
    if (value.length > 64 || !DATE_LIKE.test(value)) return undefined;
    const t = parseInstant(value);
    return Number.isNaN(t) ? undefined : t;
  }
  if (typeof value === 'number' && near !== undefined && Number.isFinite(value)) {
    if (Math.abs(value - near) <= NEAR_DECISION_MS) return value;
    if (Math.abs(value * 1000 - near) <= NEAR_DECISION_MS) return value * 1000;
  }
  return undefined;
}

/** Whether an epoch number near `near` is in seconds (else milliseconds). */
function inSeconds(value: number, near: number): boolean {
  return Math.abs(value * 1000 - near) < Math.abs(value - near);
}

/**
 * The distance in ms between two values that are both timestamps near the decision (texts or
 * epoch numbers of one unit) and less than PROCESSING_SPREAD_MS apart: stamps taken while
 * processing. Undefined otherwise.
 */
export function processingSpread(a: Json, b: Json, decidedAt: number | undefined): { readonly ms: number; readonly seconds: boolean } | undefined {
  if (decidedAt === undefined) return undefined;
  const ta = instantOf(a, decidedAt);
  const tb = instantOf(b, decidedAt);
  if (ta === undefined || tb === undefined || ta === tb) return undefined;
  const seconds = typeof a === 'number' && inSeconds(a, decidedAt);
  if (typeof a === 'number' && typeof b === 'number' && seconds !== inSeconds(b, decidedAt)) return undefined;
  if (Math.abs(ta - decidedAt) > NEAR_DECISION_MS || Math.abs(tb - decidedAt) > NEAR_DECISION_MS) return undefined;
  const ms = Math.abs(ta - tb);
  return ms < PROCESSING_SPREAD_MS ? { ms, seconds: seconds || (typeof b === 'number' && inSeconds(b, decidedAt)) } : undefined;
}

/** How many positions two texts of one length differ in. */
function differingPositions(a: string, b: string): number {
  let n = 0;
  for (let i = 0; i < a.length; i += 1) if (a[i] !== b[i]) n += 1;
  return n;
}

function numberClass(a: number, b: number, decidedAt: number | undefined): ChangeClass {
  if (!Number.isFinite(a) || !Number.isFinite(b)) return 'other';
  // Stamps first: two epoch times with fractions (time.time()) are close relatively, yet stamps.
  const spread = processingSpread(a, b, decidedAt);
  if (spread !== undefined) return spread.seconds ? 'timestamp:s' : 'timestamp';
  // Two integers are never noise of floating point: ids and counters differ by one. (From 2^53 every
  // double is an integer: a float result that large is not called noise either.)
  if (!(Number.isInteger(a) && Number.isInteger(b)) && close(a, b)) return 'float_noise';
  if (a === -b) return 'sign';
  if (a !== 0 && b !== 0) {
    const ratio = b / a;
    for (const f of FACTORS) {
      if (close(ratio, f)) return `factor:${param(f)}`;
      if (close(ratio, 1 / f)) return `factor:${param(1 / f)}`;
    }
  }
  const d = roundedPlaces(a, b);
  if (d !== undefined) return `rounded:${d}`;
  // Two fractions of many digits in [0, 1): what Math.random() and its kind write.
  if (a >= 0 && a < 1 && b >= 0 && b < 1 && decimals(a) >= RANDOM_DIGITS && decimals(b) >= RANDOM_DIGITS) return 'random';
  const delta = b - a;
  for (const o of OFFSETS) if (close(Math.abs(delta), o)) return `offset:${param(Math.sign(delta) * o)}`;
  return 'other';
}

/**
 * The decimal place one number was rounded (to nearest) or truncated to, giving the other: the
 * most places, below the finer one's own, that do it, at most 6. So 11.998 → 12 and 12.298 →
 * 12.3 are both rounding to 2 places, as 12.345 → 12.35 is. Undefined when neither does.
 */
export function roundedPlaces(a: number, b: number): number | undefined {
  const [fine, coarse] = decimals(a) > decimals(b) ? [a, b] : [b, a];
  for (let d = Math.min(6, decimals(fine) - 1); d >= decimals(coarse); d -= 1) {
    const unit = 10 ** d;
    if (Number(fine.toFixed(d)) === coarse || Math.trunc(fine * unit) / unit === coarse) return d;
  }
  return undefined;
}

/** Two identifiers generated independently: UUIDs, or tokens of one length that differ in most positions (not a counter's next value). */
function generatedIds(a: string, b: string): boolean {
  if (UUID.test(a) && UUID.test(b)) return true;
  return a.length === b.length && TOKEN_LIKE.test(a) && TOKEN_LIKE.test(b) && differingPositions(a, b) >= a.length / 2;
}

function stringClass(a: string, b: string, decidedAt: number | undefined): ChangeClass {
  if (a.toLowerCase() === b.toLowerCase()) return 'case';
  const squeeze = (s: string) => s.replace(/\s+/g, ' ').trim();
  if (squeeze(a) === squeeze(b) || a.replace(/\s+/g, '') === b.replace(/\s+/g, '')) return 'whitespace';
  const ta = instantOf(a);
  const tb = instantOf(b);
  const dates = ta !== undefined && tb !== undefined;
  if (dates && ta === tb) return 'date_format';
  if (dates && processingSpread(a, b, decidedAt) !== undefined) return 'timestamp';
  if (b.length > a.length && a.length > 0) {
    if (b.endsWith(a)) return 'prefix_added';
    if (b.startsWith(a)) return 'suffix_added';
  }
  if (a.length > b.length && b.length > 0) {
    if (a.endsWith(b)) return 'prefix_removed';
    if (a.startsWith(b)) return 'suffix_removed';
  }
  if (dates) return 'date_changed';
  if (generatedIds(a, b)) return 'generated_id';
  return 'other';
}

function typeChangeClass(a: Json, b: Json, decidedAt: number | undefined): ChangeClass {
  if (a === null || b === null) return 'null_vs_value';
  const num = typeof a === 'number' ? a : typeof b === 'number' ? b : undefined;
  const str = typeof a === 'string' ? a : typeof b === 'string' ? b : undefined;
  if (num !== undefined && str !== undefined) {
    const text = str.trim();
    if (text.length <= MAX_NUMERIC_TEXT && NUMERIC.test(text) && close(Number(text), num)) return 'number_vs_string';
    const ts = instantOf(str);
    if (ts !== undefined && (ts === num || ts === num * 1000)) return 'date_format';
    const spread = ts === undefined ? undefined : processingSpread(str, num, decidedAt);
    if (spread !== undefined) return spread.seconds ? 'timestamp:s' : 'timestamp';
  }
  if (typeof a === 'boolean' || typeof b === 'boolean') {
    const other = typeof a === 'boolean' ? b : a;
    if (other === String(typeof a === 'boolean' ? a : b) || other === (typeof a === 'boolean' ? Number(a) : Number(b))) return 'boolean_vs_text';
  }
  return 'other';
}

/**
 * The change class of one difference. `decidedAt` (ms) lets a pair of timestamps stamped while
 * processing (both near the decision) be told from a date that changed. Pure; never throws.
 */
export function changeClassOf(kind: string, old: Json | undefined, value: Json | undefined, decidedAt?: number): ChangeClass {
  if (kind === 'changed') {
    if (typeof old === 'number' && typeof value === 'number') return numberClass(old, value, decidedAt);
    if (typeof old === 'string' && typeof value === 'string') return stringClass(old, value, decidedAt);
    return 'other';
  }
  if (kind === 'type_changed') return typeChangeClass(old ?? null, value ?? null, decidedAt);
  if (kind === 'added' || kind === 'removed') return (kind === 'added' ? value : old) === null ? 'null_vs_missing' : 'field';
  return 'other';
}

/** Classes whose values look generated while processing: a field that differs by them in most pairs is likely noise. */
export const GENERATED_CLASSES: ReadonlySet<ChangeClass> = new Set(['generated_id', 'timestamp', 'timestamp:s', 'random']);
