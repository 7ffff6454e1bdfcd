import type { Cursor } from '@shadowdiff/store';
import { ApiError, ApiErrorCode } from './errors.ts';

/** Opaque to clients: base64url of [decidedAt, pairId]. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify([cursor.at, cursor.pairId])).toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const [at, pairId] = JSON.parse(Buffer.from(text, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof at === 'number' && Number.isFinite(at) && typeof pairId === 'string') return { at, pairId };
  } catch {
    // fall through
  }
  throw new ApiError(ApiErrorCode.BAD_REQUEST, 'querystring/cursor is not a cursor this API returned');
}
