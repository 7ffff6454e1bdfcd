import { ShadowdiffError } from '@shadowdiff/errors';

export const CodecErrorCode = {
  /**
   * The schema registry could not be asked for a schema (down, unreachable, 5xx). Retriable: the
   * record is not invalid, so it is read again rather than turned into an invalid_* verdict.
   */
  REGISTRY_UNAVAILABLE: 'SHADOWDIFF_ERR_CODEC_REGISTRY_UNAVAILABLE',
} as const;

export class CodecError extends ShadowdiffError {}
