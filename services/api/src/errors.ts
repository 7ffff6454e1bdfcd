import { ShadowdiffError } from '@shadowdiff/errors';

export const ApiErrorCode = {
  /** A parameter or body failed validation; the message says which and why. */
  BAD_REQUEST: 'SHADOWDIFF_ERR_API_BAD_REQUEST',
  /** No such comparison, verdict or route. */
  NOT_FOUND: 'SHADOWDIFF_ERR_API_NOT_FOUND',
  /** A bearer token is configured and the request did not carry it. */
  UNAUTHORIZED: 'SHADOWDIFF_ERR_API_UNAUTHORIZED',
  /** HTTP 409: not a step of the migration (without force), already in that mode, or a concurrent change won. */
  TRANSITION_REFUSED: 'SHADOWDIFF_ERR_API_TRANSITION_REFUSED',
  /** HTTP 409: a promotion whose readiness criteria fail (the body lists them). */
  NOT_READY: 'SHADOWDIFF_ERR_API_NOT_READY',
} as const;

const ERROR_NAMES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 409: 'Conflict', 500: 'Internal Server Error' };

/** An error the API answers with `{statusCode, code, error, message}`. */
export class ApiError extends ShadowdiffError {
  readonly statusCode: number;
  /** More to say than the message (e.g. the failing criteria of a refused promotion). */
  readonly details: Record<string, unknown> | undefined;

  constructor(statusCode: number, code: string, message: string, details?: Record<string, unknown>) {
    super(code, message);
    this.statusCode = statusCode;
    this.details = details;
  }

  toJSON() {
    return { statusCode: this.statusCode, code: this.code, error: ERROR_NAMES[this.statusCode] ?? 'Error', message: this.message, ...this.details };
  }
}

export const notFound = (what: string) => new ApiError(404, ApiErrorCode.NOT_FOUND, `${what} not found`);
