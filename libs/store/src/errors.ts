import { ShadowdiffError } from '@shadowdiff/errors';

export const StoreErrorCode = {
  /** Redis did not answer or refused the command; the caller may retry. */
  UNAVAILABLE: 'SHADOWDIFF_ERR_STORE_UNAVAILABLE',
  /** A Lua script raised an error: a bug or a key of the wrong type, never retried. */
  SCRIPT: 'SHADOWDIFF_ERR_STORE_SCRIPT',
} as const;
export type StoreErrorCode = (typeof StoreErrorCode)[keyof typeof StoreErrorCode];

export class StoreError extends ShadowdiffError {}

/** Wraps what ioredis threw into a typed error: script errors are final, the rest retriable. */
export function toStoreError(operation: string, error: unknown): StoreError {
  const message = error instanceof Error ? error.message : String(error);
  const script = error instanceof Error && error.name === 'ReplyError' && /script|ERR Error running/i.test(message);
  return new StoreError(
    script ? StoreErrorCode.SCRIPT : StoreErrorCode.UNAVAILABLE,
    `${operation} failed: ${message}`,
    { retriable: !script, cause: error },
  );
}
