import { describe, expect, it } from 'vitest';
import { ApiError, ApiErrorCode, codeForStatus } from '../src/errors.ts';

describe("the API's errors", () => {
  it('answer with the status their code declares, whatever the throw site', () => {
    expect(new ApiError(ApiErrorCode.NOT_READY, 'x').statusCode).toBe(409);
    expect(new ApiError(ApiErrorCode.HOST_NOT_ALLOWED, 'x').toJSON()).toMatchObject({ statusCode: 403, error: 'Forbidden', code: ApiErrorCode.HOST_NOT_ALLOWED });
  });

  it("give the framework's own statuses the code of that status; any other 4xx is a bad request, any 5xx internal", () => {
    for (const status of [401, 403, 404, 405, 413, 415, 429, 431, 503]) expect(new ApiError(codeForStatus(status), 'x').statusCode, String(status)).toBe(status);
    expect(new ApiError(codeForStatus(406), 'x').statusCode).toBe(400);
    expect(new ApiError(codeForStatus(502), 'x').statusCode).toBe(500);
  });
});
