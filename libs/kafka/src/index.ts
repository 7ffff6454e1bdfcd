export { createKafka, checkKafkaAccess, type CreateKafkaOptions } from './client.ts';
export { classifyConnectFailure, describeSecurity, kafkajsSasl, securityProtocol, type KafkaSasl, type KafkaSecurity, type SecretLike, type TokenSource } from './security.ts';
export { ensureTopics, missingTopics, type TopicSpec } from './topics.ts';
export { createProducer } from './producer.ts';
export { createCompressionCodecs, registerCompressionCodecs, lz4Bound, DEFAULT_MAX_BATCH_BYTES, type CompressionCodecSet, type KafkajsCodec } from './compression.ts';
export { KafkaError, KafkaErrorCode, codeOf } from './errors.ts';
