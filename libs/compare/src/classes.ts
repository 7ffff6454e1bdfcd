import { createHash } from 'node:crypto';
import { GENERATED_CLASSES } from './change-class.ts';
import { describeFeature, type Features } from './features.ts';
import type { Atom } from './signature.ts';
import { suggestionFor, type Suggestion } from './suggestions.ts';

/**
 * From the counts a read model keeps (classify.ts writes them) to what an engineer reads: the
 * discrepancy classes, the likely causes of each, the fields that are likely noise and the rules
 * that would absorb them. Pure, and cheap: its inputs are bounded (atoms, signatures, samples).
 */

/** An atom with what the read model counted of it. */
export interface AtomStats {
  readonly atom: Omit<Atom, 'measure'>;
  /** Discrepancies whose signature holds it. */
  readonly count: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  /** The widest distance seen (see Atom.measure), when the class has one. */
  readonly measure?: number;
  /** Newest first. */
  readonly examples: readonly string[];
  /** Discrepancies per hour (hour start ms → count). */
  readonly hours: ReadonlyMap<number, number>;
}

/** A sampled record: its pairId, its signature's atom ids and its features. */
export interface SampleEntry {
  readonly pairId: string;
  readonly atoms: readonly string[];
  readonly features: Features;
}

export interface ClassInput {
  /** Verdicts decided on a pair (matches and mismatches) the read model holds. */
  readonly pairs: number;
  /** Every verdict but matches. */
  readonly discrepancies: number;
  readonly atoms: ReadonlyMap<string, AtomStats>;
  /** Signature (atom ids joined by `,`) → discrepancies with it. */
  readonly signatures: ReadonlyMap<string, number>;
  /** Recent members of each atom. */
  readonly samples: ReadonlyMap<string, readonly SampleEntry[]>;
  /** Recent records that matched, or differed only in generated values. */
  readonly baseline: readonly SampleEntry[];
  readonly now: number;
  /** What the caps kept out: atom occurrences not counted (beyond the atoms cap), discrepancies whose signature was not kept (beyond the signatures cap). */
  readonly uncounted?: { readonly atoms: number; readonly signatures: number };
}

export interface Cause {
  readonly feature: string;
  readonly value: string;
  /** e.g. `lines.length = 3` */
  readonly statement: string;
  /** Share of the class's sample with the feature, and of the baseline (matches). */
  readonly classShare: number;
  readonly baselineShare: number;
  readonly lift: number;
  readonly classSample: number;
  readonly baselineSample: number;
}

export type Trend = 'new' | 'rising' | 'steady' | 'falling' | 'gone';

export interface DiscrepancyClass {
  readonly id: string;
  readonly atoms: readonly (AtomStats['atom'] & { readonly count: number })[];
  /** A readable sentence per atom. */
  readonly explanation: string;
  readonly count: number;
  /** Of all discrepancies. */
  readonly share: number;
  readonly firstSeen: number;
  readonly lastSeen: number;
  readonly trend: Trend;
  /** The last six hours, oldest first. */
  readonly hourly: readonly number[];
  readonly examples: readonly string[];
  readonly causes: readonly Cause[];
  /** Why causes are empty, when they could not be looked for. */
  readonly causesNote?: string;
  readonly suggestion?: Suggestion;
}

export interface NoiseField {
  readonly atom: AtomStats['atom'];
  readonly count: number;
  /** Of the pairs decided. */
  readonly share: number;
  readonly reason: string;
  readonly suggestion?: Suggestion;
}

export interface Analysis {
  readonly classes: readonly DiscrepancyClass[];
  readonly noise: readonly NoiseField[];
  /** Every rule suggested (noise, then classes), and the mismatches that all of them together would turn into matches. */
  readonly suggestions: readonly Suggestion[];
  readonly resolvedByAll: number;
  /** As the input says (0 when the caps were never reached): when not 0, classes and counts are of what was kept. */
  readonly uncounted: { readonly atoms: number; readonly signatures: number };
}

/** A generated-looking change in at least this share of pairs makes its field likely noise. */
export const NOISE_SHARE = 0.5;
/** Two atoms are one class when each occurs with the other in at least this share of its discrepancies. */
export const CO_OCCURRENCE = 0.9;
const MIN_CAUSE_SAMPLE = 5;
const MIN_CAUSE_SHARE = 0.6;
const MIN_LIFT = 2;
const MAX_CAUSES = 3;
const HOUR = 3_600_000;

const NO_PARTNER: Record<string, string> = {
  missing_new: 'the new side never produced these records',
  missing_old: 'the old side never produced these records',
  duplicate_old: 'the old side produced these records more than once',
  duplicate_new: 'the new side produced these records more than once',
  invalid_old: 'the old side wrote records that could not be read',
  invalid_new: 'the new side wrote records that could not be read',
  late: 'a partner arrived after the record was declared missing',
};

/** A sentence for one atom: what changed where. */
export function describeAtom(a: AtomStats['atom']): string {
  if (NO_PARTNER[a.kind]) return `${a.kind}: ${NO_PARTNER[a.kind]}`;
  const [change, parameter] = a.change.split(/:(.*)/s) as [string, string | undefined];
  const how: Record<string, string> = {
    float_noise: 'equal but for floating-point noise',
    factor: `new = old × ${parameter}`,
    rounded: `rounded to ${parameter} decimal place(s) on one side`,
    sign: 'the sign flipped',
    offset: `new = old ${Number(parameter) < 0 ? '−' : '+'} ${Math.abs(Number(parameter))}`,
    case: 'letter case only',
    whitespace: 'whitespace only',
    prefix_added: 'a prefix added',
    prefix_removed: 'a prefix removed',
    suffix_added: 'a suffix added',
    suffix_removed: 'a suffix removed',
    date_format: 'the same instant written in another format',
    date_changed: 'a different date',
    timestamp: 'timestamps taken while processing',
    generated_id: 'generated identifiers',
    random: 'random numbers',
    number_vs_string: 'a number on one side, the same number as text on the other',
    null_vs_missing: 'null on one side, absent on the other',
    null_vs_value: 'null on one side, a value on the other',
    boolean_vs_text: 'a boolean on one side, the same as text on the other',
    array_length: a.kind === 'added' ? 'the new array is longer' : 'the new array is shorter',
    order_only: 'the same items in another order',
    field: a.kind === 'added' ? 'a field only the new side has' : 'a field only the old side has',
    hidden: 'values redacted or cut, so not classed',
    other: 'values differ',
  };
  if (a.kind === 'renamed') return `${a.path}: renamed to ${parameter ?? '?'}`;
  if (a.kind === 'more') return 'and more differences (a record differs in over 16 ways)';
  return `${a.path}: ${how[change] ?? a.change}`;
}

function trendOf(hourly: readonly number[], first: number, last: number, now: number): Trend {
  if (now - last > 2 * HOUR) return 'gone';
  if (now - first < HOUR) return 'new';
  const recent = (hourly[4] ?? 0) + (hourly[5] ?? 0);
  const before = (hourly[2] ?? 0) + (hourly[3] ?? 0);
  if (recent > 1.5 * before + 2) return 'rising';
  if (before > 1.5 * recent + 2) return 'falling';
  return 'steady';
}

/** How many entries hold each feature (name and value joined by U+0000). */
function featureCounts(entries: readonly SampleEntry[]): Map<string, number> {
  const m = new Map<string, number>();
  for (const e of entries) for (const [name, value] of Object.entries(e.features)) m.set(`${name}\u0000${value}`, (m.get(`${name}\u0000${value}`) ?? 0) + 1);
  return m;
}

/** Likely causes: features far more common in the class's sample than among matches. */
export function causesOf(members: readonly SampleEntry[], baseline: readonly SampleEntry[], baselineCounts = featureCounts(baseline)): Cause[] {
  const inClass = featureCounts(members);
  const inBase = baselineCounts;
  const nC = members.length;
  const nB = baseline.length;
  const out: Cause[] = [];
  for (const [feature, k] of inClass) {
    if (k < Math.max(3, MIN_CAUSE_SHARE * nC)) continue;
    const [name, value] = feature.split('\u0000') as [string, string];
    const classShare = k / nC;
    const baselineShare = (inBase.get(feature) ?? 0) / nB;
    const lift = classShare / Math.max(baselineShare, 1 / nB);
    if (lift < MIN_LIFT) continue;
    out.push({ feature: name, value, statement: describeFeature(name, value), classShare, baselineShare, lift, classSample: nC, baselineSample: nB });
  }
  // An ending of a text says less than the text: dropped when the whole value is a cause as strong.
  const kept = out.filter((c) => {
    const whole = /^(.*)\[-\d:\]$/.exec(c.feature)?.[1];
    return whole === undefined || !out.some((o) => o.feature === whole && o.classShare >= c.classShare);
  });
  return kept
    .sort((x, y) => y.lift - x.lift || y.classShare - x.classShare || (x.statement < y.statement ? -1 : 1))
    .slice(0, MAX_CAUSES)
    .map((c) => ({ ...c, lift: Math.round(c.lift * 100) / 100 }));
}

/** Groups atoms that nearly always occur together (union-find over co-occurrence in the signatures). */
function group(atoms: readonly string[], signatures: readonly (readonly [readonly string[], number])[]): string[][] {
  const count = new Map<string, number>();
  const pair = new Map<string, number>();
  for (const [ids, c] of signatures) {
    for (const a of ids) count.set(a, (count.get(a) ?? 0) + c);
    for (let i = 0; i < ids.length; i += 1) for (let j = i + 1; j < ids.length; j += 1) pair.set(`${ids[i]} ${ids[j]}`, (pair.get(`${ids[i]} ${ids[j]}`) ?? 0) + c);
  }
  const parent = new Map(atoms.map((a) => [a, a]));
  const find = (a: string): string => (parent.get(a) === a ? a : find(parent.get(a)!));
  for (const [both, c] of pair) {
    const [a, b] = both.split(' ') as [string, string];
    if (c >= CO_OCCURRENCE * Math.max(count.get(a) ?? 0, count.get(b) ?? 0)) parent.set(find(a), find(b));
  }
  const groups = new Map<string, string[]>();
  for (const a of atoms) groups.set(find(a), [...(groups.get(find(a)) ?? []), a]);
  return [...groups.values()].map((g) => g.sort());
}

export function analyseClasses(input: ClassInput): Analysis {
  const { atoms, now } = input;
  const noiseIds = new Set<string>();
  const noise: NoiseField[] = [];
  for (const [id, s] of atoms) {
    const share = input.pairs > 0 ? s.count / input.pairs : 0;
    if (!GENERATED_CLASSES.has(s.atom.change) || share < NOISE_SHARE) continue;
    noiseIds.add(id);
    const what = { timestamp: 'timestamps taken while processing', random: 'random numbers', generated_id: 'generated identifiers' }[s.atom.change.split(':')[0] as 'random'];
    const reason = `${s.atom.path} differs in ${Math.round(share * 100)} % of pairs, with ${what} on both sides`;
    noise.push({ atom: s.atom, count: s.count, share, reason, ...optional('suggestion', suggestionFor(s)) });
  }
  const signal = (ids: readonly string[]) => ids.filter((a) => !noiseIds.has(a));
  const signatures = [...input.signatures]
    .map(([sig, c]) => [signal(sig.split(',').filter((a) => a !== '' && atoms.has(a))), c] as const)
    .filter(([ids]) => ids.length > 0);
  const baseline = input.baseline.filter((e) => signal(e.atoms).length === 0);
  const baselineCounts = featureCounts(baseline);
  const classAtoms = [...atoms.keys()].filter((a) => !noiseIds.has(a));
  const classes: DiscrepancyClass[] = [];
  const groups = group(classAtoms, signatures);
  // Discrepancies per class, in one pass: a signature counts once in each class it touches.
  const classOf = new Map<string, number>();
  groups.forEach((members, i) => members.forEach((a) => classOf.set(a, i)));
  const counted = groups.map(() => 0);
  for (const [ids, c] of signatures) for (const i of new Set(ids.map((a) => classOf.get(a)!))) counted[i]! += c;
  for (const [index, members] of groups.entries()) {
    const stats = members.map((a) => atoms.get(a)!).sort((x, y) => y.count - x.count);
    const lead = stats[0]!;
    const count = counted[index] || lead.count;
    const hourStart = now - (now % HOUR);
    // The hourly counts are the largest atom's (the read model counts per atom, not per class).
    const hourly = Array.from({ length: 6 }, (_, i) => lead.hours.get(hourStart - (5 - i) * HOUR) ?? 0);
    const firstSeen = Math.min(...stats.map((s) => s.firstSeen));
    const lastSeen = Math.max(...stats.map((s) => s.lastSeen));
    const sampled = new Map<string, SampleEntry>();
    for (const a of members) for (const e of input.samples.get(a) ?? []) sampled.set(e.pairId, e);
    const sample = [...sampled.values()];
    const enough = sample.length >= MIN_CAUSE_SAMPLE && baseline.length >= MIN_CAUSE_SAMPLE;
    const causesNote = enough
      ? undefined
      : baseline.length < MIN_CAUSE_SAMPLE
        ? `fewer than ${MIN_CAUSE_SAMPLE} matches sampled (matches.emit: none hides them)`
        : `fewer than ${MIN_CAUSE_SAMPLE} records of this class sampled`;
    classes.push({
      id: createHash('sha1').update(members.join(',')).digest('hex').slice(0, 12),
      atoms: stats.map((s) => ({ ...s.atom, count: s.count })),
      // In path order, not count order: the text stays the same while counts move (a metric's label).
      explanation: [...stats].sort((x, y) => (x.atom.path + x.atom.kind + x.atom.change < y.atom.path + y.atom.kind + y.atom.change ? -1 : 1)).map((s) => describeAtom(s.atom)).join('; '),
      count,
      share: input.discrepancies > 0 ? count / input.discrepancies : 0,
      firstSeen,
      lastSeen,
      trend: trendOf(hourly, firstSeen, lastSeen, now),
      hourly,
      examples: [...new Set(stats.flatMap((s) => s.examples))].slice(0, 5),
      causes: enough ? causesOf(sample, baseline, baselineCounts) : [],
      ...optional('causesNote', causesNote),
      ...optional('suggestion', stats.length === 1 ? suggestionFor(lead) : undefined),
    });
  }
  classes.sort((x, y) => y.count - x.count || (x.id < y.id ? -1 : 1));
  noise.sort((x, y) => y.count - x.count || (x.atom.path < y.atom.path ? -1 : x.atom.path > y.atom.path ? 1 : 0));
  const suggestions = [...noise.flatMap((n) => (n.suggestion ? [n.suggestion] : [])), ...classes.flatMap((c) => (c.suggestion ? [c.suggestion] : []))];
  const absorbed = new Set(suggestions.flatMap((s) => s.atoms));
  let resolvedByAll = 0;
  for (const [sig, c] of input.signatures) {
    const ids = sig.split(',').filter((a) => a !== '');
    if (ids.length > 0 && ids.every((a) => absorbed.has(a))) resolvedByAll += c;
  }
  return { classes, noise, suggestions, resolvedByAll, uncounted: input.uncounted ?? { atoms: 0, signatures: 0 } };
}

function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
