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

  it('a reason says where the text stops being JSON, never what it says (it is stored and emitted unredacted)', () => {
    const secret = '4111111111111111';
    for (const text of [`{"card": ${secret}x}`, `{"card": "${secret}`, `${secret}}`, `{"card": '${secret}'}`, `{"card":\u0001"${secret}"}`, `nope ${secret}`]) {
      const result = createCodec('json').decode(Buffer.from(text));
      expect(result.ok, text).toBe(false);
      const reason = !result.ok ? result.reason : '';
      expect(reason, text).toMatch(/^not JSON: SyntaxError/);
      expect(reason, text).not.toContain('4111');
      expect(reason, text).not.toContain('card');
    }
    expect(!createCodec('json').decode(Buffer.from('{"a": x}')).ok && (createCodec('json').decode(Buffer.from('{"a": x}')) as { reason: string }).reason).toBe('not JSON: SyntaxError');
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
