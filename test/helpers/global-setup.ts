import { kafkaUp, redisUp, registryUp } from '@shadowdiff/infra';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    brokers: string;
    redisUrl: string;
    registryUrl: string;
  }
}

/** Integration tests talk to a real broker, a real Redis and a real schema registry: reuse running ones or start them. */
export default async function setup(project: TestProject): Promise<void> {
  const log = (line: string) => process.stderr.write(`[global-setup] ${line}\n`);
  const [kafka, registry, redis] = await Promise.all([kafkaUp(log), registryUp(log), redisUp(log)]);
  project.provide('brokers', kafka.brokers);
  project.provide('redisUrl', redis.url);
  project.provide('registryUrl', registry.url);
}
