#!/usr/bin/env node
// shadowdiff command line: the grammar is program.ts (`shadowdiff --help`, `shadowdiff <command> --help`).
import { buildProgram } from './program.ts';

const { run } = buildProgram({
  log: (line) => process.stdout.write(`${line}\n`),
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
});

run(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`shadowdiff: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exit(1);
  },
);
