import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const CodecErrorCode = defineErrorCodes({
  /**
   * The schema registry could not be asked for a schema (down, unreachable, 5xx). Retriable: the
   * record is not invalid, so it is read again rather than turned into an invalid_* verdict.
   */
  REGISTRY_UNAVAILABLE: { code: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAVAILABLE', retriable: true },
  /**
   * The schema registry refused the credentials or access (HTTP 401 or 403): a configuration
   * error, never retried. At start-up it stops the service; met while decoding, it stops the
   * joiner (no record is called invalid for it).
   */
  REGISTRY_UNAUTHORIZED: { code: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAUTHORIZED', retriable: false },
  /** The schema registry's certificate is not trusted (or not for that host). Never retried. */
  REGISTRY_TLS_FAILED: { code: 'SHADOWDIFF_ERR_CODEC_REGISTRY_TLS_FAILED', retriable: false },
  /** A side uses the schema-registry codec but no schemaRegistry.url is configured (the configuration check refuses this first). */
  REGISTRY_NOT_CONFIGURED: { code: 'SHADOWDIFF_ERR_CODEC_REGISTRY_NOT_CONFIGURED', retriable: false },
});

export class CodecError extends ShadowdiffError {}
