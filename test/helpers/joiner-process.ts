import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { joinerLaunch } from '@shadowdiff/infra';
import { pollUntil } from './poll.ts';

export interface JoinerProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote, for assertion messages. */
  output(): string;
  /** Resolves with the exit code (or the signal's name) once the process has exited. */
  readonly exited: Promise<number | string>;
  /** The /metrics URL, once the joiner has logged the port it bound (run it with metricsPort 0). */
  metricsUrl(timeoutMs?: number): Promise<string>;
  /**
   * The exit code once the process has exited by itself, polled until `timeoutMs`; past it the
   * process is killed and this rejects with its output (it should have stopped).
   */
  exitWithin(timeoutMs: number): Promise<number | string>;
}

export interface JoinerProcessOptions {
  /** Extra Node.js flags for the joiner process (e.g. `--cpu-prof`, `--max-semi-space-size=…`). */
  readonly nodeArgs?: readonly string[];
}

/** Writes `yaml` to a temporary file and runs the joiner on it as its own OS process. */
export function startJoinerProcess(yaml: string, { nodeArgs = [] }: JoinerProcessOptions = {}): JoinerProcess {
  const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-joiner-'));
  const file = join(dir, 'shadowdiff.yaml');
  writeFileSync(file, yaml);
  const entry = fileURLToPath(import.meta.resolve('@shadowdiff/joiner/main'));
  // As `shadowdiff joiner` starts it; the caller's flags come last, so they win.
  const launch = joinerLaunch();
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...launch.nodeArgs, ...nodeArgs, entry, '--config', file], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...launch.env, LOG_LEVEL: 'info' },
  });
  const chunks: string[] = [];
  child.stdout?.on('data', (d: Buffer) => chunks.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => chunks.push(d.toString()));
  const exited = new Promise<number | string>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal ?? -1)));
  const output = () => chunks.join('');
  const metricsUrl = async (timeoutMs = 60_000) => {
    const port = await pollUntil(
      async () => /"msg":"metrics on http:\/\/127\.0\.0\.1:(\d+)\/metrics"/.exec(output())?.[1],
      (found) => found !== undefined,
      { what: 'the joiner to report its metrics port', timeoutMs },
    );
    return `http://127.0.0.1:${port}/metrics`;
  };
  const exitWithin = async (timeoutMs: number) => {
    let code: number | string | undefined;
    void exited.then((c) => (code = c));
    try {
      return (await pollUntil(async () => code, (c) => c !== undefined, { what: 'the joiner process to exit by itself', timeoutMs, intervalMs: 50 })) as number | string;
    } catch (error) {
      child.kill('SIGKILL');
      throw new Error(`${(error as Error).message}\n${output()}`);
    }
  };
  return { child, output, exited, metricsUrl, exitWithin };
}
