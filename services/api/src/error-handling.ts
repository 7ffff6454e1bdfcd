import { ShadowdiffError } from '@shadowdiff/errors';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import type { Logger } from 'pino';
import { ApiError, ApiErrorCode, codeForStatus, statusText } from './errors.ts';

// Every error the API answers has the shape {statusCode, code, error, message}: ours, the
// framework's own refusals, the router's, and even a request Node's HTTP parser refuses. The
// message is always ours: never a parser's text (which may quote the body), never a stack.

/** Our words for the framework's own refusals: never the parser's text, which may quote the body. */
function frameworkMessage(error: FastifyError, status: number): string {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return 'the body is larger than the API takes (16 KiB)';
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return 'the body must be application/json';
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return 'the body is empty; send a JSON object';
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return 'content-length does not match the body';
    default:
      if (error instanceof SyntaxError || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') return 'the body is not valid JSON (or holds a __proto__ or constructor key)';
      return status === 404 ? 'not found' : `the request was refused (${statusText(status)})`;
  }
}

function sendError(reply: FastifyReply, error: ApiError): void {
  if (error.statusCode === 429 || error.statusCode === 503) reply.header('retry-after', String(error.details?.retryAfterSeconds ?? 1));
  void reply.status(error.statusCode).type('application/json; charset=utf-8').send(error.toJSON());
}

/** Fastify's options for the errors raised before any handler runs. */
export const earlyErrorHandlers = {
  // Errors the router raises before any route runs (a malformed percent-encoding) answer like every other error.
  frameworkErrors: (error, request, reply) => {
    void request;
    sendError(reply, new ApiError(ApiErrorCode.BAD_REQUEST, error.code === 'FST_ERR_BAD_URL' ? 'the URL is not well-formed (bad percent-encoding)' : 'the request could not be routed'));
  },
  // A request Node's HTTP parser refuses (malformed, headers too large) never reaches Fastify.
  clientErrorHandler: (error: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const refused = new ApiError(error.code === 'HPE_HEADER_OVERFLOW' ? ApiErrorCode.HEADERS_TOO_LARGE : ApiErrorCode.BAD_REQUEST, 'the HTTP request could not be parsed');
    const body = JSON.stringify(refused.toJSON());
    const status = refused.statusCode;
    socket.end(`HTTP/1.1 ${status} ${statusText(status)}\r\nconnection: close\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\n\r\n${body}`);
  },
} satisfies Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'>;

/** The error and not-found handlers: a failure of a backend is 503 (retry), a fault of ours 500 with the request id. */
export function registerErrorHandlers(app: FastifyInstance, logger: Logger): void {
  app.setErrorHandler((error: FastifyError | ApiError | Error, request, reply) => {
    if (error instanceof ApiError) return sendError(reply, error);
    const fastifyError = error as FastifyError;
    if (fastifyError.validation) {
      const message = `${fastifyError.validationContext ?? 'request'}${fastifyError.message.replace(/^[a-z]+/, '')}`;
      return sendError(reply, new ApiError(ApiErrorCode.BAD_REQUEST, message));
    }
    const status = fastifyError.statusCode ?? 500;
    if (status >= 400 && status < 500) {
      // The framework's own refusals (FST_ERR_CTP_*, a JSON syntax error): a documented code and
      // a message of ours, never the parser's text (which may quote the body).
      return sendError(reply, new ApiError(codeForStatus(status), frameworkMessage(fastifyError, status)));
    }
    if (error instanceof ShadowdiffError && error.retriable) {
      logger.warn({ err: error, reqId: request.id }, 'request failed: a backend is unavailable');
      return sendError(reply, new ApiError(ApiErrorCode.UNAVAILABLE, `a backend is unavailable; retry (request ${request.id})`));
    }
    logger.error({ err: error, reqId: request.id }, 'request failed');
    return sendError(reply, new ApiError(ApiErrorCode.INTERNAL, `internal error; the API's log has the details (request ${request.id})`));
  });
  app.setNotFoundHandler((request, reply) => {
    const target = request.url.length > 200 ? `${request.url.slice(0, 200)}…` : request.url;
    sendError(reply, new ApiError(ApiErrorCode.NOT_FOUND, `${request.method} ${target} is not a route`));
  });
}
