import type { Admin } from 'kafkajs';

export interface TopicSpec {
  readonly topic: string;
  readonly numPartitions: number;
  readonly replicationFactor: number;
  readonly configEntries?: readonly { name: string; value: string }[];
}

/** Creates the topics that do not exist yet and waits until they have leaders. Existing ones are left as they are. */
export async function ensureTopics(admin: Admin, topics: readonly TopicSpec[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  const missing = topics.filter((t) => !existing.has(t.topic));
  if (missing.length === 0) return [];
  await admin.createTopics({
    topics: missing.map((t) => ({ ...t, configEntries: t.configEntries ? [...t.configEntries] : [] })),
    waitForLeaders: true,
  });
  return missing.map((t) => t.topic);
}

/** Names of the topics in `wanted` that the cluster does not have. */
export async function missingTopics(admin: Admin, wanted: readonly string[]): Promise<string[]> {
  const existing = new Set(await admin.listTopics());
  return wanted.filter((t) => !existing.has(t));
}
