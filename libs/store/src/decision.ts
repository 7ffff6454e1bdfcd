export type Side = 'old' | 'new';

export type DecisionKind = 'pair' | 'late' | 'missing' | 'duplicate' | 'invalid';

/** One record as the store keeps it: its coordinates and the blob the joiner wrote. */
export interface StoredRecord {
  readonly topic: string;
  readonly partition: number;
  /** Kafka offset, as a decimal string (int64). */
  readonly offset: string;
  /** Opaque to the store: what the joiner asked it to keep for this record. */
  readonly blob: string;
}

/**
 * A decision taken atomically in Redis and held in the outbox until its verdict is published.
 * `id` is the coordinate of the record whose arrival or expiry caused it: unique per decision.
 */
export interface Decision {
  readonly id: string;
  readonly kind: DecisionKind;
  /** For `missing`: `watermark` or `max_wait`; otherwise null. */
  readonly reason: 'watermark' | 'max_wait' | null;
  readonly decidedAt: number;
  readonly old: StoredRecord | null;
  readonly new: StoredRecord | null;
}

const FIELD = '\x1e';

/** Parses a decision value written by commands/includes/add-decision.lua. */
export function parseDecision(id: string, value: string): Decision {
  const [kind, reason, decidedAt, oldEntry, newEntry] = value.split(FIELD);
  return {
    id,
    kind: kind as DecisionKind,
    reason: reason === 'watermark' || reason === 'max_wait' ? reason : null,
    decidedAt: Number(decidedAt),
    old: parseEntry(oldEntry ?? ''),
    new: parseEntry(newEntry ?? ''),
  };
}

function parseEntry(entry: string): StoredRecord | null {
  if (entry === '') return null;
  const cut = entry.indexOf('\n');
  const coordinate = entry.slice(0, cut);
  const offsetCut = coordinate.lastIndexOf('/');
  const partitionCut = coordinate.lastIndexOf('/', offsetCut - 1);
  return {
    topic: coordinate.slice(0, partitionCut),
    partition: Number(coordinate.slice(partitionCut + 1, offsetCut)),
    offset: coordinate.slice(offsetCut + 1),
    blob: entry.slice(cut + 1),
  };
}

/** Reads the flat `[id, value, id, value, ...]` reply of a script into decisions. */
export function parseDecisions(flat: readonly string[], from = 0): Decision[] {
  const out: Decision[] = [];
  for (let i = from; i + 1 < flat.length; i += 2) out.push(parseDecision(flat[i] as string, flat[i + 1] as string));
  return out;
}
