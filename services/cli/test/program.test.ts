import { describe, expect, it } from 'vitest';
import { EXIT_USAGE, buildProgram } from '../src/program.ts';

function program() {
  const out: string[] = [];
  const err: string[] = [];
  const { run } = buildProgram({ log: (l) => out.push(`${l}\n`), out: (t) => out.push(t), err: (t) => err.push(t) });
  return { run, out: () => out.join(''), err: () => err.join('') };
}

describe('command line grammar', () => {
  it('no command: the usage, exit 2; --help: the usage, exit 0', async () => {
    const none = program();
    expect(await none.run([])).toBe(EXIT_USAGE);
    expect(none.out()).toContain('Usage: shadowdiff');
    const help = program();
    expect(await help.run(['--help'])).toBe(0);
    for (const command of ['up', 'down', 'status', 'joiner', 'api', 'mode', 'demo', 'report', 'tail', 'replay']) expect(help.out()).toContain(`  ${command}`);
  });

  it('each command has its own --help', async () => {
    const p = program();
    expect(await p.run(['report', '--help'])).toBe(0);
    expect(p.out()).toContain('--fail-on <condition>');
    expect(p.out()).toContain('SHADOWDIFF_API_URL');
  });

  it('an unknown command or flag, a bad choice or a missing argument: named, exit 2, nothing run', async () => {
    const unknown = program();
    expect(await unknown.run(['tial'])).toBe(EXIT_USAGE);
    expect(unknown.err()).toContain("unknown command 'tial'");
    const flag = program();
    expect(await flag.run(['report', 'orders', '--sinc', '1h'])).toBe(EXIT_USAGE);
    expect(flag.err()).toContain("unknown option '--sinc'");
    const choice = program();
    expect(await choice.run(['report', 'orders', '--format', 'html'])).toBe(EXIT_USAGE);
    expect(choice.err()).toContain("'html' is invalid");
    const missing = program();
    expect(await missing.run(['mode'])).toBe(EXIT_USAGE);
    expect(missing.err()).toContain("missing required argument 'comparison'");
  });

  it('a repeatable option takes one value each time, never the comparison after it', async () => {
    // The comparison is taken as such: the command runs, and stops at the config it cannot read.
    const tail = program();
    await expect(tail.run(['tail', '--verdict', 'mismatch', '--verdict', 'missing_new', 'orders', '--config', 'no/such/shadowdiff.yaml'])).rejects.toThrow('no/such/shadowdiff.yaml');
    expect(tail.err()).toBe('');
    const report = program();
    await expect(report.run(['report', '--fail-on', 'no_pairs', 'orders', '--fail-on', 'bogus>1'])).rejects.toThrow('unknown measure "bogus"');
    expect(report.err()).toBe('');
  });
});
