// The CLI as a package: what other packages may know of it (its error codes). The command itself
// is main.ts (the `shadowdiff` bin), which runs when it is loaded.
export { CliError, CliErrorCode } from './errors.ts';
