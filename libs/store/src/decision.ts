export type { Side } from '@shadowdiff/vocabulary';

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

/**
 * A verdict the joiner built itself before the decision was taken (a pair it matched within one
 * apply call, through a pair hint), kept in the outbox as its published text.
 */
export interface PrebuiltVerdict {
  readonly id: string;
  readonly kind: 'verdict';
  /** The verdict event's JSON text. */
  readonly text: string;
}

/** What the outbox holds: a decision to turn into a verdict, or a verdict already built. */
export type OutboxEntry = Decision | PrebuiltVerdict;

const FIELD = '\x1e';
const PREBUILT = `v${FIELD}`;

/** The outbox value of a prebuilt verdict, as applyRecords writes it for a taken hint (parseOutboxEntry reads it). */
export function prebuiltValue(text: string): string {
  return `${PREBUILT}${text}`;
}

/** A stored entry as the scripts write it (parseEntry reads it): the record's "topic/partition/offset", a newline, its blob. */
export function storedEntry(coordinate: string, blob: string): string {
  return `${coordinate}\n${blob}`;
}

/** Parses an outbox value: a prebuilt verdict (`v` FIELD text) or a decision (see commands/includes/add-decision.lua). */
export function parseOutboxEntry(id: string, value: string): OutboxEntry {
  return value.startsWith(PREBUILT) ? { id, kind: 'verdict', text: value.slice(PREBUILT.length) } : parseDecision(id, value);
}

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

/** Parses a stored entry ("topic/partition/offset\n" + blob); null for an absent side (''). */
export function parseEntry(entry: string): StoredRecord | null {
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
export function parseDecisions(flat: readonly unknown[], from = 0): Decision[] {
  const out: Decision[] = [];
  for (let i = from; i + 1 < flat.length; i += 2) out.push(parseDecision(flat[i] as string, flat[i + 1] as string));
  return out;
}

/** Reads the flat `[id, value, ...]` reply of the outbox claim into entries of either kind. */
export function parseOutboxEntries(flat: readonly string[]): OutboxEntry[] {
  const out: OutboxEntry[] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) out.push(parseOutboxEntry(flat[i] as string, flat[i + 1] as string));
  return out;
}
