import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { pollUntil } from '@shadowdiff/testing';
import { describe, expect, it } from 'vitest';

// The README's first command, end to end: `shadowdiff demo` on the local stack.
describe('shadowdiff demo', () => {
  it('runs the sample consumers and the joiner, reports one verdict per order, and leaves the dashboard running until Ctrl-C', async () => {
    const cli = fileURLToPath(new URL('../../services/cli/src/main.ts', import.meta.url));
    const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', cli, 'demo', '--records', '1000'], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d: Buffer) => (output += d.toString()));
    child.stderr.on('data', (d: Buffer) => (output += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('exit', resolve));
    // The summary, then the dashboard's address and what to try next.
    const url = await pollUntil(async () => /^dashboard: +(http:\/\/\S+)\/$/m.exec(output)?.[1], (u) => u !== undefined, { what: "the dashboard's URL", timeoutMs: 90_000 });
    expect(output).toMatch(/^ {2}npm run shadowdiff -- tail invoices --config \S+ --since 1h$/m);
    expect(output).toMatch(/^ {2}npm run shadowdiff -- report invoices --api http:\/\/127\.0\.0\.1:\d+ --fail-on 'mismatch_rate>0\.001'$/m);
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<html');
    // The API has read the demo's verdicts (the demo waits for all 1000 before it prints the URL).
    const total = ((await (await fetch(`${url}/api/v1/comparisons/invoices/summary`)).json()) as { total: number }).total;
    expect(total).toBe(1000);
    // The three deliberate bugs come out as exactly three classes, each with its change class and
    // its likely cause, the dropped orders' too.
    const { classes } = (await (await fetch(`${url}/api/v1/comparisons/invoices/classes`)).json()) as {
      classes: { atoms: { path: string; kind: string; change: string }[]; causes: { statement: string; classShare: number; baselineShare: number }[] }[];
    };
    expect(classes.map((c) => [c.atoms.map((a) => `${a.kind} ${a.path} ${a.change}`.trim()), c.causes[0]?.statement])).toEqual([
      [['changed subtotal float_noise'], 'lines.length = 3'],
      [['changed loyalty.points factor:0.5'], 'loyalty.tier = "gold"'],
      [['missing_new'], 'orderId ends with "77"'],
    ]);
    for (const c of classes) expect(c.causes[0]!.classShare).toBeGreaterThan(0.9);
    expect(output).toMatch(/^what differs, in 3 classes/m);
    expect(output).toMatch(/^ +likely cause: orderId ends with "77" \(100% of the class, 0% of matches\)$/m);
    child.kill('SIGINT');
    const code = await exited;
    expect(code, output).toBe(0);
    await expect(fetch(`${url}/`)).rejects.toThrow();
    expect(output).toMatch(/^ {2}verdicts +1000$/m);
    // The rewrite drops orders whose id ends in 77: order-000077, -177, … -977.
    expect(output).toMatch(/^ {2}missing_new +10 +1\.0%$/m);
    const match = Number(/^ {2}match +(\d+)/m.exec(output)?.[1]);
    const mismatch = Number(/^ {2}mismatch +(\d+)/m.exec(output)?.[1]);
    expect(match + mismatch).toBe(990);
    expect(mismatch).toBeGreaterThan(0);
    expect(output).toContain('fields that differ most');
  });
});
