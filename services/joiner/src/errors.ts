import { ShadowdiffError } from '@shadowdiff/errors';

export const JoinerErrorCode = {
  /** A comparison's old or new topic does not exist on the cluster. */
  TOPIC_MISSING: 'SHADOWDIFF_ERR_JOINER_TOPIC_MISSING',
} as const;

export class JoinerError extends ShadowdiffError {}
