import type { RedisClient } from '@shadowdiff/store';
import { deleteKeys, keysUnder } from './redis-client.ts';
import type { Kafka } from 'kafkajs';
import { deleteTopics } from './kafka.ts';

/** Deletes the topics and the Redis keys a test made under its unique prefix. */
export async function cleanUpPrefix(kafka: Kafka, redis: RedisClient, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await deleteTopics(admin, prefix);
  } finally {
    await admin.disconnect();
  }
  await deleteKeys(redis, await keysUnder(redis, `${prefix}:*`));
}
