// Reading a joiner process from outside: its /metrics, its RSS, and Redis's memory.
import { readFileSync } from 'node:fs';
import type { Redis } from 'ioredis';
import { scrapeMetric, sumWhere } from '@shadowdiff/testing';

export type Buckets = { le: number; count: number }[];

/** A Prometheus histogram's cumulative buckets, as they are now. */
export async function histogramBuckets(url: string, name: string): Promise<Buckets> {
  return [...(await scrapeMetric(url, `${name}_bucket`))]
    .map(([labels, count]) => ({ le: Number(/le="([^"]+)"/.exec(labels)?.[1]?.replace('+Inf', 'Infinity')), count }))
    .sort((a, b) => a.le - b.le);
}

/** Percentile (upper bucket bound) of what a histogram observed between two snapshots. */
export function quantile(after: Buckets, q: number, before: Buckets = []): number {
  const counts = after.map((b, i) => ({ le: b.le, count: b.count - (before[i]?.count ?? 0) }));
  const total = counts.at(-1)?.count ?? 0;
  return counts.find((b) => b.count >= q * total)?.le ?? Number.NaN;
}

/** Sum of `shadowdiff_records_total` (optionally of some labels) over several joiners. */
export async function recordsApplied(urls: readonly string[], labels: Record<string, string> = {}): Promise<number> {
  const counts = await Promise.all(urls.map(async (u) => sumWhere(await scrapeMetric(u, 'shadowdiff_records_total'), labels)));
  return counts.reduce((a, b) => a + b, 0);
}

/** A joiner's verdicts so far, by kind. */
export async function verdictCounts(url: string): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [labels, value] of await scrapeMetric(url, 'shadowdiff_verdicts_total')) {
    const kind = /verdict="([^"]+)"/.exec(labels)?.[1];
    if (kind) out[kind] = (out[kind] ?? 0) + value;
  }
  return out;
}

/** A process's resident set now (`VmRSS`) or at its peak (`VmHWM`), MB. */
export function rssMb(pid: number, which: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  return Number(new RegExp(`${which}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

export async function redisCalls(redis: Redis): Promise<number> {
  const info = await redis.info('commandstats');
  return [...info.matchAll(/calls=(\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
}

/** Redis's `used_memory`, bytes. */
export async function usedMemory(redis: Redis): Promise<number> {
  return Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
}

/**
 * Records/s from the moment the first applied records were seen (`first` of them, not counted) to
 * the last. With too few records the first flush holds most of them; then all are counted, and
 * the figure is rough (a warning says so).
 */
export function rateSinceFirst(total: number, first: number, ms: number, warn: (line: string) => void): number {
  if (first * 2 > total) {
    warn(`the first flush seen held ${first} of ${total} records: the rate counts them all (run with more RECORDS for a true figure)`);
    return (total / Math.max(1, ms)) * 1000;
  }
  return ((total - first) / Math.max(1, ms)) * 1000;
}
