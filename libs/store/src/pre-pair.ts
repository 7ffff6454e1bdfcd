/**
 * What the store expects a flush to decide, worked out before any Redis call, so that the caller
 * can compare those pairs itself (it holds the payloads) and hand the verdicts over as hints. The
 * pairing rule itself is applyRecords-24.lua's; this is its common case, and the store checks
 * every expectation against its state before it takes one (applyPredicted-24.lua, or
 * applyRecords-24.lua record by record). libs/store/test/pairing-equivalence.int.test.ts holds
 * the three to the same decisions.
 */
import type { Side } from './decision.ts';

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

/** A record of a flush that may pair with the other side's parked record of its key. */
export interface ParkedCandidate {
  readonly index: number;
  readonly key: string;
}

/**
 * The records of a flush left without a partner in it whose key the other side may hold parked:
 * the first valid record of each key per side. Only with duplicates: first, where the pair key is
 * the key (with `sequence` it depends on counts only the store knows).
 */
export function parkedCandidates(segments: readonly PrePairSegment[], pairs: readonly PrePair[], duplicates: 'first' | 'sequence'): Record<Side, ParkedCandidate[]> {
  const wanted: Record<Side, ParkedCandidate[]> = { old: [], new: [] };
  if (duplicates !== 'first') return wanted;
  const inPairs = new Set<number>();
  for (const p of pairs) {
    inPairs.add(p.old);
    inPairs.add(p.new);
  }
  const listed: Record<Side, Set<string>> = { old: new Set(), new: new Set() };
  let index = 0;
  for (const segment of segments) {
    for (const record of segment.records) {
      if (record.kind === 'record' && !inPairs.has(index) && !listed[segment.side].has(record.key)) {
        listed[segment.side].add(record.key);
        wanted[segment.side].push({ index, key: record.key });
      }
      index += 1;
    }
  }
  return wanted;
}
