import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const MAIN = fileURLToPath(new URL('../src/main.ts', import.meta.url));

function runWithConfig(yaml: string) {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-main-'));
  const file = join(dir, 'bad.yaml');
  writeFileSync(file, yaml);
  // Nothing is listening on these addresses: start-up must stop before it connects to anything.
  const result = spawnSync(process.execPath, [MAIN, '--config', file], {
    encoding: 'utf8',
    timeout: 30_000,
    env: { ...process.env, KAFKA_BROKERS: '127.0.0.1:1', REDIS_URL: 'redis://127.0.0.1:1' },
  });
  return { ...result, file };
}

describe('joiner start-up with a bad config', () => {
  it('stops with exit code 2 and names the file, the path, what was expected and what was found', () => {
    const { status, stderr, file } = runWithConfig(`comparisons:
  - name: orders
    old: { codec: json }
    new: { topic: orders.v2, codec: protobuf }
    window: soon
`);
    expect(status).toBe(2);
    expect(stderr).toContain(`${file}:3: comparisons[0].old.topic: expected a string, found nothing (the key is missing)`);
    expect(stderr).toContain(`${file}:4: comparisons[0].new.codec: expected one of "json", "string", "bytes", "schema-registry", found "protobuf"`);
    expect(stderr).toContain(`${file}:5: comparisons[0].window: expected a duration such as "500ms", "30s", "10m", "1h", found "soon"`);
  });
});
