import { defineConfig } from 'vitest/config';

const sources = ['libs/*/{src,test}/**', 'services/*/{src,test}/**', 'infra/src/**', 'test/**'];

export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: sources.map((s) => `${s}/*.test.ts`),
          exclude: ['**/*.int.test.ts', '**/node_modules/**'],
          environment: 'node',
        },
      },
      {
        test: {
          name: 'integration',
          include: sources.map((s) => `${s}/*.int.test.ts`),
          // What holds only on a Redis Cluster runs in integration-cluster alone.
          exclude: ['**/node_modules/**', 'test/cluster/**'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two cores share Kafka, Redis and the tests: files run one at a time.
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          // The suites that must hold on a Redis Cluster, run again on the local one (global-setup.ts
          // starts it: 3 primaries, 3 replicas): every Lua script, and the joiner end to end. After
          // the integration project, not beside it: both share Kafka and two cores.
          name: 'integration-cluster',
          include: ['libs/store/test/*.int.test.ts', 'test/cluster/*.int.test.ts', 'test/e2e/walking-skeleton.int.test.ts'],
          exclude: ['**/node_modules/**'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
