import { defineConfig } from 'vitest/config';

/** Fault suites that push tens of thousands of records through restarts: they run alone. */
const HEAVY = ['test/faults/redis-loss.int.test.ts', 'test/faults/crash-and-scale.int.test.ts'];

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
          exclude: ['**/node_modules/**', ...HEAVY],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two files at a time: these suites mostly wait on Kafka, Redis and their own polls, and
          // each owns its topics, groups and key prefix (and its own broker or Redis where it stops
          // one), so two never disturb each other.
          fileParallelism: true,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        test: {
          name: 'integration-heavy',
          include: HEAVY,
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Tens of thousands of records against restarts and kill -9: alone, after the others, one
          // file at a time, so that their time-outs measure the joiner rather than the machine.
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
