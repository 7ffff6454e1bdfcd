import type { Redis } from 'ioredis';
import type { Kafka } from 'kafkajs';
import { deleteTopics } from './kafka.ts';

/** Deletes the topics and the Redis keys a test made under its unique prefix. */
export async function cleanUpPrefix(kafka: Kafka, redis: Redis, prefix: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    await deleteTopics(admin, prefix);
  } finally {
    await admin.disconnect();
  }
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
}
