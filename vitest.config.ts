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
          exclude: ['**/node_modules/**'],
          environment: 'node',
          globalSetup: ['test/helpers/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          // Two cores share Kafka, Redis and the tests: files run one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
