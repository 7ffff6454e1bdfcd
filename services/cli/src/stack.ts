import { kafkaDown, kafkaStatus, kafkaUp, redisDown, redisServing, redisUp, redisUrl } from '@shadowdiff/infra';

export type Log = (line: string) => void;

export interface Stack {
  readonly brokers: string;
  readonly redisUrl: string;
}

/** `shadowdiff up`: local Kafka and Redis, reused when healthy ones already answer. */
export async function up(log: Log): Promise<Stack> {
  const kafka = await kafkaUp(log);
  log(`kafka  ${kafka.brokers} (${kafka.started ? 'started' : 'already running, reused'})`);
  const redis = await redisUp(log);
  log(`redis  ${redis.url} (${redis.started ? 'started' : 'already running, reused'})`);
  return { brokers: kafka.brokers, redisUrl: redis.url };
}

/** `shadowdiff down`: stops only what `up` started. */
export async function down(log: Log): Promise<void> {
  log(`kafka  ${(await kafkaDown()) ? 'stopped' : 'not started by shadowdiff, left alone'}`);
  log(`redis  ${(await redisDown()) ? 'stopped' : 'not started by shadowdiff, left alone'}`);
}

/** `shadowdiff status`: exit code 0 only when both answer. */
export async function status(log: Log): Promise<boolean> {
  const kafka = await kafkaStatus();
  const url = redisUrl();
  const redis = await redisServing(url);
  log(`kafka  ${kafka.brokers}  ${kafka.serving ? 'serving' : 'down'}${kafka.pid ? ` (pid ${kafka.pid}, started by shadowdiff)` : ''}`);
  log(`redis  ${url}  ${redis ? 'serving' : 'down'}`);
  return kafka.serving && redis;
}
