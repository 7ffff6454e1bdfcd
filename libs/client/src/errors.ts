import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const ClientErrorCode = defineErrorCodes({
  /** createShadowClient was given options it cannot use (neither or both of redisUrl and redisEndpoint). Thrown at once, before anything connects. */
  BAD_OPTIONS: { code: 'SHADOWDIFF_ERR_CLIENT_BAD_OPTIONS', retriable: false },
});

export class ClientError extends ShadowdiffError {}
