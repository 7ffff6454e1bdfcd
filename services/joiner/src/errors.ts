import { ShadowdiffError, defineErrorCodes } from '@shadowdiff/errors';

export const JoinerErrorCode = defineErrorCodes({
  /** A comparison's old or new topic does not exist on the cluster. */
  TOPIC_MISSING: { code: 'SHADOWDIFF_ERR_JOINER_TOPIC_MISSING', retriable: false },
  /** A comparison's normaliser module cannot be loaded or does not export a function. */
  NORMALIZER_INVALID: { code: 'SHADOWDIFF_ERR_JOINER_NORMALIZER_INVALID', retriable: false },
  /**
   * Redis holds no state for a comparison whose consumer group has committed offsets (Redis was
   * restarted without persistence, flushed, or failed over): continuing would turn the lost
   * parked records into false missing_* verdicts. See docs/guarantees.md for the recovery.
   */
  STATE_LOST: { code: 'SHADOWDIFF_ERR_JOINER_STATE_LOST', retriable: false },
  /** HTTP 404 from the joiner's small server (it serves /metrics and /healthz only). */
  NOT_FOUND: { code: 'SHADOWDIFF_ERR_NOT_FOUND', retriable: false, status: 404 },
});

export class JoinerError extends ShadowdiffError {}
