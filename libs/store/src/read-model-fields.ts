/**
 * The fields that differ in the discrepancies decided in a time range: counted from each
 * discrepancy's small summary (read-model-filters.ts), newest first, within a budget of entries
 * looked at, so that a request costs at most that much whatever the range holds.
 */
import type { RedisClient } from './client.ts';
import type { ReadModelKeys } from './keys.ts';
import { decodeFilterFields, filterFieldsOfJson } from './read-model-filters.ts';

const BATCH = 500;
/** The path counted in place of any beyond `maxPaths` distinct ones (as the all-time counts do). */
const OTHER = '_other';

export interface RangeFieldStat {
  readonly path: string;
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** Up to 5 pairIds, newest first. */
  readonly examples: readonly string[];
}

export interface RangeFields {
  readonly fields: readonly RangeFieldStat[];
  /** Discrepancies looked at. */
  readonly scanned: number;
  /** False when a budget ran out first: the counts are of the newest `scanned` discrepancies of the range. */
  readonly complete: boolean;
}

export interface ScanLimits {
  /** Most discrepancies looked at. */
  readonly budget: number;
  /** Most distinct paths counted; the others count under `_other`. */
  readonly maxPaths: number;
  /** Most path occurrences looked at in all (a discrepancy may list thousands of paths). */
  readonly pathBudget: number;
}

export async function scanFields(
  redis: RedisClient,
  { byTime, meta, discrepancies }: { byTime: string; meta: string; discrepancies: string },
  since: number,
  until: number,
  { budget, maxPaths, pathBudget }: ScanLimits,
): Promise<RangeFields> {
  const stats = new Map<string, { count: number; firstSeen: number; lastSeen: number; examples: string[] }>();
  let scanned = 0;
  let pathsSeen = 0;
  // Newest first. A position is (score, how many entries at exactly that score are behind us).
  let max = until;
  let skip = 0;
  for (;;) {
    const batch = await redis.zrange(byTime, max, since, 'BYSCORE', 'REV', 'LIMIT', skip, Math.min(BATCH, budget - scanned), 'WITHSCORES');
    if (batch.length === 0) return { fields: sorted(stats), scanned, complete: true };
    const entries: { pairId: string; at: number }[] = [];
    for (let i = 0; i < batch.length; i += 2) entries.push({ pairId: batch[i] as string, at: Number(batch[i + 1]) });
    const summaries = await redis.hmget(meta, ...entries.map((e) => e.pairId));
    // A discrepancy recorded before summaries existed: its paths come from its JSON.
    const unknown = entries.filter((_e, i) => summaries[i] === null || summaries[i] === undefined);
    const older = unknown.length > 0 ? await redis.hmget(discrepancies, ...unknown.map((e) => e.pairId)) : [];
    const ofOlder = new Map(unknown.map((e, i) => [e.pairId, older[i] ? filterFieldsOfJson(older[i] as string) : undefined]));
    let counted = 0;
    for (const [i, entry] of entries.entries()) {
      if (pathsSeen >= pathBudget) break;
      counted += 1;
      const summary = summaries[i];
      const fields = summary ? decodeFilterFields(summary) : ofOlder.get(entry.pairId);
      const paths = new Set(fields?.paths ?? []);
      pathsSeen += paths.size;
      for (const seen of paths) {
        const path = stats.has(seen) || stats.size < maxPaths ? seen : OTHER;
        const stat = stats.get(path);
        if (stat === undefined) stats.set(path, { count: 1, firstSeen: entry.at, lastSeen: entry.at, examples: [entry.pairId] });
        else {
          stat.count += 1;
          stat.firstSeen = Math.min(stat.firstSeen, entry.at);
          stat.lastSeen = Math.max(stat.lastSeen, entry.at);
          if (stat.examples.length < 5 && !stat.examples.includes(entry.pairId)) stat.examples.push(entry.pairId);
        }
      }
    }
    scanned += counted;
    if (counted < entries.length) return { fields: sorted(stats), scanned, complete: false };
    const lastAt = (entries[entries.length - 1] as { at: number }).at;
    const atLast = entries.filter((e) => e.at === lastAt).length;
    skip = lastAt === max ? skip + atLast : atLast;
    max = lastAt;
    if (scanned >= budget) {
      const rest = await redis.zrange(byTime, max, since, 'BYSCORE', 'REV', 'LIMIT', skip, 1);
      return { fields: sorted(stats), scanned, complete: rest.length === 0 };
    }
    if (entries.length < BATCH) return { fields: sorted(stats), scanned, complete: true };
  }
}

function sorted(stats: Map<string, { count: number; firstSeen: number; lastSeen: number; examples: string[] }>): RangeFieldStat[] {
  return [...stats].map(([path, s]) => ({ path, ...s })).sort((a, b) => b.count - a.count || a.path.localeCompare(b.path));
}

/** Every field path's all-time count, first and last seen and newest examples, most frequent first. */
export async function allFields(redis: RedisClient, keys: ReadModelKeys): Promise<{ path: string; count: number; firstSeen: number; lastSeen: number; examples: string[] }[]> {
  const [counts, first, last] = await Promise.all([redis.hgetall(keys.fields), redis.hgetall(keys.fieldFirst), redis.hgetall(keys.fieldLast)]);
  const paths = Object.keys(counts);
  const examples = await Promise.all(paths.map((p) => redis.lrange(`${keys.kindPrefix}ex:${p}`, 0, 4)));
  return paths
    .map((path, i) => ({ path, count: Number(counts[path]), firstSeen: Number(first[path]), lastSeen: Number(last[path]), examples: examples[i] ?? [] }))
    .sort((a, b) => b.count - a.count || a.path.localeCompare(b.path));
}
