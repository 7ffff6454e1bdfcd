import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { requireTool } from '@shadowdiff/testing';
import { describe, expect, it } from 'vitest';

const RULES = join(import.meta.dirname, '..', '..', 'deploy', 'prometheus');

/** promtool (requireTool: one line saying how to get it where it is missing). */
function promtool(...args: string[]): { status: number | null; output: string } {
  const run = spawnSync(requireTool('promtool'), args, { cwd: RULES, encoding: 'utf8' });
  return { status: run.status, output: `${run.stdout}${run.stderr}` };
}

describe('Prometheus alert rules (deploy/prometheus)', () => {
  it('are valid rules', () => {
    const { status, output } = promtool('check', 'rules', 'shadowdiff-rules.yml');
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS: 9 rules found');
  });

  it('pass their promtool unit tests: each alert fires on its case and stays quiet on its near miss', () => {
    const { status, output } = promtool('test', 'rules', 'shadowdiff-rules.test.yml');
    expect(status, output).toBe(0);
    expect(output).toContain('SUCCESS');
  });

  it('name only metrics the joiner and the API expose', () => {
    const rules = readFileSync(join(RULES, 'shadowdiff-rules.yml'), 'utf8');
    const used = new Set([...rules.matchAll(/\b(shadowdiff_[a-z_]+)/g)].map((m) => m[1]!));
    const documented = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    for (const metric of used) expect(documented, metric).toContain(`\`${metric}`);
  });
});
