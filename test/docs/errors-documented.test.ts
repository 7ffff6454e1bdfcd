import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { ApiErrorCode } from '@shadowdiff/api';
import { CliErrorCode } from '@shadowdiff/cli';
import { ClientErrorCode } from '@shadowdiff/client';
import { CodecErrorCode } from '@shadowdiff/codec';
import { CompareErrorCode } from '@shadowdiff/compare';
import { ConfigErrorCode } from '@shadowdiff/config';
import { JoinerErrorCode } from '@shadowdiff/joiner';
import { KafkaErrorCode } from '@shadowdiff/kafka';
import { StoreErrorCode } from '@shadowdiff/store';
import { httpStatusOfCode, isRetriableCode } from '@shadowdiff/errors';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const codes = [ConfigErrorCode, CompareErrorCode, CodecErrorCode, KafkaErrorCode, StoreErrorCode, JoinerErrorCode, ApiErrorCode, CliErrorCode, ClientErrorCode].flatMap((e) => Object.values(e));

describe('docs/errors.md', () => {
  it.each(codes)('documents %s', (code) => {
    expect(doc).toContain(`| \`${code}\` |`);
  });

  it('documents no code that does not exist', () => {
    const documented = [...doc.matchAll(/\| `(SHADOWDIFF_ERR_[A-Z_]+)` \|/g)].map((m) => m[1]);
    expect(documented.sort()).toEqual([...new Set(codes)].sort());
  });

  it.each(codes)('gives the retriability %s is declared with', (code) => {
    const row = new RegExp(`^\\| \`${code}\` \\| (yes|no) \\|`, 'm').exec(doc);
    expect(row?.[1], `the retriable column of ${code}`).toBe(isRetriableCode(code) ? 'yes' : 'no');
  });

  it.each(codes)('gives the HTTP status %s is declared with (a row of a code served over HTTP begins with it)', (code) => {
    const row = new RegExp(`^\\| \`${code}\` \\| (?:yes|no) \\| (?:HTTP (\\d{3})\\b)?`, 'm').exec(doc);
    expect(row, code).not.toBeNull();
    expect(row?.[1] === undefined ? undefined : Number(row[1]), `the HTTP status ${code}'s row begins with`).toBe(httpStatusOfCode(code));
  });

  it("declares a status for every API code", () => {
    for (const code of Object.values(ApiErrorCode)) expect(httpStatusOfCode(code), code).toBeGreaterThanOrEqual(400);
  });

  it('no source file throws a bare Error: every error has a documented code', () => {
    const root = new URL('../../', import.meta.url).pathname;
    const bare: string[] = [];
    for (const group of ['libs', 'services']) {
      // libs/errors is where codes come from: its one TypeError (a code declared twice, two ways) fires at load.
      for (const pkg of readdirSync(join(root, group)).filter((p) => !(group === 'libs' && p === 'errors'))) {
        const walk = (dir: string): void => {
          for (const entry of readdirSync(dir, { withFileTypes: true })) {
            const path = join(dir, entry.name);
            if (entry.isDirectory()) walk(path);
            else if (entry.name.endsWith('.ts') && /\bthrow new (Type|Range)?Error\(/.test(readFileSync(path, 'utf8'))) bare.push(path.slice(root.length));
          }
        };
        try {
          walk(join(root, group, pkg, 'src'));
        } catch {
          // a package without src/
        }
      }
    }
    expect(bare).toEqual([]);
  });
});

