import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { cleanUpPrefix, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const CLI = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
const prefix = uniqueId('climode');
const redis = new Redis(inject('redisUrl'));
let api: Api;
let url: string;

/** Runs the CLI as its own process (asynchronously: the API answers from this one). */
const cli = (...args: string[]) =>
  new Promise<{ status: number | null; stdout: string; stderr: string }>((resolve) => {
    execFile(process.execPath, ['--disable-warning=TimeoutNegativeWarning', CLI, 'mode', ...args, '--api', url, '--token', 'tk'], { timeout: 30_000 }, (error, stdout, stderr) =>
      resolve({ status: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
    );
  });

beforeAll(async () => {
  const config = parseConfig(
    `
kafka: { brokers: ["${inject('brokers')}"] }
redis: { url: "${inject('redisUrl')}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
api: { tokens: [ { name: cli-user, role: operator, value: { env: SD_TOKEN } } ] }
comparisons:
  - { name: orders, old: { topic: a }, new: { topic: b }, window: 1s, mode: old }
`,
    'cli.yaml',
    { SD_TOKEN: 'tk' },
  );
  api = buildApi({ config, logger: pino({ level: 'silent' }), readVerdicts: false });
  await api.start();
  url = `http://127.0.0.1:${await api.listen(0)}`;
});

afterAll(async () => {
  await api?.stop();
  await cleanUpPrefix(testKafka(inject('brokers')), redis, prefix);
  redis.disconnect();
});

describe('shadowdiff mode', () => {
  it('shows the mode and readiness, changes it with a reason, and exits 1 on a refusal', async () => {
    const shown = await cli('orders');
    expect(shown.status, shown.stderr).toBe(0);
    expect(shown.stdout).toContain('orders: old');
    expect(shown.stdout).toContain('promotion to shadow');
    const set = await cli('orders', 'set', 'shadow', '--reason', 'start comparing');
    expect(set.status, set.stderr).toBe(0);
    expect(set.stdout).toContain('orders: now shadow');
    const refused = await cli('orders', 'set', 'reverse_shadow', '--reason', 'too early');
    expect(refused.status).toBe(1);
    expect(refused.stdout).toMatch(/refused: .*minPairs/);
    expect(refused.stdout).toContain('FAIL  minPairs');
    const noReason = await cli('orders', 'set', 'old');
    expect(noReason.status).toBe(1);
    expect(noReason.stderr).toContain('--reason is required');
  });
});
