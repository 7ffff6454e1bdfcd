import { ShadowdiffError } from '@shadowdiff/errors';

export const ApiErrorCode = {
  /** A parameter or body failed validation; the message says which and why. */
  BAD_REQUEST: 'SHADOWDIFF_ERR_API_BAD_REQUEST',
  /** No such comparison, verdict or route. */
  NOT_FOUND: 'SHADOWDIFF_ERR_API_NOT_FOUND',
  /** A bearer token is configured and the request did not carry it. */
  UNAUTHORIZED: 'SHADOWDIFF_ERR_API_UNAUTHORIZED',
} as const;

const ERROR_NAMES: Record<number, string> = { 400: 'Bad Request', 401: 'Unauthorized', 404: 'Not Found', 500: 'Internal Server Error' };

/** An error the API answers with `{statusCode, code, error, message}`. */
export class ApiError extends ShadowdiffError {
  readonly statusCode: number;

  constructor(statusCode: number, code: string, message: string) {
    super(code, message);
    this.statusCode = statusCode;
  }

  toJSON() {
    return { statusCode: this.statusCode, code: this.code, error: ERROR_NAMES[this.statusCode] ?? 'Error', message: this.message };
  }
}

export const notFound = (what: string) => new ApiError(404, ApiErrorCode.NOT_FOUND, `${what} not found`);
