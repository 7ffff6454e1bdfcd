import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The README's first command, end to end: `shadowdiff demo` on the local stack.
describe('shadowdiff demo', () => {
  it('runs the sample consumers and the joiner and reports one verdict per order', async () => {
    const cli = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', cli, 'demo', '--records', '300'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code, output).toBe(0);
    expect(output).toMatch(/^ {2}verdicts +300$/m);
    // The rewrite drops orders whose id ends in 77: order-000077, -177 and -277.
    expect(output).toMatch(/^ {2}missing_new +3 +1\.0%$/m);
    const match = Number(/^ {2}match +(\d+)/m.exec(output)?.[1]);
    const mismatch = Number(/^ {2}mismatch +(\d+)/m.exec(output)?.[1]);
    expect(match + mismatch).toBe(297);
    expect(mismatch).toBeGreaterThan(0);
    expect(output).toContain('fields that differ most');
  });
});
