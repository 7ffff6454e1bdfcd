import { ShadowdiffError, defineErrorCodes, httpStatusOfCode } from '@shadowdiff/errors';

export const ApiErrorCode = defineErrorCodes({
  /** A parameter or body failed validation; the message says which and why. */
  BAD_REQUEST: { code: 'SHADOWDIFF_ERR_API_BAD_REQUEST', retriable: false, status: 400 },
  /** No such comparison, verdict or route. */
  NOT_FOUND: { code: 'SHADOWDIFF_ERR_API_NOT_FOUND', retriable: false, status: 404 },
  /** HTTP 401: tokens are configured and the request carried none of them. */
  UNAUTHORIZED: { code: 'SHADOWDIFF_ERR_API_UNAUTHORIZED', retriable: false, status: 401 },
  /** HTTP 403: the token is valid but its role may not do this (a read token changing the mode). */
  FORBIDDEN: { code: 'SHADOWDIFF_ERR_API_FORBIDDEN', retriable: false, status: 403 },
  /** HTTP 403: the Host header is not one the API serves (DNS rebinding). */
  HOST_NOT_ALLOWED: { code: 'SHADOWDIFF_ERR_API_HOST_NOT_ALLOWED', retriable: false, status: 403 },
  /** HTTP 405: the route exists, not with this method. */
  METHOD_NOT_ALLOWED: { code: 'SHADOWDIFF_ERR_API_METHOD_NOT_ALLOWED', retriable: false, status: 405 },
  /** HTTP 413: the body is larger than the API takes. */
  BODY_TOO_LARGE: { code: 'SHADOWDIFF_ERR_API_BODY_TOO_LARGE', retriable: false, status: 413 },
  /** HTTP 415: a body of a type other than application/json. */
  UNSUPPORTED_MEDIA_TYPE: { code: 'SHADOWDIFF_ERR_API_UNSUPPORTED_MEDIA_TYPE', retriable: false, status: 415 },
  /** HTTP 431: request headers too large. */
  HEADERS_TOO_LARGE: { code: 'SHADOWDIFF_ERR_API_HEADERS_TOO_LARGE', retriable: false, status: 431 },
  /** HTTP 429: this client sent more expensive reads than api.rateLimit allows; see retry-after. */
  RATE_LIMITED: { code: 'SHADOWDIFF_ERR_API_RATE_LIMITED', retriable: true, status: 429 },
  /** HTTP 503: Redis (or Kafka) did not answer; nothing was changed. */
  UNAVAILABLE: { code: 'SHADOWDIFF_ERR_API_UNAVAILABLE', retriable: true, status: 503 },
  /** HTTP 500: a fault of the API itself; the body carries the request id, the log the details. */
  INTERNAL: { code: 'SHADOWDIFF_ERR_API_INTERNAL', retriable: false, status: 500 },
  /** HTTP 409: not a step of the migration (without force), already in that mode, or a concurrent change won. */
  TRANSITION_REFUSED: { code: 'SHADOWDIFF_ERR_API_TRANSITION_REFUSED', retriable: false, status: 409 },
  /** HTTP 409: a promotion whose readiness criteria fail (the body lists them). */
  NOT_READY: { code: 'SHADOWDIFF_ERR_API_NOT_READY', retriable: false, status: 409 },
});

const ERROR_NAMES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  431: 'Request Header Fields Too Large',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** Each status to the first code declared with it (403: FORBIDDEN before HOST_NOT_ALLOWED). */
const BY_STATUS = new Map<number, ApiErrorCode>();
for (const code of Object.values(ApiErrorCode)) {
  const status = httpStatusOfCode(code);
  if (status !== undefined && !BY_STATUS.has(status)) BY_STATUS.set(status, code);
}

/**
 * The documented code of an HTTP status the framework (or Node's HTTP parser) answers with on its
 * own; a 4xx without a code of its own is a bad request (400), a 5xx an internal error.
 */
export function codeForStatus(status: number): ApiErrorCode {
  return BY_STATUS.get(status) ?? (status >= 500 ? ApiErrorCode.INTERNAL : ApiErrorCode.BAD_REQUEST);
}

export function statusText(status: number): string {
  return ERROR_NAMES[status] ?? (status >= 500 ? 'Server Error' : 'Bad Request');
}

/** The API's codes. */
export type ApiErrorCode = (typeof ApiErrorCode)[keyof typeof ApiErrorCode];

/** An error the API answers with `{statusCode, code, error, message}`; its status is its code's (declared above). */
export class ApiError extends ShadowdiffError {
  readonly statusCode: number;
  /** More to say than the message (e.g. the failing criteria of a refused promotion). */
  readonly details: Record<string, unknown> | undefined;

  constructor(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
    super(code, message);
    this.statusCode = httpStatusOfCode(code) ?? 500;
    this.details = details;
  }

  toJSON() {
    return { statusCode: this.statusCode, code: this.code, error: statusText(this.statusCode), message: this.message, ...this.details };
  }
}

export const notFound = (what: string) => new ApiError(ApiErrorCode.NOT_FOUND, `${what} not found`);
