import { Kafka } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ClientErrorCode, createShadowClient } from '../src/index.ts';

describe('createShadowClient options', () => {
  const base = { kafka: new Kafka({ brokers: ['127.0.0.1:1'] }), keyPrefix: 'sd', comparison: 'orders', oldTopic: 'o', newTopic: 'n' };

  it('takes one of redisUrl and redisEndpoint, and says so at once when given neither or both', () => {
    expect(() => createShadowClient(base)).toThrow(expect.objectContaining({ code: ClientErrorCode.BAD_OPTIONS }));
    expect(() => createShadowClient({ ...base, redisUrl: 'redis://127.0.0.1:1', redisEndpoint: { kind: 'server', url: 'redis://127.0.0.1:1', options: {} } })).toThrow('give one of redisUrl and redisEndpoint');
    // Either alone builds a client (nothing connects before start()).
    expect(createShadowClient({ ...base, redisEndpoint: { kind: 'cluster', nodes: ['redis://127.0.0.1:1'], options: {} } })).toBeDefined();
    expect(createShadowClient({ ...base, redisUrl: 'redis://127.0.0.1:1' })).toBeDefined();
  });
});
