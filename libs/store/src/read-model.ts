import { DISCREPANCY_KINDS } from '@shadowdiff/vocabulary';
import type { RedisClient } from './client.ts';
import { toStoreError } from './errors.ts';
import { recordVerdicts, type ClassFields, type VerdictRow } from './commands/recordVerdicts.ts';
import { CLASS_CAPS, readClassInput } from './read-model-classes.ts';
import type { ClassInput } from '@shadowdiff/compare';
import { trimVerdicts } from './commands/trimVerdicts.ts';
import { readModelKeys } from './keys.ts';
import { LATENCY_BUCKET_COUNT, latencyBucket } from './latency.ts';
import { decodeFilterFields, encodeFilterFields, filterFieldsOfJson } from './read-model-filters.ts';
import { allFields, scanFields, type RangeFields, type ScanLimits } from './read-model-fields.ts';

export { decodeFilterFields, encodeFilterFields } from './read-model-filters.ts';
import { registerScripts } from './scripts.ts';

/** A verdict as the read model takes it: its identity, kind, time, JSON and the paths that differ. */
export interface VerdictRecord {
  readonly pairId: string;
  readonly verdict: string;
  readonly decidedAt: number;
  /** The verdict JSON; not stored for matches (they are only counted). */
  readonly json: string;
  readonly paths: readonly string[];
  /** The correlation key (null when the record had none), for the key filter. */
  readonly key?: string | null;
  /** A pair's new Kafka timestamp minus its old one (ms); null or absent for a verdict on one side. */
  readonly latencyDeltaMs?: number | null;
  /** Its place in the discrepancy classes (classFieldsOf); none when absent. */
  readonly classes?: ClassFields;
}

/** A position in the newest-first order of discrepancies: (decided at, pairId). */
export interface Cursor {
  readonly at: number;
  readonly pairId: string;
}

export interface PageQuery {
  readonly verdict?: string;
  /** Inclusive bounds on decided at, ms. */
  readonly since?: number;
  readonly until?: number;
  /** Start strictly after this position. */
  readonly after?: Cursor;
  readonly limit: number;
  /** Only verdicts of this correlation key. */
  readonly key?: string;
  /** Only verdicts with a difference at exactly this path. */
  readonly path?: string;
  /**
   * Most index entries one call looks at when filtering by key or path (default 20,000): the
   * filters are checked on a small per-verdict summary, never by fetching and parsing each
   * verdict, and a call that has looked at this many returns what it found with a cursor to go
   * on from, so no request costs more than this however rare the filter's matches are.
   */
  readonly scanBudget?: number;
}

export interface Page {
  readonly items: readonly string[];
  /** Where the next page starts, or null when this was the last. */
  readonly next: Cursor | null;
  /** True when the scan budget ran out before `limit` items were found (there may be more after `next`). */
  readonly budgetSpent?: boolean;
}

export interface FieldStat {
  readonly path: string;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly examples: readonly string[];
}

export interface ReadModel {
  record(verdicts: readonly VerdictRecord[]): Promise<number>;
  /**
   * Applies retention: discrepancies past maxAgeMs or beyond maxCount, pairIds past maxAgeMs or
   * beyond maxSeen, per-minute buckets past maxAgeMs. What the read model holds is then bounded
   * (docs/api.md#retention) whatever the rate.
   */
  trim(options: { maxAgeMs: number; maxCount: number; maxSeen?: number; now?: number }): Promise<number>;
  totals(): Promise<Record<string, number>>;
  /** The discrepancy classes' counts, for analyseClasses (read-model-classes.ts). */
  classInput(now?: number): Promise<ClassInput>;
  /** Counts per minute start and verdict, within [since, until]. */
  minuteCounts(since: number, until: number): Promise<{ minute: number; verdict: string; count: number }[]>;
  /**
   * Exact counts by verdict of the verdicts decided in [since, until] (ms), from the indexes rather
   * than the per-minute buckets; exact within the retention limits.
   */
  countsBetween(since: number, until: number): Promise<Record<string, number>>;
  /**
   * Pairs by latency-delta bucket (latency.ts's LATENCY_BUCKETS, in order) decided in the minutes
   * that overlap [since, until] (ms).
   */
  latencyCounts(since: number, until: number): Promise<number[]>;
  page(query: PageQuery): Promise<Page>;
  get(pairId: string): Promise<string | null>;
  fields(): Promise<FieldStat[]>;
  /**
   * The fields that differ in the discrepancies decided in [since, until] (ms), newest first,
   * looking at no more than `budget` of them (default 100,000): `complete` false when it ran out.
   */
  fieldsBetween(since: number, until: number, limits?: Partial<ScanLimits>): Promise<RangeFields>;
}

const SCAN_BATCH = 500;
/** Most discrepancies one trimVerdicts call drops. */
const TRIM_PER_CALL = 1000;
export const DEFAULT_SCAN_BUDGET = 20_000;
/** Most discrepancies a count of fields over a range looks at. */
export const FIELDS_SCAN_BUDGET = 100_000;

const NON_MATCH = DISCREPANCY_KINDS;

export function createReadModel({
  redis,
  keyPrefix,
  comparison,
  maxPaths = 200,
}: {
  redis: RedisClient;
  keyPrefix: string;
  comparison: string;
  maxPaths?: number;
}): ReadModel {
  const keys = readModelKeys(keyPrefix, comparison);
  const run = registerScripts(redis);
  const call = async <T>(operation: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(operation, error);
    }
  };

  return {
    async record(verdicts) {
      if (verdicts.length === 0) return 0;
      const rows = verdicts.map((v): VerdictRow => {
        const match = v.verdict === 'match';
        const filterFields = match ? '' : encodeFilterFields(v.key ?? filterFieldsOfJson(v.json)?.key ?? null, v.paths);
        // A pair's delta only: an invalid_* verdict may carry both sides' timestamps too.
        const delta = v.verdict === 'match' || v.verdict === 'mismatch' ? v.latencyDeltaMs : null;
        return {
          pairId: v.pairId,
          verdict: v.verdict,
          decidedAt: v.decidedAt,
          json: match ? '' : v.json,
          paths: v.paths,
          filterFields,
          latencyBucket: typeof delta === 'number' && Number.isFinite(delta) ? latencyBucket(delta) : null,
          classes: v.classes ?? { atoms: '', metas: '', sample: '', baseline: false },
        };
      });
      const added = await run(recordVerdicts, { keys, maxPaths, caps: CLASS_CAPS, rows });
      return added;
    },

    async trim({ maxAgeMs, maxCount, maxSeen = 10 * maxCount, now = Date.now() }) {
      let dropped = 0;
      for (;;) {
        const n = await run(trimVerdicts, { keys, oldest: now - maxAgeMs, maxCount, perCall: TRIM_PER_CALL, maxSeen });
        dropped += n;
        if (n < TRIM_PER_CALL) return dropped;
      }
    },

    async totals() {
      const raw = await call('totals', () => redis.hgetall(keys.totals));
      return Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Number(v)]));
    },

    async minuteCounts(since, until) {
      const raw = await call('minuteCounts', () => redis.hgetall(keys.buckets));
      const out: { minute: number; verdict: string; count: number }[] = [];
      for (const [field, value] of Object.entries(raw)) {
        const cut = field.indexOf('|');
        const minute = Number(field.slice(0, cut));
        if (minute + 59_999 < since || minute > until) continue;
        out.push({ minute, verdict: field.slice(cut + 1), count: Number(value) });
      }
      return out.sort((a, b) => a.minute - b.minute);
    },

    async latencyCounts(since, until) {
      const raw = await call('latencyCounts', () => redis.hgetall(`${keys.kindPrefix}latency`));
      const counts = Array<number>(LATENCY_BUCKET_COUNT).fill(0);
      for (const [field, value] of Object.entries(raw)) {
        const cut = field.indexOf('|');
        const minute = Number(field.slice(0, cut));
        const bucket = Number(field.slice(cut + 1));
        if (minute + 59_999 < since || minute > until || !(bucket >= 0 && bucket < LATENCY_BUCKET_COUNT)) continue;
        counts[bucket]! += Number(value);
      }
      return counts;
    },

    async countsBetween(since, until) {
      const [all, ...kinds] = await call('countsBetween', () =>
        Promise.all([redis.zcount(keys.seen, since, until), ...NON_MATCH.map((k) => redis.zcount(`${keys.kindPrefix}${k}`, since, until))]),
      );
      const out: Record<string, number> = {};
      let nonMatch = 0;
      NON_MATCH.forEach((kind, i) => {
        const n = kinds[i] ?? 0;
        nonMatch += n;
        if (n > 0) out[kind] = n;
      });
      if ((all ?? 0) - nonMatch > 0) out.match = (all ?? 0) - nonMatch;
      return out;
    },

    async page({ verdict, since = 0, until = Number.MAX_SAFE_INTEGER, after, limit, key, path, scanBudget = DEFAULT_SCAN_BUDGET }) {
      const index = verdict ? `${keys.kindPrefix}${verdict}` : keys.byTime;
      const filtered = key !== undefined || path !== undefined;
      const accepts = (fields: { key: string | null; paths: readonly string[] }) =>
        (key === undefined || fields.key === key) && (path === undefined || fields.paths.includes(path));
      const items: string[] = [];
      let scanned = 0;
      // Newest first; entries of equal time in descending pairId order (ZRANGE REV order). A
      // position is (max score, how many entries at exactly that score are already behind us),
      // recomputed from the cursor on every call so that verdicts arriving meanwhile shift nothing.
      let max = until;
      let offset = 0;
      let position: Cursor | undefined = after;
      if (after && after.at <= until) {
        max = after.at;
        const ties = await call('page', () => redis.zrange(index, after.at, after.at, 'BYSCORE', 'REV'));
        offset = ties.filter((member) => member >= after.pairId).length;
      }
      for (;;) {
        const batch = await call('page', () => redis.zrange(index, max, since, 'BYSCORE', 'REV', 'LIMIT', offset, SCAN_BATCH, 'WITHSCORES'));
        if (batch.length === 0) return { items, next: null };
        const all: Cursor[] = [];
        for (let i = 0; i < batch.length; i += 2) all.push({ pairId: batch[i] as string, at: Number(batch[i + 1]) });
        // The offset is only a fast skip: a verdict inserted between two reads at the position's
        // time can shift it. Anything not strictly after the position is dropped here, so nothing repeats.
        const entries = position ? all.filter((e) => e.at < (position as Cursor).at || (e.at === (position as Cursor).at && e.pairId < (position as Cursor).pairId)) : all;
        // Filtering looks at each entry's small summary first and fetches only the verdicts it keeps.
        let wanted = entries;
        if (filtered && entries.length > 0) {
          const summaries = await call('page', () => redis.hmget(`${keys.kindPrefix}meta`, ...entries.map((e) => e.pairId)));
          const unknown = entries.filter((_e, i) => summaries[i] === null || summaries[i] === undefined);
          const older = unknown.length ? await call('page', () => redis.hmget(keys.discrepancies, ...unknown.map((e) => e.pairId))) : [];
          const ofOlder = new Map(unknown.map((e, i) => [e.pairId, older[i] ? filterFieldsOfJson(older[i] as string) : undefined]));
          wanted = entries.filter((e, i) => {
            const summary = summaries[i];
            const fields = summary ? decodeFilterFields(summary) : ofOlder.get(e.pairId);
            return fields !== undefined && accepts(fields);
          });
        }
        const values = wanted.length ? await call('page', () => redis.hmget(keys.discrepancies, ...wanted.map((e) => e.pairId))) : [];
        const byId = new Map(wanted.map((e, i) => [e.pairId, values[i]]));
        for (const entry of entries) {
          position = entry;
          scanned += 1;
          const json = byId.get(entry.pairId);
          if (json) {
            items.push(json);
            if (items.length === limit) return { items, next: position };
          }
          if (filtered && scanned >= scanBudget) return { items, next: position, budgetSpent: true };
        }
        if (all.length < SCAN_BATCH) return { items, next: null };
        const lastAt = (all[all.length - 1] as Cursor).at;
        const atLast = all.filter((e) => e.at === lastAt).length;
        offset = lastAt === max ? offset + atLast : atLast;
        max = lastAt;
      }
    },

    classInput: (now = Date.now()) => call('classes', () => readClassInput(redis, keys, now)),

    get: (pairId) => call('get', () => redis.hget(keys.discrepancies, pairId)),

    fieldsBetween: (since, until, limits = {}) =>
      call('fieldsBetween', () =>
        scanFields(redis, { byTime: keys.byTime, meta: `${keys.kindPrefix}meta`, discrepancies: keys.discrepancies }, since, until, {
          budget: FIELDS_SCAN_BUDGET,
          maxPaths,
          pathBudget: 1_000_000,
          ...limits,
        }),
      ),

    fields: () => call('fields', () => allFields(redis, keys)),
  };
}
