import { CliError, CliErrorCode } from './errors.ts';

/** How long each request to the API may take. */
export const API_TIMEOUT_MS = 15_000;

/**
 * A reader of one comparison's resources on the shadowdiff API: `get('/summary?…')` fetches
 * `<api>/api/v1/comparisons/<comparison>/summary?…` with the token, within API_TIMEOUT_MS, and
 * names what went wrong (no answer, a refusal with the API's message) as a CliError.
 */
export function comparisonApi(api: string, comparison: string, token?: string): <T>(path: string) => Promise<T> {
  const base = `${api.replace(/\/+$/, '')}/api/v1/comparisons/${encodeURIComponent(comparison)}`;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  return async <T>(path: string): Promise<T> => {
    const response = await fetch(`${base}${path}`, { headers, signal: AbortSignal.timeout(API_TIMEOUT_MS) }).catch((error: unknown) => {
      const why = error instanceof Error && error.name === 'TimeoutError' ? `no answer within ${API_TIMEOUT_MS / 1000}s` : error instanceof Error ? String((error.cause as Error | undefined)?.message ?? error.message) : String(error);
      throw new CliError(CliErrorCode.API_ANSWER, `could not ask the API at ${api} (${why})`);
    });
    const body = (await response.json().catch(() => null)) as (T & { message?: string; code?: string }) | null;
    if (!response.ok || body === null) {
      throw new CliError(CliErrorCode.API_ANSWER, `the API answered ${path.split('?')[0] || '/'} with ${response.status}${body?.message ? `: ${body.message}` : ''}`);
    }
    return body;
  };
}
