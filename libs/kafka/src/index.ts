export { createKafka, type CreateKafkaOptions } from './client.ts';
export { ensureTopics, missingTopics, type TopicSpec } from './topics.ts';
export { createProducer } from './producer.ts';
