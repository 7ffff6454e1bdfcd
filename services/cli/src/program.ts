/**
 * The command line's grammar, with commander: each command, its arguments and options, and its
 * `--help`; commander names a bad flag or a missing argument and the command is not run. What a
 * command does lives in its own module; this file only parses and dispatches.
 */
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Command, CommanderError, Option } from 'commander';
import { joinerLaunch, type JoinerLaunch } from '@shadowdiff/infra';
import { runDemo } from './demo.ts';
import { runMode } from './mode.ts';
import { runReplay, type ReplayOptions } from './replay.ts';
import { runSuggest, type SuggestOptions } from './suggest.ts';
import { runReport } from './report.ts';
import { down, status, up, type Log } from './stack.ts';
import { runTail, type TailOptions } from './tail.ts';

/** Exit code of a command line that cannot be run as given (commander's errors: unknown command or flag, missing argument). */
export const EXIT_USAGE = 2;

/** Services run as their own processes; the CLI never imports a service's code. */
function runService(specifier: string, args: string[], { nodeArgs = [], env = process.env }: Partial<JoinerLaunch> = {}): Promise<number> {
  const entry = fileURLToPath(import.meta.resolve(specifier));
  const child = spawn(process.execPath, ['--disable-warning=TimeoutNegativeWarning', ...nodeArgs, entry, ...args], { stdio: 'inherit', env });
  const forward = (signal: NodeJS.Signals) => child.kill(signal);
  process.on('SIGTERM', forward);
  process.on('SIGINT', forward);
  return new Promise((resolve) => child.on('exit', (code) => resolve(code ?? 1)));
}

/** An option given more than once collects its values: `--verdict mismatch --verdict missing_new`. */
const repeatable = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/**
 * The first Ctrl-C (or SIGTERM) resolves `stopped`, for the command to stop cleanly; a second
 * Ctrl-C exits at once, after naming what `leaving` last said would stay behind.
 */
function interruption(log: Log): { stopped: Promise<void>; leaving: (what: string, kill?: () => void) => void } {
  let left = '';
  let kill: (() => void) | undefined;
  const stopped = new Promise<void>((resolve) => {
    process.once('SIGTERM', () => resolve());
    process.once('SIGINT', () => {
      resolve();
      process.once('SIGINT', () => {
        kill?.();
        log(left === '' ? 'interrupted again: stopping now' : `interrupted again: stopping now; these may be left behind: ${left}`);
        process.exit(130);
      });
    });
  });
  return {
    stopped,
    leaving: (what, killer) => {
      left = what;
      kill = killer ?? kill;
    },
  };
}

/** The API's address and token, as `mode` and `report` take them. */
function apiOptions(command: Command): Command {
  return command
    .addOption(new Option('--api <url>', "the shadowdiff API's base URL").env('SHADOWDIFF_API_URL').default('http://127.0.0.1:8080'))
    .addOption(new Option('--token <token>', 'an API token (viewer for reading, operator to change the mode)').env('SHADOWDIFF_API_TOKEN'));
}

export interface ProgramIo {
  readonly log: Log;
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

/**
 * The program; `run` resolves with the exit code. Output goes through `io`, so that a test can
 * parse without a process.
 */
export function buildProgram(io: ProgramIo): { program: Command; run: (argv: readonly string[]) => Promise<number> } {
  let code = 0;
  const program = new Command('shadowdiff')
    .description('Shadow-compare two versions of a Kafka consumer: pair their outputs, compare, and decide when to switch.')
    .configureOutput({ writeOut: io.out, writeErr: io.err })
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();

  program
    .command('up')
    .description('start local Kafka, Redis and the schema registry (reuses healthy running ones)')
    .addOption(
      new Option('--redis <kind>', "also a local Redis Cluster of 3 primaries and 3 replicas ('cluster'), or a primary and replica behind 3 sentinels ('sentinel'), to try shadowdiff on one")
        .choices(['server', 'cluster', 'sentinel'])
        .default('server'),
    )
    .action(async ({ redis }: { redis: 'server' | 'cluster' | 'sentinel' }) => void (await up(io.log, { redis })));
  program.command('down').description("stop what 'up' started").action(async () => void (await down(io.log)));
  program.command('status').description('show whether Kafka and Redis answer (exit 1 if not)').action(async () => void (code = (await status(io.log)) ? 0 : 1));
  for (const [name, specifier, what] of [
    ['joiner', '@shadowdiff/joiner/main', 'run the joiner'],
    ['api', '@shadowdiff/api/main', 'run the REST API and the dashboard'],
  ] as const) {
    program
      .command(name)
      .description(what)
      .option('-c, --config <file>', 'the configuration file (default: $SHADOWDIFF_CONFIG, then shadowdiff.yaml)')
      .action(async ({ config }: { config?: string }) => {
        const args = config === undefined ? [] : ['--config', config];
        code = await runService(specifier, args, name === 'joiner' ? joinerLaunch() : {});
      });
  }
  apiOptions(
    program
      .command('mode')
      .description('show the mode and the readiness of the next promotion, or change it through the API')
      .argument('<comparison>', 'the comparison')
      .argument('[set]', "'set' to change the mode")
      .argument('[mode]', 'the mode to set')
      .option('--reason <text>', 'why (required to change it: the history records it)')
      .option('--force', 'change it although the readiness gate does not pass', false),
  ).action(async (comparison: string, verb: string | undefined, mode: string | undefined, options: { reason?: string; force: boolean; api: string; token?: string }) => {
    code = await runMode({ comparison, verb, mode, ...options }, io.log);
  });
  program
    .command('demo')
    .description('local stack, sample old and new consumers, the joiner, a summary, then the dashboard until Ctrl-C')
    .option('--records <n>', 'orders to run through both consumers', '2000')
    .option('--no-serve', 'exit after the summary instead of leaving the API and dashboard running (for scripts)')
    .action(async ({ records, serve }: { records: string; serve: boolean }) => void (code = await runDemo(['--records', records, ...(serve ? [] : ['--no-serve'])], io.log)));
  apiOptions(
    program
      .command('report')
      .description('counts by verdict, the match rate with its confidence bound, the fields that differ most, examples; --fail-on for a CI gate')
      .argument('<comparison>', 'the comparison')
      .option('--since <time>', 'from (ISO 8601 time, or a duration back from now such as 1h)')
      .option('--until <time>', 'to (ISO 8601 time, or a duration back from now)')
      .addOption(new Option('--format <format>', 'output format').choices(['table', 'json', 'markdown']).default('table'))
      .option('--fail-on <condition>', 'exit 3 when a condition holds: mismatch_rate>0.001, missing_rate>0, field:amount>0, readiness, no_pairs (repeat or separate with commas)', repeatable)
      .option('--examples <n>', 'examples per verdict kind', '3'),
  ).action(async (comparison: string, options: Parameters<typeof runReport>[0]['options']) => {
    code = await runReport({ comparison, options }, io.out);
  });

  apiOptions(
    program
      .command('suggest')
      .description('comparison rules for likely noise (generated ids, processing timestamps) and for float noise, rounding and order, as YAML, with the evidence')
      .argument('<comparison>', 'the comparison')
      .addOption(new Option('--format <format>', 'output format').choices(['yaml', 'json']).default('yaml')),
  ).action(async (comparison: string, options: SuggestOptions) => {
    code = await runSuggest({ comparison, options }, io.out);
  });

  program
    .command('tail')
    .description('print verdicts as they are decided, from the verdict topics alone (no API needed)')
    .argument('<comparison>', 'the comparison')
    .addOption(new Option('-c, --config <file>', 'the configuration file (its Kafka and topic prefix)').env('SHADOWDIFF_CONFIG').default('shadowdiff.yaml'))
    .option('--since <time>', 'from (ISO 8601 time, or a duration back from now such as 10m); default: from now')
    .option('--verdict <kind>', 'only this verdict kind (repeat for more; default: every kind but match)', repeatable)
    .option('--key <key>', 'only this key (repeat for more)', repeatable)
    .option('--path <path>', 'only verdicts that differ at this path or under it (repeat for more)', repeatable)
    .option('--json', 'one verdict per line as JSON, for piping', false)
    .addOption(new Option('--color <when>', 'colour the output').choices(['auto', 'always', 'never']).default('auto'))
    .option('--max <n>', 'stop after this many verdicts')
    .action(async (comparison: string, options: TailOptions) => {
      const { stopped } = interruption(io.log);
      code = await runTail({ comparison, options }, { out: io.out, err: io.err, stopped, isTerminal: process.stdout.isTTY === true });
    });

  program
    .command('replay')
    .description("re-pair a historical range of both topics in a namespace of its own (the live comparison's state and counts untouched)")
    .argument('<comparison>', 'the comparison')
    .addOption(new Option('-c, --config <file>', 'the configuration file').env('SHADOWDIFF_CONFIG').default('shadowdiff.yaml'))
    .requiredOption('--from <time>', 'from (ISO 8601 time, or a duration back from now such as 2h)')
    .option('--to <time>', 'to (ISO 8601 time, or a duration back from now); default: now')
    .option('--max-wait <duration>', 'after everything is read, how long a record waits for a partner before it is missing', '30s')
    .option('--stall-timeout <duration>', 'give up when copying the range makes no progress this long (the broker does not serve a partition), naming the partitions', '60s')
    .action(async (comparison: string, options: ReplayOptions) => {
      const { stopped, leaving } = interruption(io.log);
      code = await runReplay({ comparison, options }, { log: io.log, isTerminal: process.stdout.isTTY === true, stopped, leaving });
    });

  async function run(argv: readonly string[]): Promise<number> {
    code = 0;
    if (argv.length === 0) {
      io.out(program.helpInformation());
      return EXIT_USAGE;
    }
    try {
      await program.parseAsync([...argv], { from: 'user' });
    } catch (error) {
      if (error instanceof CommanderError) return error.code === 'commander.helpDisplayed' || error.code === 'commander.help' || error.code === 'commander.version' ? 0 : EXIT_USAGE;
      throw error;
    }
    return code;
  }
  return { program, run };
}
