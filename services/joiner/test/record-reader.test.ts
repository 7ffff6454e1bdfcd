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
    const r1 = await fromHeader(message({ headers: { 'correlation-id': Buffer.from('corr-9'), 'source-ts': '2024-01-01T00:00:00.000Z' } }), 0);
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
