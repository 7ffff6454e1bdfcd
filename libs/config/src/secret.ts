import { inspect } from 'node:util';

/** Where a secret comes from: an environment variable or a file (a mounted secret). */
export type SecretSource = { readonly env: string } | { readonly file: string };

/**
 * A credential read from the environment or a file. The value is held in a private field and
 * only `reveal()` gives it out: printing, logging or serialising a Secret (and so a whole
 * configuration) shows where it came from, never what it is.
 */
export class Secret {
  readonly #value: string;
  /** `env SHADOWDIFF_API_TOKEN` or `file /run/secrets/viewer`: safe to print. */
  readonly source: string;

  constructor(value: string, source: string) {
    this.#value = value;
    this.source = source;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return `[secret from ${this.source}]`;
  }

  toJSON(): string {
    return this.toString();
  }

  [inspect.custom](): string {
    return this.toString();
  }
}

/** A secret given by the caller in code (tests, the consumer library): the source names it so. */
export function secretOf(value: string, source = 'code'): Secret {
  return new Secret(value, source);
}

/**
 * Reads a secret. A file's content loses one trailing line break (how mounted secrets and
 * `echo > file` leave them); an environment variable is taken as it is. Returns a description of
 * what is missing instead of throwing, so the loader reports it at the config path.
 */
export function readSecret(
  source: SecretSource,
  env: Readonly<Record<string, string | undefined>>,
  readFile: (path: string) => string,
): Secret | { readonly problem: string; readonly found: string } {
  if ('env' in source) {
    const value = env[source.env];
    if (value === undefined || value === '') return { problem: `the environment variable ${source.env} to be set (not empty)`, found: 'it unset or empty' };
    return new Secret(value, `env ${source.env}`);
  }
  let text: string;
  try {
    text = readFile(source.file);
  } catch (error) {
    return { problem: `a readable file at ${source.file}`, found: (error as NodeJS.ErrnoException).code ?? 'an unreadable file' };
  }
  const value = text.replace(/\r?\n$/, '');
  if (value === '') return { problem: `a non-empty file at ${source.file}`, found: 'an empty file' };
  return new Secret(value, `file ${source.file}`);
}
