import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { JOINER_ENV, JOINER_NODE_FLAGS, joinerLaunch } from './joiner-launch.ts';
import { REPO_ROOT } from './work-dir.ts';

describe('joinerLaunch', () => {
  it('starts the joiner with its memory settings when the operator set none', () => {
    const { nodeArgs, env } = joinerLaunch({ PATH: '/bin' });
    expect(nodeArgs).toEqual(['--max-semi-space-size=8']);
    expect(env).toEqual({ PATH: '/bin', MALLOC_MMAP_THRESHOLD_: '131072', GLIBC_TUNABLES: 'glibc.malloc.hugetlb=1' });
  });

  it("leaves a flag the operator put in NODE_OPTIONS and a variable the operator set as they are", () => {
    const { nodeArgs, env } = joinerLaunch({ NODE_OPTIONS: '--max-semi-space-size=32 --enable-source-maps', MALLOC_MMAP_THRESHOLD_: '1048576', GLIBC_TUNABLES: 'glibc.malloc.arena_max=2' });
    expect(nodeArgs).toEqual([]);
    expect(env.MALLOC_MMAP_THRESHOLD_).toBe('1048576');
    // Other tunables of the operator's keep huge pages; hugetlb set by the operator stays as set.
    expect(env.GLIBC_TUNABLES).toBe('glibc.malloc.arena_max=2:glibc.malloc.hugetlb=1');
    expect(joinerLaunch({ GLIBC_TUNABLES: 'glibc.malloc.hugetlb=0' }).env.GLIBC_TUNABLES).toBe('glibc.malloc.hugetlb=0');
    expect(env.NODE_OPTIONS).toBe('--max-semi-space-size=32 --enable-source-maps');
  });

  it('does not change the defaults it hands out', () => {
    joinerLaunch({}).nodeArgs.push('--inspect');
    expect(JOINER_NODE_FLAGS).toEqual(['--max-semi-space-size=8']);
    expect(Object.keys(JOINER_ENV)).toEqual(['MALLOC_MMAP_THRESHOLD_', 'GLIBC_TUNABLES']);
  });

  it('are the settings the Docker image starts the joiner with', () => {
    const dockerfile = readFileSync(`${REPO_ROOT}/Dockerfile`, 'utf8');
    const entrypoint = /^ENTRYPOINT (.*)$/m.exec(dockerfile)?.[1] ?? '';
    for (const flag of JOINER_NODE_FLAGS) expect(JSON.parse(entrypoint)).toContain(flag);
    for (const [name, value] of Object.entries(JOINER_ENV)) expect(dockerfile).toMatch(new RegExp(`^ENV ${name}=${value.replaceAll('.', '\\.')}$`, 'm'));
  });
});
