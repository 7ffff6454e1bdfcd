import { ShadowdiffError, declareRetriability } from '@shadowdiff/errors';

export const CliErrorCode = {
  /** The command line cannot be run as given (a missing argument, an unknown mode, a bad number); the message shows the usage. Exit 1. */
  USAGE: 'SHADOWDIFF_ERR_CLI_USAGE',
  /** The API answered `shadowdiff mode` with something that is not a mode (its message is shown). Exit 1. */
  API_ANSWER: 'SHADOWDIFF_ERR_CLI_API_ANSWER',
} as const;

/** Which of these codes may be retried (declared once, here). */
declareRetriability({
  [CliErrorCode.USAGE]: false,
  [CliErrorCode.API_ANSWER]: false,
});

export class CliError extends ShadowdiffError {}
