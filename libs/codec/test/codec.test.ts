import { describe, expect, it } from 'vitest';
import { createCodec } from '../src/index.ts';

describe('codecs', () => {
  it('json keeps the payload text as it came and decodes the value', () => {
    const text = '{"b": 1, "a": [true, null]}';
    expect(createCodec('json').decode(Buffer.from(text))).toEqual({ ok: true, value: { b: 1, a: [true, null] }, json: text });
  });

  it('json turns a payload that is not JSON into a reason, never a throw', () => {
    const result = createCodec('json').decode(Buffer.from('{"a":'));
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^not JSON: /);
  });

  it('every codec refuses a tombstone', () => {
    for (const name of ['json', 'string', 'bytes'] as const) {
      expect(createCodec(name).decode(null)).toEqual({ ok: false, reason: 'no value (tombstone)' });
    }
  });

  it('string decodes UTF-8 and bytes compares base64', () => {
    expect(createCodec('string').decode(Buffer.from('héllo'))).toEqual({ ok: true, value: 'héllo', json: '"héllo"' });
    expect(createCodec('bytes').decode(Buffer.from([0, 255]))).toEqual({ ok: true, value: 'AP8=', json: '"AP8="' });
  });
});
