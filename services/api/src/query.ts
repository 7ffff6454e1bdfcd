/** What the routes read from a query: instants, counts and ranges, checked; and the numbers they derive. */
import { ApiError, ApiErrorCode } from './errors.ts';

export const BUCKETS: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };
export const DAY = 86_400_000;

/** An instant in ms as the API writes times: ISO-8601. */
export const iso = (ms: number) => new Date(ms).toISOString();

export function matchRate(counts: Record<string, number>): number | null {
  const match = counts.match ?? 0;
  const paired = match + (counts.mismatch ?? 0);
  return paired === 0 ? null : match / paired;
}

export function bucketFor(rangeMs: number): string {
  if (rangeMs <= 2 * 3_600_000) return '1m';
  if (rangeMs <= 12 * 3_600_000) return '5m';
  if (rangeMs <= 2 * DAY) return '15m';
  if (rangeMs <= 14 * DAY) return '1h';
  return '1d';
}

/**
 * An instant of the query. The schema's date-time takes a leap second (`23:59:60`), which Date
 * does not: it stands for the last moment of its minute. Anything else Date cannot place is a 400.
 */
export function instant(text: string, name: string): number {
  let ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    const leap = /^(.*T\d{2}:\d{2}):60(?:\.\d+)?(.*)$/.exec(text);
    if (leap) ms = Date.parse(`${leap[1]}:59.999${leap[2]}`);
  }
  if (!Number.isFinite(ms)) throw new ApiError(ApiErrorCode.BAD_REQUEST, `querystring/${name} is not an instant this API can use`);
  return ms;
}

/** A count of the query: the schema bounds it; spellings such as Infinity that coerce past it are refused here. */
export function count(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new ApiError(ApiErrorCode.BAD_REQUEST, `querystring/${name} must be an integer from 1 to ${max}`);
  return value;
}

export function range(query: { since?: string; until?: string }, defaultSpanMs: number | null) {
  const until = query.until ? instant(query.until, 'until') : Date.now();
  const since = query.since ? instant(query.since, 'since') : defaultSpanMs === null ? 0 : until - defaultSpanMs;
  if (since > until) throw new ApiError(ApiErrorCode.BAD_REQUEST, 'querystring/since must not be after querystring/until');
  return { since, until };
}
