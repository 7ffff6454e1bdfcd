/**
 * `shadowdiff suggest <comparison>`: the comparison rules that would absorb what is likely noise
 * (generated ids, timestamps stamped while processing) and the classes a rule can absorb (float
 * noise, rounding, order only), as YAML to merge into the comparison's `compare` section, each
 * with why and how many discrepancies it absorbs; or the API's answer as JSON.
 */
import { comparisonApi } from './api-client.ts';
import { CliError, CliErrorCode } from './errors.ts';
import { safe, safeDeep, safeJson } from './report-render.ts';

export interface SuggestOptions {
  readonly api: string;
  readonly token?: string;
  readonly format: 'yaml' | 'json';
}

interface Suggestions {
  comparison: string;
  pairs: number;
  discrepancies: number;
  suggestions: { rule: string; path: string; yaml: string; because: string; differences: number }[];
  yaml: string;
  resolvedByAll: number;
  noise: { path: string; share: number; reason: string }[];
}

/** A count as the API gave it: a number shown as one, anything else (a hostile or broken API) as a dash. */
const n = (x: unknown) => (typeof x === 'number' && Number.isFinite(x) ? x.toLocaleString('en-US') : '–');

/** Every string of the answer escaped first (safeDeep), so no field can end a comment line or reach the terminal raw. */
export function renderSuggestions(given: Suggestions): string {
  // The YAML's own line breaks are kept; each of its lines is escaped like the rest.
  const yaml = String(given.yaml ?? '').split('\n').filter((line) => line !== '').map(safe);
  const s = safeDeep(given);
  const lines = [`# shadowdiff suggest ${safe(s.comparison)}: ${s.suggestions.length} rule(s), from ${n(s.discrepancies)} discrepancies and ${n(s.pairs)} pairs.`];
  if (s.noise.length > 0) {
    lines.push('# Likely noise (generated values that differ in most pairs):');
    for (const f of s.noise) lines.push(`#   ${safe(f.reason)}`);
  }
  if (s.suggestions.length === 0) {
    lines.push('# No rule to suggest: what differs needs a fix, not a rule (see shadowdiff report, or GET …/classes).');
    return `${lines.join('\n')}\n`;
  }
  lines.push('# Each rule, and why:');
  for (const r of s.suggestions) lines.push(`#   ${safe(r.rule)} ${safe(r.path)}: ${safe(r.because)} (${n(r.differences)} discrepancies)`);
  lines.push(
    `# Together they would turn ${n(s.resolvedByAll)} of ${n(s.discrepancies)} discrepancies into matches.`,
    '# Check each before merging it into the comparison: a rule hides every difference it absorbs, a bug\'s too.',
  );
  lines.push(...yaml);
  return `${lines.join('\n')}\n`;
}

/** Whether an answer has the shape renderSuggestions reads (a broken or hostile API may send anything). */
function isSuggestions(body: unknown): body is Suggestions {
  const b = body as Partial<Suggestions> | null;
  return (
    b !== null && typeof b === 'object' && typeof b.comparison === 'string' && typeof b.yaml === 'string' &&
    Array.isArray(b.suggestions) && b.suggestions.every((x) => x !== null && typeof x === 'object' && typeof x.rule === 'string' && typeof x.path === 'string' && typeof x.because === 'string') &&
    Array.isArray(b.noise) && b.noise.every((x) => x !== null && typeof x === 'object' && typeof x.reason === 'string')
  );
}

export async function runSuggest({ comparison, options }: { comparison: string; options: SuggestOptions }, out: (text: string) => void): Promise<number> {
  const body = await comparisonApi(options.api, comparison, options.token)<unknown>('/suggestions');
  if (!isSuggestions(body)) throw new CliError(CliErrorCode.API_ANSWER, `the API's answer to /suggestions is not one (is ${options.api} a shadowdiff API of this version?)`);
  out(options.format === 'json' ? `${safeJson(body, 2)}\n` : renderSuggestions(body));
  return 0;
}
