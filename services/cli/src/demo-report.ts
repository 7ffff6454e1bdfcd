import { byLabel, scrape } from './metrics-scrape.ts';
import { causeOf, safeDeep } from './report-render.ts';

/** verdict kind → count, as the joiner's /metrics reports them */
export type VerdictCounts = Map<string, number>;

/** The verdicts of one comparison counted so far, from the joiner's /metrics. */
export async function scrapeVerdicts(metricsUrl: string, comparison: string): Promise<VerdictCounts> {
  return byLabel(await scrape(metricsUrl), 'shadowdiff_verdicts_total', 'verdict', comparison);
}

const BAR = 30;

export function renderProgress(done: number, total: number, counts: VerdictCounts): string {
  const filled = Math.min(BAR, Math.round((done / total) * BAR));
  const parts = [...counts].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k} ${v}`);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR - filled)}] ${done}/${total} verdicts  ${parts.join('  ')}`;
}

export function renderSummary({
  run,
  comparison,
  counts,
  fields,
  brokers,
  configFile,
}: {
  run: string;
  comparison: string;
  counts: VerdictCounts;
  /** differing path → count */
  fields: Map<string, number>;
  brokers: string;
  configFile: string;
}): string {
  const topFields = [...fields].sort(([, a], [, b]) => b - a).slice(0, 5).map(([path, n]) => `  ${path.padEnd(22)} ${String(n).padStart(7)}`);
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const match = counts.get('match') ?? 0;
  const paired = match + (counts.get('mismatch') ?? 0);
  const rows = [...counts].sort(([, a], [, b]) => b - a).map(([k, v]) => `  ${k.padEnd(14)} ${String(v).padStart(7)}  ${((v / total) * 100).toFixed(1).padStart(5)}%`);
  return [
    '',
    `shadowdiff demo: ${comparison}`,
    `  verdicts       ${String(total).padStart(7)}`,
    ...rows,
    `  match rate of paired outputs: ${paired === 0 ? 'n/a' : `${((match / paired) * 100).toFixed(2)}%`}`,
    '',
    'fields that differ most',
    ...topFields,
    '',
    'The rewrite has three deliberate bugs: an unrounded subtotal on orders of three lines, gold',
    'customers without double points, and orders ending in 77 dropped. Look at them:',
    `  mismatches and missing: topic ${run}.${comparison}.mismatches on ${brokers}`,
    `  matches:                topic ${run}.${comparison}.matches`,
    `  the joiner's config:    ${configFile}`,
  ].join('\n');
}

/** A class as GET …/classes gives it (the parts the demo prints). */
export interface ShownClass {
  count: number;
  share: number;
  explanation: string;
  causes: { statement: string; classShare: number; baselineShare: number }[];
  suggestion?: { rule: string; path: string };
}

/** The demo's discrepancy classes: what differs, how, and what the records of each have in common. */
export function renderClasses(given: readonly ShownClass[]): string {
  const classes = safeDeep(given);
  const lines = ['', `what differs, in ${classes.length} class${classes.length === 1 ? '' : 'es'} (likely causes are hints, with their evidence)`];
  for (const c of classes) {
    lines.push(`  ${String(c.count).padStart(6)}  ${(c.share * 100).toFixed(1).padStart(5)}%  ${c.explanation}`);
    if (c.causes.length > 0) lines.push(`                  likely cause: ${causeOf(c)}`);
    if (c.suggestion) lines.push(`                  a rule would absorb it: ${c.suggestion.rule} ${c.suggestion.path} (see suggest)`);
  }
  return lines.join('\n');
}
