import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const CliErrorCode = defineErrorCodes({
  /** The command line cannot be run as given (a missing argument, an unknown mode, a bad number); the message shows the usage. Exit 1. */
  USAGE: { code: 'SHADOWDIFF_ERR_CLI_USAGE', retriable: false },
  /** The API answered `shadowdiff mode` with something that is not a mode (its message is shown). Exit 1. */
  API_ANSWER: { code: 'SHADOWDIFF_ERR_CLI_API_ANSWER', retriable: false },
});

export class CliError extends ShadowdiffError {}
