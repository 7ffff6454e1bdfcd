import { SchemaType } from '@kafkajs/confluent-schema-registry';
import { createRegistryClient } from '@shadowdiff/codec';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner, type Verdict } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopicPair, pollUntil, produceRecords, readAll, scrapeMetric, sumWhere, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Old writes JSON, new writes Avro through the real registry; they compare as values. One true
// mismatch (status), one amount difference inside the tolerance, items in another order on the
// new side (unordered by sku), an extra field on the old side that is ignored, and one payload on
// the new side that is not Confluent-framed.
const KEYS = 50;
const TRUE_MISMATCH = 7;
const WITHIN_TOLERANCE = 13;

const ORDER = {
  type: 'record',
  name: 'Order',
  namespace: 'shadowdiff.e2e',
  fields: [
    { name: 'orderId', type: 'string' },
    { name: 'customerId', type: 'long' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 } },
    { name: 'status', type: { type: 'enum', name: 'Status', symbols: ['NEW', 'PAID', 'SHIPPED'] } },
    { name: 'items', type: { type: 'array', items: { type: 'record', name: 'Item', fields: [{ name: 'sku', type: 'string' }, { name: 'qty', type: 'int' }] } } },
  ],
};

describe('old side JSON, new side Avro through the schema registry', () => {
  const id = uniqueId('avro');
  const brokers = inject('brokers');
  const redis = new Redis(inject('redisUrl'));
  const registryUrl = inject('registryUrl');
  const kafka = testKafka(brokers);
  let joiner: Joiner;
  let metricsUrl: string;

  beforeAll(async () => {
    await createTopicPair(kafka, id, { newPartitions: 2 });

    const registry = createRegistryClient(registryUrl);
    const { id: schemaId } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(ORDER) }, { subject: `${id}.new-value` });
    const oldMessages: Message[] = [];
    const newMessages: Message[] = [];
    for (let i = 0; i < KEYS; i += 1) {
      const key = `order-${i}`;
      const items = [
        { sku: `sku-${i}`, qty: 1 },
        { sku: `sku-${i + 100}`, qty: 2 },
      ];
      const order = { orderId: key, customerId: 9_000_000_000 + i, amount: 100 + i / 4, status: 'PAID', items };
      oldMessages.push({ key, value: JSON.stringify({ ...order, traceId: `trace-${i}` }) });
      const candidate = {
        ...order,
        items: [...items].reverse(),
        status: i === TRUE_MISMATCH ? 'SHIPPED' : 'PAID',
        amount: i === WITHIN_TOLERANCE ? order.amount + 0.01 : order.amount,
      };
      newMessages.push({ key, value: await registry.encode(schemaId, candidate) });
    }
    newMessages.push({ key: 'poison', value: Buffer.from('{"orderId":"poison"}') });
    await produceRecords(kafka, `${id}.old`, oldMessages);
    await produceRecords(kafka, `${id}.new`, newMessages);

    const config = parseConfig(
      `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${inject('redisUrl')}", keyPrefix: "${id}" }
schemaRegistry: { url: "${registryUrl}" }
topics: { prefix: "${id}" }
joiner: { groupId: "${id}.joiner" }
comparisons:
  - name: orders
    old: { topic: ${id}.old, codec: json }
    new: { topic: ${id}.new, codec: schema-registry }
    window: 1m
    maxWait: 10m
    compare:
      ignore: [traceId]
      tolerance: { amount: { absolute: 0.01 } }
      unordered: { items: { by: sku } }
`,
      'json-vs-avro.yaml',
    );
    joiner = buildJoiner({ config, logger: pino({ level: 'warn' }), metricsPort: 0, sampleIntervalMs: 200 });
    metricsUrl = `http://127.0.0.1:${await joiner.start()}/metrics`;
  });

  afterAll(async () => {
    await joiner?.stop();
    await cleanUpPrefix(kafka, redis, id);
    redis.disconnect();
  });

  it('gives exactly 49 match, 1 mismatch on status and 1 invalid_new', async () => {
    await pollUntil(
      async () => sumWhere(await scrapeMetric(metricsUrl, 'shadowdiff_verdicts_total'), { comparison: 'orders' }),
      (n) => n >= KEYS + 1,
      { what: `${KEYS + 1} verdicts` },
    );
    const verdicts = [...new Map((await readAll<Verdict>(kafka, [`${id}.orders.matches`, `${id}.orders.mismatches`])).map((v) => [v.pairId, v])).values()];
    const byKind = (kind: string) => verdicts.filter((v) => v.verdict === kind);
    expect({ total: verdicts.length, match: byKind('match').length, mismatch: byKind('mismatch').length, invalid_new: byKind('invalid_new').length }).toEqual({
      total: KEYS + 1,
      match: KEYS - 1,
      mismatch: 1,
      invalid_new: 1,
    });
    const [mismatch] = byKind('mismatch');
    expect(mismatch?.key).toBe(`order-${TRUE_MISMATCH}`);
    expect(mismatch?.differences).toEqual([{ path: 'status', kind: 'changed', old: 'PAID', new: 'SHIPPED' }]);
    // Both payloads are kept as values: the Avro decimal as a number, the long as a number.
    expect(mismatch?.new?.value).toMatchObject({ amount: 100 + TRUE_MISMATCH / 4, customerId: 9_000_000_000 + TRUE_MISMATCH });
    const tolerated = byKind('match').find((v) => v.key === `order-${WITHIN_TOLERANCE}`);
    expect(tolerated?.differences).toEqual([]);
    expect((tolerated?.new?.value as { amount: number }).amount).toBe(100 + WITHIN_TOLERANCE / 4 + 0.01);
    const [invalid] = byKind('invalid_new');
    expect(invalid).toMatchObject({ key: 'poison', reason: 'not in Confluent wire format (expected magic byte 0 and a 4-byte schema id)' });
  });
});
