import { CliError, CliErrorCode } from './errors.ts';
import { MODES, isMode } from '@shadowdiff/vocabulary';
import type { Log } from './stack.ts';


interface Criterion {
  name: string;
  limit: number;
  value: number | null;
  upperBound?: number | null;
  pass: boolean;
}

function show(value: number | null | undefined): string {
  if (value === null || value === undefined) return '–';
  return Number.isInteger(value) ? String(value) : value.toPrecision(3);
}

/**
 * `shadowdiff mode <comparison>`: the mode and the readiness of the next promotion.
 * `shadowdiff mode <comparison> set <mode> --reason "…" [--force]`: changes it through the API,
 * so the same transition rules and readiness gate apply as for any other client.
 */
export interface ModeArgs {
  readonly comparison: string;
  /** `set`, or nothing to show the mode. */
  readonly verb: string | undefined;
  readonly mode: string | undefined;
  readonly reason?: string | undefined;
  readonly force: boolean;
  readonly api: string;
  readonly token?: string | undefined;
}

export async function runMode({ comparison, verb, mode, reason, force, api, token }: ModeArgs, log: Log): Promise<number> {
  const base = `${api}/api/v1/comparisons/${encodeURIComponent(comparison)}`;
  const headers: Record<string, string> = { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) };

  if (verb === undefined) {
    const [current, readiness] = await Promise.all([
      fetch(`${base}/mode`, { headers }).then((r) => r.json()) as Promise<{ mode: string; since: string | null; message?: string }>,
      fetch(`${base}/readiness`, { headers }).then((r) => r.json()) as Promise<{ ready: boolean; promotion: string | null; criteria: Criterion[] }>,
    ]);
    if (!current.mode) throw new CliError(CliErrorCode.API_ANSWER, current.message ?? 'the API did not answer with a mode');
    log(`${comparison}: ${current.mode}${current.since ? ` since ${current.since}` : ''}`);
    if (readiness.promotion) {
      log(`promotion to ${readiness.promotion}: ${readiness.ready ? 'ready' : 'not ready'}`);
      for (const c of readiness.criteria) {
        log(`  ${c.pass ? 'pass' : 'FAIL'}  ${c.name.padEnd(18)} value ${show(c.value)}${c.upperBound !== undefined ? ` (upper bound ${show(c.upperBound)})` : ''}, limit ${show(c.limit)}`);
      }
    }
    return 0;
  }
  if (verb !== 'set' || !mode || !isMode(mode)) throw new CliError(CliErrorCode.USAGE, `usage: shadowdiff mode <comparison> set <${MODES.join('|')}> --reason "…"`);
  if (!reason) throw new CliError(CliErrorCode.USAGE, '--reason is required: the history records why');
  const response = await fetch(`${base}/mode`, {
    method: 'PUT',
    headers,
    body: JSON.stringify({ mode, reason, force }),
  });
  const body = (await response.json()) as { mode?: string; message?: string; criteria?: Criterion[] };
  if (!response.ok) {
    log(`refused: ${body.message}`);
    for (const c of body.criteria?.filter((x) => !x.pass) ?? []) log(`  FAIL  ${c.name}: value ${show(c.value)}, limit ${show(c.limit)}`);
    return 1;
  }
  log(`${comparison}: now ${body.mode}`);
  return 0;
}
