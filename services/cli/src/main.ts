#!/usr/bin/env node
// shadowdiff command line: up | down | status | joiner --config F | demo
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { joinerLaunch, type JoinerLaunch } from '@shadowdiff/infra';
import { runDemo } from './demo.ts';
import { runMode } from './mode.ts';
import { down, status, up } from './stack.ts';

const USAGE = `usage: shadowdiff <command>

  up                      start local Kafka and Redis (reuses healthy running ones)
  down                    stop what 'up' started
  status                  show whether Kafka and Redis answer (exit 1 if not)
  joiner --config <file>  run the joiner
  api --config <file>     run the REST API and the dashboard
  mode <comparison> [set <mode> --reason "…" [--force]]
                          show the mode and the readiness of the next promotion, or change it
                          (through the API: --api URL or SHADOWDIFF_API_URL, --token or SHADOWDIFF_API_TOKEN)
  demo [--records N]      local stack, sample old and new consumers, the joiner, a summary
`;

const log = (line: string) => process.stdout.write(`${line}\n`);

/** Services run as their own processes; the CLI never imports a service's code. */
function runService(specifier: string, args: string[], { nodeArgs = [], env = process.env }: Partial<JoinerLaunch> = {}): Promise<number> {
  const entry = fileURLToPath(import.meta.resolve(specifier));
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...nodeArgs, entry, ...args], { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'up':
      await up(log);
      return 0;
    case 'down':
      await down(log);
      return 0;
    case 'status':
      return (await status(log)) ? 0 : 1;
    case 'joiner':
      return runService('@shadowdiff/joiner/main', rest, joinerLaunch());
    case 'api':
      return runService('@shadowdiff/api/main', rest);
    case 'demo':
      return runDemo(rest, log);
    case 'mode':
      return runMode(rest, log);
    case undefined:
    case 'help':
    case '--help':
      process.stdout.write(USAGE);
      return command === undefined ? 2 : 0;
    default:
      process.stderr.write(`shadowdiff: unknown command "${command}"\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`shadowdiff: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
