import { CompareError, CompareErrorCode } from './errors.ts';
import type { Json } from './difference.ts';
import { matchesPattern, parsePattern, type PathPattern, type Segment } from './pattern.ts';

/** The comparison rules of one comparison, as the config states them (paths are patterns). */
export interface CompareRules {
  /** Paths left out of the comparison entirely. */
  readonly ignore?: readonly string[];
  /** Numbers equal within `absolute` or within `relative` × the larger magnitude, whichever is wider. */
  readonly tolerance?: Readonly<Record<string, { readonly absolute?: number; readonly relative?: number }>>;
  /** Arrays compared without regard to order: keyed by a field (`{ by: sku }`) or as multisets. */
  readonly unordered?: Readonly<Record<string, 'multiset' | { readonly by: string }>>;
  /** A key whose value is null equals a key that is absent. */
  readonly nullEqualsMissing?: boolean;
  /** Strings normalised before comparison. */
  readonly strings?: Readonly<Record<string, { readonly trim?: boolean; readonly case?: 'sensitive' | 'insensitive' }>>;
  /** Timestamps (ISO-8601 strings or epoch numbers) equal within a tolerance, in ms. */
  readonly timestamps?: Readonly<Record<string, { readonly toleranceMs: number; readonly epochUnit?: 'ms' | 's' }>>;
  /** Old paths renamed to new paths before comparison: `{ customer_id: customerId }`. */
  readonly rename?: Readonly<Record<string, string>>;
}

/** A side's own normaliser, for what rules cannot express. Must not mutate its input. */
export type Normalizer = (value: Json) => Json;

interface Rule<T> {
  readonly pattern: PathPattern;
  readonly value: T;
}

function compile<T>(record: Readonly<Record<string, T>> | undefined): readonly Rule<T>[] {
  return Object.entries(record ?? {}).map(([source, value]) => ({ pattern: parsePattern(source), value }));
}

function first<T>(rules: readonly Rule<T>[], path: readonly Segment[]): T | undefined {
  for (const rule of rules) if (matchesPattern(rule.pattern, path)) return rule.value;
  return undefined;
}

/** Rules compiled once per comparison; lookups by concrete path. The first matching pattern wins. */
export class CompiledRules {
  readonly nullEqualsMissing: boolean;
  readonly renames: readonly { readonly from: readonly string[]; readonly to: readonly string[] }[];
  readonly #ignore: readonly PathPattern[];
  readonly #tolerance: readonly Rule<{ absolute: number; relative: number }>[];
  readonly #unordered: readonly Rule<'multiset' | { by: string }>[];
  readonly #strings: readonly Rule<{ trim: boolean; lower: boolean }>[];
  readonly #timestamps: readonly Rule<{ toleranceMs: number; epochScale: number }>[];
  /** Whether any rule changes values before the equality check (else the raw values are compared). */
  readonly normalises: boolean;

  constructor(rules: CompareRules = {}) {
    this.nullEqualsMissing = rules.nullEqualsMissing ?? false;
    this.#ignore = (rules.ignore ?? []).map(parsePattern);
    this.#tolerance = compile(rules.tolerance).map((r) => ({
      pattern: r.pattern,
      value: { absolute: r.value.absolute ?? 0, relative: r.value.relative ?? 0 },
    }));
    this.#unordered = compile(rules.unordered);
    this.#strings = compile(rules.strings).map((r) => ({
      pattern: r.pattern,
      value: { trim: r.value.trim ?? false, lower: r.value.case === 'insensitive' },
    }));
    this.#timestamps = compile(rules.timestamps).map((r) => ({
      pattern: r.pattern,
      value: { toleranceMs: r.value.toleranceMs, epochScale: r.value.epochUnit === 's' ? 1000 : 1 },
    }));
    this.renames = Object.entries(rules.rename ?? {}).map(([from, to]) => ({ from: plainPath(from), to: plainPath(to) }));
    this.normalises =
      this.nullEqualsMissing || this.#ignore.length > 0 || this.#unordered.length > 0 || this.#strings.length > 0 || this.renames.length > 0;
  }

  isIgnored(path: readonly Segment[]): boolean {
    for (const pattern of this.#ignore) if (matchesPattern(pattern, path)) return true;
    return false;
  }

  toleranceAt(path: readonly Segment[]) {
    return first(this.#tolerance, path);
  }

  unorderedAt(path: readonly Segment[]) {
    return first(this.#unordered, path);
  }

  stringsAt(path: readonly Segment[]) {
    return first(this.#strings, path);
  }

  timestampAt(path: readonly Segment[]) {
    return first(this.#timestamps, path);
  }

  /** Whether a value-level rule (tolerance, timestamp) may make different leaves equal. */
  get hasLeafRules(): boolean {
    return this.#tolerance.length > 0 || this.#timestamps.length > 0;
  }
}

/** A rename path is exact: keys separated by dots, no wildcards, no positions. */
function plainPath(source: string): string[] {
  const pattern = parsePattern(source);
  return pattern.tokens.map((token) => {
    if (token.kind !== 'key') throw new CompareError(CompareErrorCode.PATTERN_INVALID, `rename path "${source}" must name keys only (no *, ** or [..])`);
    return token.name;
  });
}

/** Checks rules without comparing anything: throws the first problem, for config validation. */
export function validateRules(rules: CompareRules): void {
  new CompiledRules(rules);
}
