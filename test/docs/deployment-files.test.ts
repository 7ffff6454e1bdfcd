import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

// No Docker engine runs where the tests do: what the image and compose file promise is checked
// from the files themselves (and, for the image's contents, by test/deploy/image-contents.int.test.ts).
const file = (name: string) => readFileSync(fileURLToPath(new URL(`../../${name}`, import.meta.url)), 'utf8');

/** The Dockerfile's instructions, line continuations joined and comments dropped. */
function instructions(text: string): { op: string; args: string }[] {
  return text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
    .map((line) => {
      const [op = '', ...rest] = line.split(/\s+/);
      return { op: op.toUpperCase(), args: rest.join(' ') };
    });
}

describe('Dockerfile', () => {
  const steps = instructions(file('Dockerfile'));
  const args = new Map(steps.filter((s) => s.op === 'ARG').map((s) => s.args.split('=') as [string, string]));
  const resolve = (text: string) => text.replace(/\$\{(\w+)\}|\$(\w+)/g, (_m, a?: string, b?: string) => args.get((a ?? b) as string) ?? '');

  it('pins every base image by digest', () => {
    const bases = steps.filter((s) => s.op === 'FROM').map((s) => resolve(s.args).split(/\s+/)[0] as string);
    expect(bases.length).toBeGreaterThan(0);
    for (const base of bases) expect(base).toMatch(/^[\w./-]+:[\w.-]+@sha256:[0-9a-f]{64}$/);
  });

  it('runs as a non-root user in the final stage', () => {
    const lastFrom = steps.map((s) => s.op).lastIndexOf('FROM');
    const users = steps.slice(lastFrom).filter((s) => s.op === 'USER');
    expect(users.length).toBeGreaterThan(0);
    const user = (users[users.length - 1] as { args: string }).args.split(':')[0];
    expect(user).not.toMatch(/^(root|0)$/);
  });

  it('copies no tests, test helpers or infra, and installs production dependencies only', () => {
    const copied = steps.filter((s) => s.op === 'COPY' && !s.args.startsWith('--from')).flatMap((s) => s.args.split(/\s+/).slice(0, -1));
    for (const source of copied) expect(source).not.toMatch(/^(\.|test|infra|bench)(\/|$)/);
    const installs = steps.filter((s) => s.op === 'RUN' && s.args.includes('npm ci'));
    expect(installs.length).toBe(1);
    expect(installs[0]?.args).toContain('--omit=dev');
    expect(installs[0]?.args).toMatch(/-name '\*\.test\.ts'.*-delete/);
  });
});

describe('docker-compose.yml', () => {
  const compose = parse(file('docker-compose.yml')) as { services: Record<string, { image?: string; ports?: string[]; volumes?: string[] }> };

  it('publishes every port on the loopback interface only (nothing unauthenticated on all interfaces)', () => {
    const ports = Object.values(compose.services).flatMap((s) => s.ports ?? []);
    expect(ports.length).toBeGreaterThan(0);
    for (const port of ports) expect(port).toMatch(/^127\.0\.0\.1:\d+:\d+$/);
  });

  it('names an exact version of every image and mounts only files that exist', () => {
    for (const [name, service] of Object.entries(compose.services)) {
      if (service.image !== undefined) expect(service.image, name).toMatch(/:\d+(\.\d+)+$/);
      for (const volume of service.volumes ?? []) {
        const source = volume.split(':')[0] as string;
        if (source.startsWith('./')) expect(() => file(source.slice(2)), `${name}: ${source}`).not.toThrow();
      }
    }
  });
});
