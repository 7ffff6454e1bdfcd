import { createHash } from 'node:crypto';
import { TRUNCATED } from '@shadowdiff/vocabulary';
import { changeClassOf, processingSpread, type ChangeClass } from './change-class.ts';
import type { Difference, Json } from './difference.ts';
import { canonical } from './normalize.ts';
import { formatPath, parsePath, type Segment } from './pattern.ts';
import { REDACTED } from './redact.ts';

/**
 * One element of a discrepancy's signature: where (the path, array positions generalised to
 * `[*]`), what (the difference's kind, or the verdict's for a record without a partner) and how
 * (the change class). Two records hit by one bug share their atoms whatever their values.
 */
export interface Atom {
  /** A short stable name: the first 12 hex digits of the sha1 of path, kind and change. */
  readonly id: string;
  readonly path: string;
  /** A difference's kind, `renamed`, `reordered`, or a verdict kind (`missing_new`, …). */
  readonly kind: string;
  readonly change: ChangeClass;
  /** How far apart the values were, where a rule's tolerance is read from it (ms for timestamps, relative for float noise). */
  readonly measure?: number;
}

/** What a signature is computed from: the parts of a verdict it reads. */
export interface SignatureInput {
  readonly verdict: string;
  /** What stamps taken while processing are near (ms): the records' Kafka timestamp where known (the read model's classFieldsOf), else the decision. */
  readonly decidedAt?: number;
  readonly old: { readonly value: Json } | null;
  readonly new: { readonly value: Json } | null;
  readonly differences: readonly Difference[];
}

/** Atoms kept per signature; a verdict differing in more distinct ways has its others as one `_more` atom. */
export const MAX_ATOMS = 16;
/** Where a difference whose path cannot be read is said to be. */
export const UNREADABLE_PATH = '?';
/** Longest path kept in an atom (a longer one is cut; paths come from traffic). */
const MAX_PATH = 200;

function atom(path: string, kind: string, change: ChangeClass, measure?: number): Atom {
  const cut = path.length > MAX_PATH ? `${path.slice(0, MAX_PATH)}…` : path;
  const id = createHash('sha1').update(`${cut}\u001f${kind}\u001f${change}`).digest('hex').slice(0, 12);
  return measure === undefined ? { id, path: cut, kind, change } : { id, path: cut, kind, change, measure };
}

/** A key that is data, not a name: a number, a UUID, an identifier-like token of 16 or more characters with digits. */
const GENERATED_KEY = /^(?:\d+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|(?=[A-Za-z_-]*\d)[A-Za-z0-9_-]{16,})$/i;

/** A path with every array position as `[*]`, every keyed entry as `[by=*]` and every key that is data (an id in a map) as `*`. */
export function generalisePath(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += '[*]';
    else if (typeof segment === 'string' && GENERATED_KEY.test(segment)) out += out === '' ? '*' : '.*';
    else if (typeof segment === 'string') out += out === '' ? formatPath([segment]) : formatPath(['_', segment]).slice(1);
    else out += `[${segment.by}=*]`;
  }
  return out;
}

function valueAt(root: Json, path: readonly Segment[]): Json | undefined {
  let v: Json | undefined = root;
  for (const segment of path) {
    if (typeof segment === 'number') v = Array.isArray(v) ? v[segment] : undefined;
    else if (typeof segment === 'string') v = v !== null && typeof v === 'object' && !Array.isArray(v) && Object.hasOwn(v, segment) ? v[segment] : undefined;
    else return undefined;
    if (v === undefined) return undefined;
  }
  return v;
}

const hidden = (v: Json | undefined) => v === REDACTED || v === TRUNCATED;

interface Parsed {
  readonly d: Difference;
  readonly segments: Segment[] | undefined;
}

/** Differences under one array that holds the same items in another order: one `reordered` atom. */
function takeReorders(diffs: Parsed[], input: SignatureInput, out: Atom[]): Parsed[] {
  if (!input.old || !input.new) return diffs;
  const byArray = new Map<string, { path: Segment[]; members: Parsed[] }>();
  for (const p of diffs) {
    const at = p.segments?.findIndex((s) => typeof s === 'number') ?? -1;
    if (at < 0) continue;
    const path = p.segments!.slice(0, at);
    const name = formatPath(path);
    const group = byArray.get(name) ?? { path, members: [] };
    group.members.push(p);
    byArray.set(name, group);
  }
  const taken = new Set<Parsed>();
  for (const { path, members } of byArray.values()) {
    const a = valueAt(input.old.value, path);
    const b = valueAt(input.new.value, path);
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length || a.length < 2) continue;
    const sorted = (xs: Json[]) => xs.map(canonical).sort().join('\u0000');
    if (sorted(a) !== sorted(b)) continue;
    out.push(atom(generalisePath(path), 'reordered', 'order_only'));
    for (const m of members) taken.add(m);
  }
  return taken.size === 0 ? diffs : diffs.filter((p) => !taken.has(p));
}

/** A field removed and one added beside it with the same value: one `renamed` atom (linear: added fields are indexed by parent and value). */
function takeRenames(diffs: Parsed[], out: Atom[]): Parsed[] {
  const named = (p: Parsed) => p.segments !== undefined && typeof p.segments.at(-1) === 'string';
  const slot = (segments: readonly Segment[], value: Json | undefined) => `${formatPath(segments.slice(0, -1))}\u0000${canonical(value ?? null)}`;
  const added = new Map<string, { readonly list: Parsed[]; next: number }>();
  for (const p of diffs) {
    if (p.d.kind !== 'added' || !named(p) || hidden(p.d.new)) continue;
    const key = slot(p.segments!, p.d.new);
    const entry = added.get(key);
    if (entry) entry.list.push(p);
    else added.set(key, { list: [p], next: 0 });
  }
  if (added.size === 0) return diffs;
  const taken = new Set<Parsed>();
  for (const removed of diffs) {
    if (removed.d.kind !== 'removed' || !named(removed) || hidden(removed.d.old)) continue;
    const entry = added.get(slot(removed.segments!, removed.d.old));
    const partner = entry?.list[entry.next];
    if (entry) entry.next += 1;
    if (!partner) continue;
    taken.add(partner).add(removed);
    out.push(atom(generalisePath(removed.segments!), 'renamed', `to:${generalisePath(partner.segments!)}`));
  }
  return taken.size === 0 ? diffs : diffs.filter((p) => !taken.has(p));
}

function differenceAtom({ d, segments }: Parsed, decidedAt: number | undefined): Atom {
  // A path that is not one formatPath writes (a hostile verdict's) is not kept: every such is one atom.
  const path = segments ? generalisePath(segments) : UNREADABLE_PATH;
  if (hidden(d.old) || hidden(d.new)) return atom(path, d.kind, 'hidden');
  if ((d.kind === 'added' || d.kind === 'removed') && typeof segments?.at(-1) === 'number') return atom(path, d.kind, 'array_length');
  const change = changeClassOf(d.kind, d.old, d.new, decidedAt);
  let measure: number | undefined;
  if (change.startsWith('timestamp')) measure = processingSpread(d.old ?? null, d.new ?? null, decidedAt)?.ms;
  else if (change === 'float_noise' && typeof d.old === 'number' && typeof d.new === 'number') {
    measure = Math.abs(d.old - d.new) / Math.max(Math.abs(d.old), Math.abs(d.new));
  } else if (change.startsWith('rounded:') && typeof d.old === 'number' && typeof d.new === 'number') {
    // In units of the place rounded to: at most 0.5 (with binary slack) is rounding to nearest.
    measure = Math.abs(d.old - d.new) * 10 ** Number(change.slice('rounded:'.length));
  }
  // Only a finite measure is kept (Redis compares them as numbers).
  if (measure !== undefined && Number.isFinite(measure)) return atom(path, d.kind, change, measure);
  return atom(path, d.kind, change);
}

/**
 * The signature of one verdict: its atoms, each once, in id order. A match has none; a verdict
 * without a pair (missing, duplicate, invalid, late) has one, its kind. Pure: the same verdict
 * gives the same signature whatever the order of its object keys, of its differences or of the
 * positions in its arrays, and whichever side was read first (the sides are the verdict's).
 */
export function signatureOf(input: SignatureInput): readonly Atom[] {
  if (input.verdict === 'match') return [];
  if (input.verdict !== 'mismatch') return [atom('', input.verdict, '')];
  // In path order, so that which of several equal candidates pairs up never depends on the input's order.
  let diffs: Parsed[] = input.differences
    .map((d) => ({ d, segments: parsePath(d.path) }))
    .sort((x, y) => (x.d.path < y.d.path ? -1 : x.d.path > y.d.path ? 1 : x.d.kind < y.d.kind ? -1 : x.d.kind > y.d.kind ? 1 : 0));
  const found: Atom[] = [];
  diffs = takeReorders(diffs, input, found);
  diffs = takeRenames(diffs, found);
  for (const p of diffs) found.push(differenceAtom(p, input.decidedAt));
  // A mismatch whose differences were all cut (or were none a reader can class) is still a discrepancy.
  if (found.length === 0) found.push(atom('', 'mismatch', 'hidden'));
  const byId = new Map<string, Atom>();
  for (const a of found) {
    const seen = byId.get(a.id);
    // One atom per id; its measure is the widest seen (a tolerance must cover every position).
    if (!seen || (a.measure ?? -1) > (seen.measure ?? -1)) byId.set(a.id, a);
  }
  const atoms = [...byId.values()].sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  if (atoms.length <= MAX_ATOMS) return atoms;
  return [...atoms.slice(0, MAX_ATOMS - 1), atom('_more', 'more', '')].sort((x, y) => (x.id < y.id ? -1 : 1));
}
