import { ShadowdiffError, causeChain, defineErrorCodes } from '@shadowdiff/errors';

export const StoreErrorCode = defineErrorCodes({
  /** Redis did not answer or refused the command; the caller may retry. */
  UNAVAILABLE: { code: 'SHADOWDIFF_ERR_STORE_UNAVAILABLE', retriable: true },
  /** A Lua script raised an error: a bug or a key of the wrong type, never retried. */
  SCRIPT: { code: 'SHADOWDIFF_ERR_STORE_SCRIPT', retriable: false },
  /**
   * Redis no longer holds the state this instance built (restarted without persistence, flushed,
   * failed over to a replica that lagged): its epoch key is gone or changed. Not retriable as is.
   */
  STATE_LOST: { code: 'SHADOWDIFF_ERR_STORE_STATE_LOST', retriable: false },
  /** A mode change lost a race: the mode was not (or no longer) the one the caller saw. */
  MODE_CONFLICT: { code: 'SHADOWDIFF_ERR_STORE_MODE_CONFLICT', retriable: false },
  /**
   * A segment does not follow what the store applied of its partition; nothing was written. A
   * caller that drops what it queued behind a failed call never sends one: Redis went back.
   */
  GAP: { code: 'SHADOWDIFF_ERR_STORE_GAP', retriable: false },
  /**
   * Redis refused a command or a key to this ACL user (NOPERM): a grant is missing. Never
   * retried; the message names the command or key Redis named and where to read the grants.
   */
  NOPERM: { code: 'SHADOWDIFF_ERR_STORE_NOPERM', retriable: false },
  /** Redis refused the username or password (WRONGPASS, NOAUTH) at connection: not retried; the service does not start. */
  AUTH_FAILED: { code: 'SHADOWDIFF_ERR_STORE_AUTH_FAILED', retriable: false },
  /** Redis's certificate is not trusted (or not for that host) at connection: not retried; the service does not start. */
  TLS_FAILED: { code: 'SHADOWDIFF_ERR_STORE_TLS_FAILED', retriable: false },
  /** The store was used against its contract (apply before openEpoch, a script that does not exist or takes other keys): a bug in the caller. */
  MISUSE: { code: 'SHADOWDIFF_ERR_STORE_MISUSE', retriable: false },
});

/** Negative codes the Lua scripts return, one enum for all of them. */
export const ScriptCode = {
  STATE_LOST: -1,
  MODE_CONFLICT: -2,
  /** applyRecords needs a blob the caller left out (a pair hint did not hold); nothing was written. */
  NEED_BLOBS: -3,
  /** applyPredicted found a prediction that does not hold; nothing was written, applyRecords decides. */
  NEED_GENERAL: -4,
  /** A segment does not follow what was applied of its partition; nothing was written. */
  GAP: -5,
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends ShadowdiffError {}

export function isStoreError(error: unknown): error is StoreError {
  return error instanceof StoreError;
}

/** Turns a script's negative reply code into its typed error. */
export function scriptCodeError(operation: string, code: number): StoreError {
  if (code === ScriptCode.STATE_LOST) {
    return new StoreError(StoreErrorCode.STATE_LOST, `${operation}: Redis no longer holds this comparison's state (epoch changed or missing)`);
  }
  if (code === ScriptCode.GAP) {
    return new StoreError(StoreErrorCode.GAP, `${operation}: a segment does not follow the applied offset of its partition; nothing was written`);
  }
  return new StoreError(StoreErrorCode.SCRIPT, `${operation}: unknown script code ${code}`);
}

/**
 * Redis's answers that say it cannot take the command now, not that the command is wrong: out of
 * memory under `noeviction` (OOM), a replica or a failed-over primary (READONLY), loading its data
 * set (LOADING), a script running too long (BUSY), no primary or quorum (MASTERDOWN, CLUSTERDOWN,
 * TRYAGAIN, NOREPLICAS), a failed snapshot with stop-writes-on-bgsave-error (MISCONF). A script
 * that hits one of them mid-way says so with the same code.
 */
const UNAVAILABLE_REPLIES = /^(OOM|READONLY|LOADING|BUSY|MASTERDOWN|CLUSTERDOWN|TRYAGAIN|NOREPLICAS|MISCONF)\b/;

/**
 * How Redis says an ACL user may not: NOPERM for a command, a key or a channel (and, from 7.2 on,
 * inside scripts); Redis 7.0 says it of a script's call in words.
 */
const REFUSED = /NOPERM|The user executing the script can't (run this command|access)/;

/**
 * A NOPERM anywhere in an error's cause chain (a command, a key or a channel the ACL user may not
 * use, directly or from a script) as a non-retriable StoreError; undefined otherwise.
 */
export function noPermission(error: unknown, operation = 'a Redis command'): StoreError | undefined {
  for (const e of causeChain(error)) {
    if (e instanceof StoreError && e.code === StoreErrorCode.NOPERM) return e;
    const message = typeof e.message === 'string' ? e.message : '';
    const at = message.search(REFUSED);
    if (at >= 0) {
      return new StoreError(
        StoreErrorCode.NOPERM,
        `${operation}: Redis refused it to this ACL user (${message.slice(at, at + 200)}); grant what docs/security.md lists for this component (\`ACL LOG\` on the Redis names the command or key)`,
        { cause: error },
      );
    }
  }
  return undefined;
}

/** Wraps what ioredis threw into a typed error: script errors are final, the rest retriable. */
export function toStoreError(operation: string, error: unknown): StoreError {
  const refused = noPermission(error, operation);
  if (refused) return refused;
  const message = error instanceof Error ? error.message : String(error);
  const unavailable = UNAVAILABLE_REPLIES.test(message);
  const script = !unavailable && error instanceof Error && error.name === 'ReplyError' && /script|ERR Error running/i.test(message);
  const why = message.startsWith('OOM') ? 'Redis is full (maxmemory reached under noeviction: nothing is decided until it has room again): ' : '';
  return new StoreError(
    script ? StoreErrorCode.SCRIPT : StoreErrorCode.UNAVAILABLE,
    `${operation} failed: ${why}${message}`,
    { cause: error },
  );
}
