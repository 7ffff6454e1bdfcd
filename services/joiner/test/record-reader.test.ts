import { parseConfig } from '@shadowdiff/config';
import type { KafkaMessage } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { createCodec } from '@shadowdiff/codec';
import { createRecordReader } from '../src/index.ts';

const json = createCodec('json');

function comparison(extra = '') {
  return parseConfig(
    `comparisons:
  - name: c
    old: { topic: a }
    new: { topic: b }
    window: 1s
${extra}`,
    'test.yaml',
  ).comparisons[0]!;
}

function message(partial: Partial<KafkaMessage>): KafkaMessage {
  return { key: Buffer.from('k1'), value: Buffer.from('{"id":1}'), timestamp: '1000', offset: '5', attributes: 0, headers: {}, ...partial } as KafkaMessage;
}

describe('record reader', () => {
  it('keeps the key, the Kafka timestamp as event time and the payload text as it came, and the decoded value beside it', async () => {
    const read = createRecordReader(comparison(), json);
    expect(await read(message({ value: Buffer.from('{ "id" : 1 }') }), 42)).toEqual({
      offset: '5',
      kind: 'record',
      key: 'k1',
      eventTime: 1000,
      blob: '{"k":"k1","ts":1000,"et":1000,"at":42,"v":{ "id" : 1 }}',
      ts: 1000,
      at: 42,
      value: { id: 1 },
    });
  });

  it('takes the key from a header or a field, and the event time from a header or a field', async () => {
    const fromHeader = createRecordReader(comparison('    key: { from: header, name: correlation-id }\n    eventTime: { from: header, name: source-ts }'), json);
    const r1 = await fromHeader(message({ headers: { 'correlation-id': Buffer.from('corr-9'), 'source-ts': '2024-01-01T00:00:00.000Z' } }), Date.now());
    expect(r1).toMatchObject({ kind: 'record', key: 'corr-9', eventTime: Date.parse('2024-01-01T00:00:00.000Z') });
    const fromField = createRecordReader(comparison('    key: { from: field, path: order.id }\n    eventTime: { from: field, path: order.at }'), json);
    const r2 = await fromField(message({ value: Buffer.from('{"order":{"id":77,"at":1234}}') }), 0);
    expect(r2).toMatchObject({ kind: 'record', key: '77', eventTime: 1234 });
  });

  it('turns a record without key, undecodable or without event time into an invalid record with a reason', async () => {
    const read = createRecordReader(comparison(), json);
    const noKey = await read(message({ key: null }), 0);
    expect(noKey.kind).toBe('invalid');
    expect(JSON.parse(noKey.blob)).toMatchObject({ k: null, x: 'no message key' });
    const notJson = await read(message({ value: Buffer.from('not json') }), 0);
    expect(notJson.kind).toBe('invalid');
    expect(JSON.parse(notJson.blob).x).toMatch(/^not JSON/);
    const byField = createRecordReader(comparison('    eventTime: { from: field, path: at }'), json);
    expect(JSON.parse((await byField(message({}), 0)).blob).x).toBe('no event time at field "at"');
  });
});

describe('record reader: what a producer can get wrong costs that record only', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const byHeader = () => createRecordReader(comparison('    eventTime: { from: header, name: source-ts }'), json);
  const reason = async (read: ReturnType<typeof createRecordReader>, m: KafkaMessage) => {
    const r = await read(m, now);
    expect(r.kind).toBe('invalid');
    return JSON.parse(r.blob).x as string;
  };

  it('an event time from a payload field is not quoted in the reason when the comparison redacts', async () => {
    const read = createRecordReader(comparison('    eventTime: { from: field, path: at }\n    redact: [card.number]'), json);
    const at = (t: number) => message({ value: Buffer.from(JSON.stringify({ at: t })) });
    expect(await reason(read, at(-5))).toBe('event time at field "at" is negative');
    expect(await reason(read, at(now + 2 * 3_600_000))).toBe('event time at field "at" is ahead of the wall clock by more than maxClockSkew 3600000 ms');
  });

  it('an event time that cannot be a real time is invalid, with why', async () => {
    const read = byHeader();
    const at = (ts: string) => message({ headers: { 'source-ts': ts } });
    expect(await reason(read, at('-5'))).toBe('event time in header "source-ts" is negative (-5)');
    expect(await reason(read, at('yesterday'))).toBe('event time in header "source-ts" is not a time (epoch milliseconds or ISO-8601)');
    // Microseconds read as milliseconds: tens of thousands of years ahead.
    expect(await reason(read, at(String(now * 1000)))).toMatch(/ahead of the wall clock \(more than maxClockSkew 3600000 ms\); microseconds/);
    expect(await reason(read, at(String(now + 2 * 3_600_000)))).toMatch(/^event time in header "source-ts" is \d+ ms since the epoch, 7200 s ahead/);
    // Within the bound, and any time in the past, is a real time.
    expect((await read(at(String(now + 60_000)), now)).kind).toBe('record');
    expect((await read(at('2001-01-01T00:00:00Z'), now)).kind).toBe('record');
  });

  it('a Kafka timestamp in microseconds is invalid when it is the event time', async () => {
    const read = createRecordReader(comparison(), json);
    expect(await reason(read, message({ timestamp: String(now * 1000) }))).toMatch(/^event time \(Kafka timestamp\) is/);
  });

  it('a payload nested deeper than maxDepth is invalid at decode, whatever its size', async () => {
    const read = createRecordReader(comparison('    maxDepth: 10'), createCodec('json', { maxDepth: 10 }));
    const nest = (n: number) => '{"a":'.repeat(n) + '1' + '}'.repeat(n);
    expect(await reason(read, message({ value: Buffer.from(nest(11)), timestamp: String(now) }))).toBe('nested deeper than 10 levels (maxDepth)');
    expect((await read(message({ value: Buffer.from(nest(10)), timestamp: String(now) }), now)).kind).toBe('record');
    const deep = createRecordReader(comparison(), json);
    expect(await reason(deep, message({ value: Buffer.from('['.repeat(50_000) + ']'.repeat(50_000)), timestamp: String(now) }))).toBe(
      'nested deeper than 128 levels (maxDepth)',
    );
  });

  it('a codec that throws makes the record invalid (its message, which may quote the payload, is not the reason); only the registry away or refusing is let through', async () => {
    const throwing = createRecordReader(comparison(), { name: 'json', decode: () => { throw new TypeError('boom near "4111 1111"'); } });
    expect(await reason(throwing, message({ timestamp: String(now) }))).toBe('could not be decoded: TypeError');
    const away = createRecordReader(comparison(), { name: 'schema-registry', decode: () => Promise.reject(Object.assign(new Error('down'), { retriable: true })) });
    await expect(away(message({ timestamp: String(now) }), now)).rejects.toThrow('down');
    const refused = createRecordReader(comparison(), {
      name: 'schema-registry',
      decode: () => Promise.reject(Object.assign(new Error('HTTP 401'), { code: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAUTHORIZED', retriable: false })),
    });
    await expect(refused(message({ timestamp: String(now) }), now)).rejects.toMatchObject({ code: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAUTHORIZED' });
  });
});
