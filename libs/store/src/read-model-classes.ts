import { GENERATED_CLASSES, featuresOf, signatureOf, type AtomStats, type ClassInput, type Difference, type Json, type SampleEntry, type SignatureInput } from '@shadowdiff/compare';
import type { RedisClient } from './client.ts';
import type { ClassCaps, ClassFields } from './commands/recordVerdicts.ts';
import type { ReadModelKeys } from './keys.ts';

/**
 * The read model's part of the discrepancy classes: what each new verdict adds (its atoms, and a
 * sample of its features), and the bounded counts read back for libs/compare's analyseClasses.
 * The counting is in includes/record-classes.lua, inside recordVerdicts, so it happens once per
 * pairId whichever joiner decided the verdict and however often the API reads it.
 */

/**
 * What the read model keeps of the classes, whatever the traffic (docs/classes.md): with every
 * sample entry at most MAX_SAMPLE_BYTES, about 14 MB per comparison when every cap is reached.
 */
export const CLASS_CAPS: ClassCaps = { atoms: 200, signatures: 2000, examples: 5, sample: 40, baseline: 1000 };

/** Longest sample entry kept, bytes of JSON: features beyond it are left out, last in key order first. */
export const MAX_SAMPLE_BYTES = 1536;

/** One match in this many (by pairId) is sampled into the baseline that likely causes are measured against. */
export const BASELINE_ONE_IN = 4;

/** The kinds a difference can have; a hostile verdict's others are left out of its signature. */
const DIFFERENCE_KINDS = new Set(['changed', 'added', 'removed', 'type_changed']);

const NO_CLASSES: ClassFields = { atoms: '', metas: '', sample: '', baseline: false };

/** A verdict as a reader has checked it: differences may lack what a signature reads (anyone can write a verdict topic). */
export type CheckedInput = Omit<SignatureInput, 'differences' | 'old' | 'new'> & {
  readonly pairId: string;
  readonly differences: readonly { readonly path: string }[];
  readonly old: { readonly value: Json; readonly [field: string]: unknown } | null;
  readonly new: { readonly value: Json; readonly [field: string]: unknown } | null;
};

/**
 * When the records were written: the old side's Kafka timestamp, else the new side's, else the
 * decision. Stamps taken while processing are near it even when the joiner decided days later (a
 * lagging consumer, a replay of history).
 */
function anchorOf(verdict: CheckedInput): number | undefined {
  for (const side of [verdict.old, verdict.new]) {
    const at = typeof side?.timestamp === 'string' ? Date.parse(side.timestamp) : Number.NaN;
    if (Number.isFinite(at)) return at;
  }
  return verdict.decidedAt;
}

/**
 * The class fields of one verdict; features are computed only for the verdicts sampled. Never
 * throws: a verdict that cannot be classed is still recorded, outside the classes.
 */
export function classFieldsOf(verdict: CheckedInput): ClassFields {
  try {
    const differences = verdict.differences.filter((d): d is Difference => DIFFERENCE_KINDS.has((d as { kind?: unknown }).kind as string));
    const anchor = anchorOf(verdict);
    return classFields({ ...verdict, differences, ...(anchor === undefined ? {} : { decidedAt: anchor }) });
  } catch {
    return NO_CLASSES;
  }
}

function classFields(verdict: SignatureInput & { readonly pairId: string }): ClassFields {
  const atoms = signatureOf(verdict);
  // A pairId is a hash already (32 hex digits, checked by the reader): its last digits choose, as
  // the joiner's match sampling uses its first ones, so the two choices stay independent.
  const sampledMatch = Number.parseInt(verdict.pairId.slice(-8), 16) % BASELINE_ONE_IN === 0;
  const baseline = atoms.length === 0 ? sampledMatch : sampledMatch && atoms.every((a) => GENERATED_CLASSES.has(a.change));
  if (atoms.length === 0 && !baseline) return NO_CLASSES;
  // The reference side's features; the new side's when the old has none (missing_old).
  const value = verdict.old?.value ?? verdict.new?.value ?? null;
  const features = featuresOf(value);
  const entry: SampleEntry = { pairId: verdict.pairId, atoms: atoms.map((a) => a.id), features };
  let sample = JSON.stringify(entry);
  if (Buffer.byteLength(sample) > MAX_SAMPLE_BYTES) {
    const names = Object.keys(features);
    while (names.length > 0 && Buffer.byteLength(sample) > MAX_SAMPLE_BYTES) {
      delete features[names.pop()!];
      sample = JSON.stringify(entry);
    }
  }
  return {
    atoms: atoms.map((a) => a.id).join('\x1f'),
    metas: atoms.map((a) => `${a.id}\x1e${JSON.stringify({ path: a.path, kind: a.kind, change: a.change })}\x1e${a.measure ?? ''}`).join('\x1f'),
    sample,
    baseline,
  };
}

function parseEntries(raw: readonly string[]): SampleEntry[] {
  const out: SampleEntry[] = [];
  for (const text of raw) {
    try {
      const e = JSON.parse(text) as SampleEntry;
      if (typeof e.pairId === 'string' && Array.isArray(e.atoms) && e.features && typeof e.features === 'object') out.push(e);
    } catch {
      // A damaged entry costs itself only.
    }
  }
  return out;
}

const HOUR = 3_600_000;

/** Everything analyseClasses needs, read in two round trips (one pipeline of hashes, one of lists). */
export async function readClassInput(redis: RedisClient, keys: ReadModelKeys, now: number): Promise<ClassInput> {
  const p = `${keys.kindPrefix}cls:`;
  const hourStart = now - (now % HOUR);
  const hours = Array.from({ length: 6 }, (_, i) => hourStart - (5 - i) * HOUR);
  const [counts, metas, first, last, max, sigs, totals, baselineRaw, ...hourly] = await Promise.all([
    redis.hgetall(`${p}n`),
    redis.hgetall(`${p}meta`),
    redis.hgetall(`${p}first`),
    redis.hgetall(`${p}last`),
    redis.hgetall(`${p}max`),
    redis.hgetall(`${p}sig`),
    redis.hgetall(keys.totals),
    redis.lrange(`${p}base`, 0, -1),
    ...hours.map((h) => redis.hgetall(`${p}h:${h}`)),
  ]);
  const ids = Object.keys(counts).filter((id) => id !== '_dropped' && metas[id] !== undefined);
  const lists = await Promise.all(ids.flatMap((id) => [redis.lrange(`${p}ex:${id}`, 0, -1), redis.lrange(`${p}s:${id}`, 0, -1)]));
  const atoms = new Map<string, AtomStats>();
  const samples = new Map<string, readonly SampleEntry[]>();
  ids.forEach((id, i) => {
    let atom: AtomStats['atom'];
    try {
      atom = { id, ...(JSON.parse(metas[id] as string) as { path: string; kind: string; change: string }) };
    } catch {
      return;
    }
    const measure = max[id] === undefined ? undefined : Number(max[id]);
    atoms.set(id, {
      atom,
      count: Number(counts[id]),
      firstSeen: Number(first[id]),
      lastSeen: Number(last[id] ?? first[id]),
      ...(measure === undefined ? {} : { measure }),
      examples: lists[2 * i] ?? [],
      hours: new Map(hours.map((h, j) => [h, Number(hourly[j]?.[id] ?? 0)])),
    });
    samples.set(id, parseEntries(lists[2 * i + 1] ?? []));
  });
  const total = (kind: string) => Number(totals[kind] ?? 0);
  const discrepancies = Object.entries(totals).reduce((sum, [kind, n]) => (kind === 'match' ? sum : sum + Number(n)), 0);
  return {
    pairs: total('match') + total('mismatch'),
    discrepancies,
    atoms,
    signatures: new Map(Object.entries(sigs).map(([s, n]) => [s, Number(n)])),
    samples,
    baseline: parseEntries(baselineRaw),
    now,
    uncounted: { atoms: Number(counts._dropped ?? 0), signatures: Number(sigs._other ?? 0) },
  };
}
