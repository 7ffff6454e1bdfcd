import { ShadowdiffError, declareRetriability } from '@shadowdiff/errors';

export const CodecErrorCode = {
  /**
   * The schema registry could not be asked for a schema (down, unreachable, 5xx). Retriable: the
   * record is not invalid, so it is read again rather than turned into an invalid_* verdict.
   */
  REGISTRY_UNAVAILABLE: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAVAILABLE',
  /**
   * The schema registry refused the credentials or access (HTTP 401 or 403): a configuration
   * error, never retried. At start-up it stops the service; met while decoding, it stops the
   * joiner (no record is called invalid for it).
   */
  REGISTRY_UNAUTHORIZED: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAUTHORIZED',
  /** The schema registry's certificate is not trusted (or not for that host). Never retried. */
  REGISTRY_TLS_FAILED: 'SHADOWDIFF_ERR_CODEC_REGISTRY_TLS_FAILED',
  /** A side uses the schema-registry codec but no schemaRegistry.url is configured (the configuration check refuses this first). */
  REGISTRY_NOT_CONFIGURED: 'SHADOWDIFF_ERR_CODEC_REGISTRY_NOT_CONFIGURED',
} as const;

/** Which of these codes may be retried (declared once, here). */
declareRetriability({
  [CodecErrorCode.REGISTRY_UNAVAILABLE]: true,
  [CodecErrorCode.REGISTRY_UNAUTHORIZED]: false,
  [CodecErrorCode.REGISTRY_TLS_FAILED]: false,
  [CodecErrorCode.REGISTRY_NOT_CONFIGURED]: false,
});

export class CodecError extends ShadowdiffError {}
