import type { Side } from '@shadowdiff/config';

export interface PrePairSegment {
  readonly side: Side;
  readonly records: readonly { readonly kind: 'record' | 'invalid'; readonly key: string }[];
}

/** Two records of one flush, by their index across its segments (from 0). */
export interface PrePair {
  readonly old: number;
  readonly new: number;
}

/**
 * The pairs a flush can form by itself, as the store forms them when neither side has seen the
 * key before: the first old record of a key with the first new one; with `sequence`, the n-th
 * with the n-th. The store checks each against its state (a key seen earlier, a redelivered
 * record) and decides otherwise where it does not hold, so this only has to be right in the
 * common case to save work, never to be correct.
 */
export function prePair(segments: readonly PrePairSegment[], duplicates: 'first' | 'sequence'): PrePair[] {
  const seen: Record<Side, Map<string, number[]>> = { old: new Map(), new: new Map() };
  let index = 0;
  for (const segment of segments) {
    const bySide = seen[segment.side];
    for (const record of segment.records) {
      if (record.kind === 'record') {
        const list = bySide.get(record.key);
        if (list === undefined) bySide.set(record.key, [index]);
        else if (duplicates === 'sequence') list.push(index);
      }
      index += 1;
    }
  }
  const pairs: PrePair[] = [];
  for (const [key, olds] of seen.old) {
    const news = seen.new.get(key);
    if (news === undefined) continue;
    const n = Math.min(olds.length, news.length);
    for (let i = 0; i < n; i += 1) pairs.push({ old: olds[i]!, new: news[i]! });
  }
  return pairs;
}
