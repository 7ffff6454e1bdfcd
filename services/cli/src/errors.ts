import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const CliErrorCode = defineErrorCodes({
  /** A value the command cannot use (an unknown mode, a bad number, a --fail-on condition or a time it cannot read). Exit 1; what commander refuses exits 2. */
  USAGE: { code: 'SHADOWDIFF_ERR_CLI_USAGE', retriable: false },
  /** The API answered `shadowdiff mode` with something that is not a mode, or `shadowdiff report` with an error status (its message is shown). Exit 1. */
  API_ANSWER: { code: 'SHADOWDIFF_ERR_CLI_API_ANSWER', retriable: false },
  /** `shadowdiff replay` could not finish: its copy made no progress within --stall-timeout (the partitions it waits for are named: the broker did not serve them), its joiner exited, or its clean-up left something behind (named, to remove by hand). Exit 1. */
  REPLAY_INCOMPLETE: { code: 'SHADOWDIFF_ERR_CLI_REPLAY_INCOMPLETE', retriable: true },
});

export class CliError extends ShadowdiffError {}
