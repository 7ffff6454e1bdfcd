import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isNode, parseDocument, type Document } from 'yaml';
import type { z } from 'zod';
import { ConfigError, ConfigErrorCode, type ConfigProblem } from './errors.ts';
import { configSchemaChecked, type ShadowdiffConfig } from './schema.ts';
import { secretContext } from './schema/primitives.ts';

/**
 * The environment a config is read with: the variables below override connection settings (and
 * only those); secrets given as `{ env: NAME }` are read from it too.
 */
export interface ConfigEnv {
  readonly KAFKA_BROKERS?: string | undefined;
  readonly REDIS_URL?: string | undefined;
  readonly SCHEMA_REGISTRY_URL?: string | undefined;
  /** Adds an operator token named `operator` to api.tokens. */
  readonly SHADOWDIFF_API_TOKEN?: string | undefined;
  /**
   * The directory relative paths in the config (secret files, normaliser modules) resolve against,
   * instead of the config file's own: for a config derived from another and written elsewhere
   * (`shadowdiff replay` writes its joiner's config to a private directory).
   */
  readonly SHADOWDIFF_CONFIG_DIR?: string | undefined;
  readonly [name: string]: string | undefined;
}

/**
 * Reads, validates and freezes a configuration file. Throws a ConfigError naming the file, the
 * path inside it (with its line), what was expected and what was found. Nothing connects before
 * this has returned.
 */
export function loadConfigFile(file: string, env: ConfigEnv = process.env): ShadowdiffConfig {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    const found = (error as NodeJS.ErrnoException).code ?? String(error);
    throw new ConfigError(ConfigErrorCode.NOT_FOUND, file, [{ path: '', expected: 'a readable YAML file', found }], error);
  }
  return parseConfig(text, file, env);
}

/** Validates configuration text; `file` only names the source in errors. */
export function parseConfig(text: string, file: string, env: ConfigEnv = {}): ShadowdiffConfig {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const problems = doc.errors.map((e) => ({
      path: '',
      line: lineCounter.linePos(e.pos[0]).line,
      expected: 'well-formed YAML',
      found: e.message.split('\n')[0] ?? e.code,
    }));
    throw new ConfigError(ConfigErrorCode.SYNTAX, file, problems);
  }
  const baseDir = env.SHADOWDIFF_CONFIG_DIR ? resolve(env.SHADOWDIFF_CONFIG_DIR) : dirname(resolve(file));
  const raw = resolveModulePaths(applyEnv(doc.toJS() ?? {}, env), baseDir);
  const outer = { ...secretContext };
  secretContext.env = env;
  secretContext.baseDir = baseDir;
  let parsed;
  try {
    parsed = configSchemaChecked.safeParse(raw, { reportInput: true });
  } finally {
    Object.assign(secretContext, outer);
  }
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => toProblem(issue, doc, lineCounter));
    throw new ConfigError(ConfigErrorCode.INVALID, file, problems);
  }
  return deepFreeze(parsed.data);
}

function applyEnv(raw: unknown, env: ConfigEnv): unknown {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return raw;
  const out: Record<string, unknown> = { ...(raw as Record<string, unknown>) };
  const section = (name: string): Record<string, unknown> => {
    const current = out[name];
    const copy = typeof current === 'object' && current !== null && !Array.isArray(current) ? { ...current } : {};
    out[name] = copy;
    return copy;
  };
  if (env.KAFKA_BROKERS) section('kafka').brokers = env.KAFKA_BROKERS.split(',').map((b) => b.trim()).filter(Boolean);
  if (env.REDIS_URL) section('redis').url = env.REDIS_URL;
  if (env.SCHEMA_REGISTRY_URL) section('schemaRegistry').url = env.SCHEMA_REGISTRY_URL;
  if (env.SHADOWDIFF_API_TOKEN) {
    const api = section('api');
    const tokens = Array.isArray(api.tokens) ? api.tokens : [];
    api.tokens = [...tokens, { name: 'operator', role: 'operator', value: { env: 'SHADOWDIFF_API_TOKEN' } }];
  }
  return out;
}

/** Normaliser module paths are relative to the config file; make them absolute before validation. */
function resolveModulePaths(raw: unknown, baseDir: string): unknown {
  const comparisons = (raw as { comparisons?: unknown } | null)?.comparisons;
  if (!Array.isArray(comparisons)) return raw;
  for (const comparison of comparisons) {
    const normalize = (comparison as { compare?: { normalize?: Record<string, unknown> } } | null)?.compare?.normalize;
    if (typeof normalize !== 'object' || normalize === null) continue;
    for (const side of ['old', 'new']) {
      const path = normalize[side];
      if (typeof path === 'string' && path !== '' && !isAbsolute(path)) normalize[side] = resolve(baseDir, path);
    }
  }
  return raw;
}

function toProblem(issue: z.core.$ZodIssue, doc: Document, lines: LineCounter): ConfigProblem {
  let path = issue.path.map((p) => (typeof p === 'symbol' ? p.toString() : p));
  let expected = issue.message;
  let found = describe(issue.input);
  switch (issue.code) {
    case 'invalid_type':
      // A schema with its own wording ("a duration such as …") keeps it; zod's default is reworded.
      if (!issue.message.startsWith('Invalid input')) break;
      expected = issue.expected === 'object' ? 'a mapping' : issue.expected === 'array' ? 'a list' : `a ${issue.expected}`;
      break;
    case 'invalid_value':
      expected = `one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      break;
    case 'unrecognized_keys': {
      const key = issue.keys[0] ?? '';
      path = [...path, key];
      expected = 'no such key (it is not part of the configuration)';
      found = issue.keys.map((k) => JSON.stringify(k)).join(', ');
      break;
    }
    case 'invalid_key': {
      // A record key that its key schema refused (e.g. a rename path with a wildcard).
      expected = issue.issues[0]?.message ?? expected;
      break;
    }
    case 'invalid_union': {
      // An unknown discriminator (`from: cookie`): zod points at the field and lists the kinds.
      const { discriminator, options } = issue as { discriminator?: string; options?: unknown[] };
      if (discriminator !== undefined && Array.isArray(options)) {
        expected = `one of ${options.map((v) => JSON.stringify(v)).join(', ')}`;
        found = describe((issue.input as Record<string, unknown> | undefined)?.[discriminator]);
      }
      break;
    }
    case 'custom': {
      // A secret that could not be read says what it found (unset, ENOENT), never the value.
      const given = (issue.params as { found?: unknown } | undefined)?.found;
      if (typeof given === 'string') found = given;
      break;
    }
    default:
      break;
  }
  // Whatever stands where a secret belongs may be the secret itself: never quoted back. That is
  // a secret's place, and anything under a section that holds credentials (an inline token, a
  // "user:password" where a mapping belongs, a PEM where TLS options belong).
  const underCredentials = path.some((p) => typeof p === 'string' && CREDENTIAL_SECTIONS.has(p));
  if ((expected.startsWith(SECRET_EXPECTED) || underCredentials) && typeof issue.input !== 'object' && issue.code !== 'unrecognized_keys') {
    found = `${describeType(issue.input)} (not shown: it may be the secret itself)`;
  }
  // A URL with a user or password in it is shown without them.
  found = found.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s"@]*@/gi, '$1[credentials not shown]@');
  return { path: formatPath(path), line: lineOf(doc, lines, path), expected, found };
}

const SECRET_EXPECTED = 'a secret:';

/** Sections whose values are, or may be, credentials. */
const CREDENTIAL_SECTIONS = new Set(['sasl', 'auth', 'tokens', 'ssl', 'tls', 'username', 'password', 'token', 'clientId', 'clientSecret']);

function describeType(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  return `a ${typeof value}`;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing (the key is missing)';
  if (value === null) return 'null';
  if (typeof value === 'string') return JSON.stringify(value);
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${String(value)}`;
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** `comparisons[0].compare.tolerance["items[*].price"]`: keys that are not plain names are quoted. */
export function formatPath(path: readonly PropertyKey[]): string {
  return path
    .map((p, i) => {
      if (typeof p === 'number') return `[${p}]`;
      const key = String(p);
      if (!PLAIN_KEY.test(key)) return `[${JSON.stringify(key)}]`;
      return i === 0 ? key : `.${key}`;
    })
    .join('');
}

function lineOf(doc: Document, lines: LineCounter, path: readonly PropertyKey[]): number | undefined {
  // The deepest node that exists on the path: a missing key points at its parent mapping.
  for (let depth = path.length; depth >= 0; depth -= 1) {
    const node = doc.getIn(path.slice(0, depth) as (string | number)[], true);
    if (isNode(node) && node.range) return lines.linePos(node.range[0]).line;
  }
  return undefined;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
