/** The services the CLI runs as processes of their own: it never imports a service's code. */
import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Starts `specifier`'s entry point on `configFile`; its output goes to `logFile` when it exits. */
export function startService(specifier: string, configFile: string, logFile: string, { nodeArgs, env }: { nodeArgs: string[]; env: NodeJS.ProcessEnv }): ChildProcess {
  const entry = fileURLToPath(import.meta.resolve(specifier));
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...nodeArgs, entry, '--config', configFile], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env,
  });
  const lines: string[] = [];
  child.stdout?.on('data', (d: Buffer) => lines.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => lines.push(d.toString()));
  child.on('exit', () => writeFileSync(logFile, lines.join('')));
  return child;
}
