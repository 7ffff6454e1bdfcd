import { CompareError, CompareErrorCode } from './errors.ts';
/**
 * Path patterns of the comparison rules, anchored at the root of the value:
 *   `customer.id`        one exact path
 *   `items[*].price`     `[*]` is any array position (or keyed entry of an unordered array)
 *   `items[0]`           one position
 *   `*.id`               `*` is any one object key
 *   `**.updatedAt`       `**` is any number of keys or positions, none included
 */
export type Segment = string | number | KeyedSegment;

/** An entry of an unordered array matched by a key field: `items[sku="A-1"]`. */
export interface KeyedSegment {
  readonly by: string;
  readonly key: string;
}

type Token = { kind: 'key'; name: string } | { kind: 'index'; index: number } | { kind: 'anyKey' } | { kind: 'anyIndex' } | { kind: 'deep' };

export interface PathPattern {
  readonly source: string;
  readonly tokens: readonly Token[];
  /** Segments a matching path has at least (the tokens other than `**`). */
  readonly minLength: number;
  /** Whether the pattern has `**` (else a matching path has exactly `minLength` segments). */
  readonly deep: boolean;
}

const TOKEN = /\.?([^.[\]]+)|\[(\*|\d+)\]/y;

/** Parses a pattern; throws with a readable message on bad syntax (the config reports it with its path). */
export function parsePattern(source: string): PathPattern {
  const tokens: Token[] = [];
  TOKEN.lastIndex = 0;
  let position = 0;
  while (position < source.length) {
    TOKEN.lastIndex = position;
    const match = TOKEN.exec(source);
    if (!match || (position === 0 && source.startsWith('.'))) {
      throw new CompareError(CompareErrorCode.PATTERN_INVALID, `"${source}" is not a path pattern (at character ${position + 1}); expected e.g. a.b, items[*].price, **.updatedAt`);
    }
    const [whole, key, bracket] = match;
    if (key !== undefined) {
      tokens.push(key === '**' ? { kind: 'deep' } : key === '*' ? { kind: 'anyKey' } : { kind: 'key', name: key });
    } else if (bracket === '*') tokens.push({ kind: 'anyIndex' });
    else tokens.push({ kind: 'index', index: Number(bracket) });
    position += whole.length;
  }
  if (tokens.length === 0) throw new CompareError(CompareErrorCode.PATTERN_INVALID, 'an empty path pattern matches nothing');
  const deep = tokens.some((t) => t.kind === 'deep');
  return { source, tokens, deep, minLength: tokens.filter((t) => t.kind !== 'deep').length };
}

function tokenMatches(token: Token, segment: Segment): boolean {
  switch (token.kind) {
    case 'key':
      return typeof segment === 'string' && segment === token.name;
    case 'anyKey':
      return typeof segment === 'string';
    case 'index':
      return typeof segment === 'number' && segment === token.index;
    case 'anyIndex':
      return typeof segment !== 'string';
    case 'deep':
      return true;
  }
}

/** Whether `path` (segments from the root) matches `pattern` exactly. */
export function matchesPattern(pattern: PathPattern, path: readonly Segment[]): boolean {
  // Most lookups are rejected on length alone, before any segment is compared.
  if (pattern.deep ? path.length < pattern.minLength : path.length !== pattern.minLength) return false;
  return matchFrom(pattern.tokens, 0, path, 0);
}

function matchFrom(tokens: readonly Token[], t: number, path: readonly Segment[], p: number): boolean {
  if (t === tokens.length) return p === path.length;
  const token = tokens[t] as Token;
  if (token.kind === 'deep') {
    // `**` takes zero or more segments.
    for (let skip = p; skip <= path.length; skip += 1) if (matchFrom(tokens, t + 1, path, skip)) return true;
    return false;
  }
  if (p === path.length) return false;
  return tokenMatches(token, path[p] as Segment) && matchFrom(tokens, t + 1, path, p + 1);
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** The readable form of a concrete path: `customer.id`, `items[2].price`, `items[sku="A-1"]`, `["a b"]`. */
export function formatPath(path: readonly Segment[]): string {
  let out = '';
  for (const segment of path) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (typeof segment === 'string') out += IDENTIFIER.test(segment) ? (out === '' ? segment : `.${segment}`) : `[${JSON.stringify(segment)}]`;
    else out += `[${segment.by}=${JSON.stringify(segment.key)}]`;
  }
  return out;
}

const PATH_PART = /\.?([A-Za-z_$][A-Za-z0-9_$]*)|\[(\d+)\]|\[("(?:[^"\\]|\\.)*")\]|\[([^=[\]"]+)=("(?:[^"\\]|\\.)*")\]/y;

/**
 * The segments of a path formatPath wrote (`items[2].price`, `["a b"]`, `items[sku="A-1"]`), or
 * undefined when the text is not one: what a reader of verdicts needs to match a difference's
 * path against the redact patterns.
 */
export function parsePath(text: string): Segment[] | undefined {
  const out: Segment[] = [];
  let position = 0;
  while (position < text.length) {
    PATH_PART.lastIndex = position;
    const match = PATH_PART.exec(text);
    if (!match || (position === 0 && text.startsWith('.'))) return undefined;
    const [whole, name, index, quoted, by, keyed] = match;
    try {
      if (name !== undefined) out.push(name);
      else if (index !== undefined) out.push(Number(index));
      else if (quoted !== undefined) out.push(JSON.parse(quoted) as string);
      else out.push({ by: by as string, key: JSON.parse(keyed as string) as string });
    } catch {
      return undefined;
    }
    position += whole.length;
  }
  return out;
}
