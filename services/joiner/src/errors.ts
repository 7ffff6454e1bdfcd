import { ShadowdiffError, declareRetriability } from '@shadowdiff/errors';

export const JoinerErrorCode = {
  /** A comparison's old or new topic does not exist on the cluster. */
  TOPIC_MISSING: 'SHADOWDIFF_ERR_JOINER_TOPIC_MISSING',
  /** A comparison's normaliser module cannot be loaded or does not export a function. */
  NORMALIZER_INVALID: 'SHADOWDIFF_ERR_JOINER_NORMALIZER_INVALID',
  /**
   * Redis holds no state for a comparison whose consumer group has committed offsets (Redis was
   * restarted without persistence, flushed, or failed over): continuing would turn the lost
   * parked records into false missing_* verdicts. See docs/guarantees.md for the recovery.
   */
  STATE_LOST: 'SHADOWDIFF_ERR_JOINER_STATE_LOST',
  /** HTTP 404 from the joiner's small server (it serves /metrics and /healthz only). */
  NOT_FOUND: 'SHADOWDIFF_ERR_NOT_FOUND',
} as const;

/** Which of these codes may be retried (declared once, here). */
declareRetriability({
  [JoinerErrorCode.TOPIC_MISSING]: false,
  [JoinerErrorCode.NORMALIZER_INVALID]: false,
  [JoinerErrorCode.STATE_LOST]: false,
  [JoinerErrorCode.NOT_FOUND]: false,
});

export class JoinerError extends ShadowdiffError {}
