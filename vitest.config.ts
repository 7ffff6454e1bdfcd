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
          // What holds only on a Redis Cluster or behind Sentinel runs in integration-ha alone.
          exclude: ['**/node_modules/**', 'test/ha/**'],
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
          // Redis deployments for high availability (global-setup.ts starts them): the suites that
          // must hold on a Redis Cluster run again on the local one (3 primaries, 3 replicas): every
          // Lua script, the joiner end to end; and failovers, of a cluster primary and behind
          // Sentinel (test/ha). After the integration project, not beside it: both share Kafka and
          // two cores.
          name: 'integration-ha',
          include: ['libs/store/test/*.int.test.ts', 'test/ha/*.int.test.ts', 'test/e2e/walking-skeleton.int.test.ts', 'test/e2e/bad-records.int.test.ts', 'test/faults/crash-and-scale.int.test.ts', 'services/api/test/api.int.test.ts', 'libs/client/test/shadow-client.int.test.ts'],
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
