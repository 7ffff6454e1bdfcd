import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

// No Docker engine here: the image's build stage is replayed from the Dockerfile itself — its
// COPY lines and its RUN line, in a scratch folder — and what would go into the image is checked.
const root = fileURLToPath(new URL('../../', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'shadowdiff-image-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function buildStage(): { copies: [string[], string][]; run: string } {
  const lines = readFileSync(join(root, 'Dockerfile'), 'utf8')
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));
  const froms = lines.map((l, i) => (l.startsWith('FROM ') ? i : -1)).filter((i) => i >= 0);
  const stage = lines.slice((froms[0] as number) + 1, froms[1]);
  const copies = stage
    .filter((l) => l.startsWith('COPY '))
    .map((l) => {
      const parts = l.split(/\s+/).slice(1);
      return [parts.slice(0, -1), parts[parts.length - 1] as string] as [string[], string];
    });
  const runs = stage.filter((l) => l.startsWith('RUN '));
  expect(runs.length).toBe(1);
  return { copies, run: (runs[0] as string).slice(4).replace(/--mount=\S+\s+/g, '') };
}

function files(dir: string, out: string[] = []): string[] {
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (name === 'node_modules') continue;
    if (statSync(path).isDirectory()) files(path, out);
    else out.push(path.slice(work.length + 1));
  }
  return out;
}

describe('the Docker image (its build stage replayed without Docker)', () => {
  it('holds the joiner and the API with production dependencies only, no tests, and both start', { timeout: 180_000 }, () => {
    const { copies, run } = buildStage();
    for (const [sources, dest] of copies) {
      for (const source of sources) {
        const target = dest.endsWith('/') ? join(work, dest, source.split('/').pop() as string) : join(work, dest);
        cpSync(join(root, source), target, { recursive: true, filter: (p) => !p.split(sep).includes('node_modules') });
      }
    }
    const built = spawnSync('sh', ['-c', run], { cwd: work, encoding: 'utf8', env: { ...process.env, npm_config_update_notifier: 'false' } });
    expect(built.status, `${built.stdout}\n${built.stderr}`).toBe(0);

    const modules = new Set(readdirSync(join(work, 'node_modules')));
    for (const dev of ['vitest', 'eslint', 'typescript', 'nx', 'playwright-core', 'fast-check', 'tinybench', 'node']) expect(modules.has(dev), dev).toBe(false);
    const ours = readdirSync(join(work, 'node_modules', '@shadowdiff'));
    expect(ours).toContain('joiner');
    expect(ours).toContain('api');
    for (const absent of ['testing', 'infra', 'cli', 'client']) expect(ours).not.toContain(absent);
    const shipped = files(work);
    expect(shipped.filter((f) => f.endsWith('.test.ts') || f.split('/').includes('test'))).toEqual([]);
    expect(existsSync(join(work, 'infra'))).toBe(false);

    // Every module each entry point imports resolves: a config that is not there is the only
    // thing that stops them (exit 2), not a missing dependency (exit 1).
    const node = join(root, 'node_modules', 'node', 'bin', 'node');
    for (const main of ['services/joiner/src/main.ts', 'services/api/src/main.ts']) {
      const started = spawnSync(node, [main, '--config', join(work, 'absent.yaml')], { cwd: work, encoding: 'utf8' });
      expect(started.stderr, main).toContain('expected a readable YAML file');
      expect(started.status, `${main}: ${started.stderr}`).toBe(2);
    }
  });
});
