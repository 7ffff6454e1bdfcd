import { readFileSync } from 'node:fs';
import { ApiErrorCode } from '@shadowdiff/api';
import { CodecErrorCode } from '@shadowdiff/codec';
import { ConfigErrorCode } from '@shadowdiff/config';
import { JoinerErrorCode } from '@shadowdiff/joiner';
import { KafkaErrorCode } from '@shadowdiff/kafka';
import { StoreErrorCode } from '@shadowdiff/store';
import { isRetriableCode } from '@shadowdiff/errors';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/errors.md', import.meta.url), 'utf8');
const codes = [ConfigErrorCode, CodecErrorCode, KafkaErrorCode, StoreErrorCode, JoinerErrorCode, ApiErrorCode].flatMap((e) => Object.values(e));

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
});

