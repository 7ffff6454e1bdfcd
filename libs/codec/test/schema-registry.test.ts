import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CodecError, CodecErrorCode, createSchemaRegistryCodec, toJson, type Codec } from '../src/index.ts';
import { fixture, startReplayRegistry } from './fixtures/replay-registry.ts';

// Golden fixtures: payloads framed by the real client against a real registry
// (fixtures/generate.ts), decoded here against the registry's recorded answers.
let replay: Awaited<ReturnType<typeof startReplayRegistry>>;
let codec: Codec;

beforeAll(async () => {
  replay = await startReplayRegistry();
  codec = createSchemaRegistryCodec({ url: replay.url });
});
afterAll(() => replay.close());

describe('schema-registry codec on golden fixtures', () => {
  it('Avro: records become plain objects, decimals numbers, bytes base64, enums and unions their values', async () => {
    expect(await codec.decode(fixture('order-avro'))).toMatchObject({
      ok: true,
      value: {
        orderId: 'order-42',
        customerId: 9_007_199_254_740_000,
        amount: 1234.5,
        placedAt: 1_714_557_600_000,
        status: 'PAID',
        note: 'leave at the door',
        signature: Buffer.from([0xde, 0xad, 0xbe, 0xef]).toString('base64'),
        items: [
          { sku: 'A-1', qty: 2 },
          { sku: 'B-7', qty: 1 },
        ],
        attributes: { channel: 'web' },
      },
    });
  });

  it('Protobuf: int64 is a number when exact and a decimal string beyond 2^53; defaults are present; enums by name', async () => {
    const result = await codec.decode(fixture('order-protobuf'));
    expect(result).toEqual({
      ok: true,
      value: {
        items: [{ sku: 'A-1', qty: 2 }],
        orderId: 'order-42',
        customerId: 123_456,
        bigCounter: '9223372036854775807',
        status: 'PAID',
        signature: Buffer.from([0xca, 0xfe]).toString('base64'),
        amount: 1234.5,
        zero: 0,
      },
      json: expect.any(String),
    });
  });

  it('JSON Schema: the JSON value', async () => {
    expect(await codec.decode(fixture('order-json-schema'))).toMatchObject({ ok: true, value: { orderId: 'order-42', amount: 1234.5, tags: ['gift'] } });
  });

  it('turns what is not framed, names an unknown schema, or does not decode into a reason', async () => {
    expect(await codec.decode(Buffer.from('{"a":1}'))).toEqual({
      ok: false,
      reason: 'not in Confluent wire format (expected magic byte 0 and a 4-byte schema id)',
    });
    const unknownId = Buffer.concat([Buffer.from([0, 0, 0, 0x7f, 0xff]), fixture('order-avro').subarray(5)]);
    expect(await codec.decode(unknownId)).toEqual({ ok: false, reason: 'schema id 32767 is not in the registry' });
    const truncated = fixture('order-avro').subarray(0, 20);
    const result = await codec.decode(truncated);
    expect(result.ok).toBe(false);
    expect(!result.ok && result.reason).toMatch(/^does not decode with schema 1: /);
    expect(await codec.decode(null)).toEqual({ ok: false, reason: 'no value (tombstone)' });
  });

  it('throws a retriable error, not an invalid record, when the registry cannot be asked', async () => {
    const unreachable = createSchemaRegistryCodec({ url: 'http://127.0.0.1:1' });
    const error = await Promise.resolve(unreachable.decode(fixture('order-json-schema'))).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CodecError);
    expect(error).toMatchObject({ code: CodecErrorCode.REGISTRY_UNAVAILABLE, retriable: true });
  });
});

describe('toJson', () => {
  it('maps bigint, Date, Map and nested class instances to plain JSON', () => {
    class Row {
      readonly a: number;
      constructor(a: number) {
        this.a = a;
      }
    }
    expect(
      toJson({ n: 5n, big: 2n ** 70n, at: new Date(0), map: new Map([['k', new Row(1)]]), skip: undefined }),
    ).toEqual({ n: 5, big: '1180591620717411303424', at: '1970-01-01T00:00:00.000Z', map: { k: { a: 1 } } });
  });
});
