import { parseConfig } from '@shadowdiff/config';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { replayConfig } from '../src/replay-config.ts';

const USER = `
kafka:
  brokers: ["127.0.0.1:9092"]
  sasl: { mechanism: scram-sha-512, username: { env: KAFKA_USER }, password: { env: KAFKA_PASSWORD } }
redis: { url: "redis://127.0.0.1:6379", keyPrefix: live }
topics: { prefix: live }
api:
  tokens: [ { name: ops, role: operator, value: { env: OPS_TOKEN } } ]
comparisons:
  - name: payments
    old: { topic: payments.old }
    new: { topic: payments.new }
    key: { from: message-key }
    window: 5s
    compare: &rules { ignore: [traceId] }
  - name: orders
    old: { topic: orders.old }
    new: { topic: orders.new }
    key: { from: message-key }
    window: 5s
    mode: new
    compare: *rules
`;

describe("replay's joiner config", () => {
  const text = replayConfig(USER, {
    name: 'orders',
    namespace: 'live.replay-orders-1',
    redisPrefix: 'live-rabcd1234',
    inputs: { old: 'live.replay-orders-1.old', new: 'live.replay-orders-1.new' },
    maxWait: '2s',
    metricsPort: 9999,
  });
  const config = parseConfig(text, 'derived.yaml', { KAFKA_USER: 'replay', KAFKA_PASSWORD: 'secret' });

  it('the one comparison, on the copies, in shadow mode, with its rules although their anchor was in a comparison dropped', () => {
    expect(config.comparisons.map((c) => [c.name, c.old.topic, c.new.topic, c.mode])).toEqual([['orders', 'live.replay-orders-1.old', 'live.replay-orders-1.new', 'shadow']]);
    expect(config.comparisons[0]!.compare.ignore).toEqual(['traceId']);
    expect(config.comparisons[0]!.maxWait).toBe(2000);
  });

  it("the namespace's Redis prefix, topic prefix, group and metrics port; the connection as the user's", () => {
    expect([config.redis.keyPrefix, config.topics.prefix, config.joiner.groupId, config.joiner.metricsPort]).toEqual(['live-rabcd1234', 'live.replay-orders-1', 'live.replay-orders-1.joiner', 9999]);
    expect(config.kafka.brokers).toEqual(['127.0.0.1:9092']);
  });

  it("secrets stay references, and the API's tokens are not copied", () => {
    // The derived file holds the reference as written, never a value.
    expect((parseDocument(text).toJS() as { kafka: { sasl: { password: unknown } } }).kafka.sasl.password).toEqual({ env: 'KAFKA_PASSWORD' });
    expect(text).not.toContain('OPS_TOKEN');
    expect(config.api.tokens).toEqual([]);
  });
});
