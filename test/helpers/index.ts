export { uniqueId } from './ids.ts';
export { pollUntil } from './poll.ts';
export { testKafka, createTopic, createTopicPair, deleteTopics, produceRecords, readAll } from './kafka.ts';
export { scrapeMetric, sumWhere } from './metrics.ts';
export { startJoinerProcess, type JoinerProcess, type JoinerProcessOptions } from './joiner-process.ts';
export { cleanUpPrefix } from './cleanup.ts';
export { distinctVerdicts, countByKind, waitForVerdicts, type SeenVerdict } from './verdicts.ts';
export { startTestRedis, type TestRedis } from './redis-server.ts';
export { kcatProduce } from './kcat.ts';
