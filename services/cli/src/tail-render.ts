/**
 * How `shadowdiff tail` shows a verdict: one line for what was decided, then the paths that
 * differ with the old and the new value side by side (the path coloured, old red, new green, on a
 * terminal). Values come from the traffic: what a terminal would obey is shown as escapes.
 */
import pc from 'picocolors';
import type { Verdict } from '@shadowdiff/vocabulary';
import { safe } from './report-render.ts';

const VALUE_WIDTH = 32;

function shown(value: unknown): string {
  if (value === undefined) return '(absent)';
  const text = safe(JSON.stringify(value) ?? 'null');
  return text.length > VALUE_WIDTH ? `${text.slice(0, VALUE_WIDTH - 1)}…` : text;
}

export function renderVerdict(verdict: Verdict, colour: boolean): string {
  const c = pc.createColors(colour);
  const kind = verdict.verdict === 'match' ? c.green(verdict.verdict) : verdict.verdict === 'mismatch' ? c.red(verdict.verdict) : c.yellow(verdict.verdict);
  const head = `${c.dim(safe(verdict.decidedAt))}  ${kind}  key ${c.bold(safe(verdict.key ?? '(none)'))}${verdict.reason ? `  reason ${safe(String(verdict.reason))}` : ''}  ${c.dim(safe(verdict.pairId))}`;
  const lines = [head];
  const width = Math.min(40, Math.max(4, ...verdict.differences.map((d) => safe(d.path || '(root)').length)));
  for (const d of verdict.differences) {
    const path = safe(d.path || '(root)');
    lines.push(`    ${c.cyan(path.padEnd(width))}  ${c.red(shown(d.old).padEnd(VALUE_WIDTH))}  →  ${c.green(shown(d.new))}${d.kind === 'changed' ? '' : c.dim(`  (${safe(String(d.kind))})`)}`);
  }
  if (verdict.truncated) lines.push(c.dim('    (values cut to fit the verdict topic; the API has the full verdict)'));
  return `${lines.join('\n')}\n`;
}

/** Whether a verdict passes the filters: any of the kinds, keys and paths given (a path matches itself and what lies under it). */
export function passes(verdict: Verdict, filters: { kinds: ReadonlySet<string>; keys: ReadonlySet<string>; paths: readonly string[] }): boolean {
  if (!filters.kinds.has(verdict.verdict)) return false;
  if (filters.keys.size > 0 && (verdict.key === null || !filters.keys.has(verdict.key))) return false;
  if (filters.paths.length === 0) return true;
  return verdict.differences.some((d) => filters.paths.some((p) => d.path === p || d.path.startsWith(`${p}.`) || d.path.startsWith(`${p}[`)));
}
