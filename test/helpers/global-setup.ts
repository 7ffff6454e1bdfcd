import { kafkaUp, redisUp } from '@shadowdiff/infra';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: string;
    redisUrl: string;
  }
}

/** Integration tests talk to a real broker and a real Redis: reuse running ones or start them. */
export default async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => process.stderr.write(`[global-setup] ${line}\n`);
  const kafka = await kafkaUp(log);
  const redis = await redisUp(log);
  project.provide('brokers', kafka.brokers);
  project.provide('redisUrl', redis.url);
}
