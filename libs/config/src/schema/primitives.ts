import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DURATION_FORMAT, parseDuration } from '../duration.ts';
import { readSecret, type Secret } from '../secret.ts';

// What every section of the config schema is built of: durations, non-empty strings, secrets, and
// URLs that must not carry credentials.

/** A duration such as 30s or 10m, in milliseconds. */
export const duration = z
  .string({ error: DURATION_FORMAT })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_FORMAT, input: text });
      return z.NEVER;
    }
    return ms;
  });

export const nonEmpty = z.string().min(1, { error: 'a non-empty string' });

/**
 * Where secrets are read while a config is parsed: the loader sets the environment it was given
 * and the config file's folder (relative secret files are relative to it); parsing is synchronous,
 * so this never leaks from one parse into another.
 */
export const secretContext: { env: Readonly<Record<string, string | undefined>>; baseDir: string } = { env: process.env, baseDir: process.cwd() };

/** `{ env: NAME }` or `{ file: PATH }`, read at load time into a Secret that never prints its value. */
export const secret = z
  .union([z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' }) }), z.strictObject({ file: nonEmpty })], {
    error: 'a secret: { env: NAME } or { file: PATH } (never the value itself)',
  })
  .transform((source, ctx): Secret => {
    const read = readSecret(source, secretContext.env, (path) => readFileSync(resolve(secretContext.baseDir, path), 'utf8'));
    if ('problem' in read) {
      ctx.addIssue({ code: 'custom', message: read.problem, input: source, params: { found: read.found } });
      return z.NEVER;
    }
    return read;
  });

/**
 * A URL must not carry a user or password: it is printed in logs and errors, where a secret must
 * never be. The problem does not quote it.
 */
export function noCredentialsInUrl(instead: string) {
  return (text: string, ctx: z.RefinementCtx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return;
    }
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: `a URL without credentials (give them in ${instead} as { env } or { file })`, input: '[a URL with credentials]' });
    }
  };
}
