export { buildApi, type Api, type ApiOptions } from './build-api.ts';
export { ApiError, ApiErrorCode } from './errors.ts';
export { encodeCursor, decodeCursor } from './cursor.ts';
