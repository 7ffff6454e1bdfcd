/**
 * How a report reads: a table for a terminal (colours only on a terminal), Markdown for a
 * pull-request comment, JSON for a program.
 */
import pc from 'picocolors';

export interface Report {
  readonly comparison: string;
  readonly since: string;
  readonly until: string;
  readonly total: number;
  readonly counts: Readonly<Record<string, number>>;
  readonly pairs: number;
  readonly rates: Readonly<Record<'match_rate' | 'mismatch_rate' | 'missing_rate', number | null>>;
  /** The match rate's two-sided 95 % Wilson interval. */
  readonly matchRateInterval: { readonly low: number; readonly high: number } | null;
  /** The fields that differ most in the range. */
  readonly fields: readonly { readonly path: string; readonly count: number; readonly share: number }[];
  /** False when the range held more discrepancies than the API counts in one request: the fields are of its newest. */
  readonly fieldsComplete: boolean;
  /** The discrepancy classes (all time: the read model's counts), most frequent first, at most ten. */
  readonly classes: readonly ReportClass[];
  readonly examples: readonly { readonly pairId: string; readonly key: string | null; readonly verdict: string; readonly decidedAt: string; readonly paths: readonly string[] }[];
  readonly readiness: {
    readonly ready: boolean;
    readonly promotion: string | null;
    readonly criteria: readonly { readonly name: string; readonly limit: number; readonly value: number | null; readonly upperBound?: number | null; readonly pass: boolean }[];
  };
  readonly conditions: readonly { readonly condition: string; readonly holds: boolean; readonly value: number | boolean | null }[];
}

export interface ReportClass {
  readonly id: string;
  readonly count: number;
  readonly share: number;
  readonly trend: string;
  readonly explanation: string;
  readonly causes: readonly { readonly statement: string; readonly classShare: number; readonly baselineShare: number }[];
}

/** A class's likely cause with its evidence, or '' when none was found (the report's and the demo's). */
export function causeOf(c: Pick<ReportClass, 'causes'>): string {
  const cause = c.causes[0];
  return cause ? `${cause.statement} (${Math.round(cause.classShare * 100)}% of the class, ${Math.round(cause.baselineShare * 100)}% of matches)` : '';
}

/**
 * Characters a terminal or a viewer would obey rather than show: C0 and C1 controls (an escape
 * sequence in a key could rewrite the screen), the bidirectional overrides and isolates (they
 * reorder what is shown: "Trojan Source"), and the line and paragraph separators.
 */
// eslint-disable-next-line no-control-regex -- the point is to find them
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
// The same, less what JSON.stringify escapes itself.
const UNSAFE_IN_JSON = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;
const escaped = (ch: string) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`;

/** Text from the verdicts or the API (keys, paths, names) as it may be shown: what a terminal would obey, as \u escapes. */
export function safe(text: string): string {
  return text.replace(UNSAFE, escaped);
}

/** JSON for a terminal or a pipe: the same characters as \u escapes, still the same JSON. */
export function safeJson(value: unknown, indent?: number): string {
  return JSON.stringify(value, null, indent).replace(UNSAFE_IN_JSON, escaped);
}

/** Every string in `value`, made safe(): what the API answers is shown, never obeyed. */
export function safeDeep<T>(value: T): T {
  if (typeof value === 'string') return safe(value) as T;
  if (Array.isArray(value)) return value.map(safeDeep) as T;
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [safe(k), safeDeep(v)])) as T;
  return value;
}

const VERDICT_ORDER = ['match', 'mismatch', 'missing_old', 'missing_new', 'duplicate', 'late', 'invalid_old', 'invalid_new'];

export function percent(rate: number | null): string {
  if (rate === null) return '–';
  const p = rate * 100;
  return `${p === 0 || p === 100 ? p.toFixed(0) : p >= 99.9 || p < 0.1 ? p.toPrecision(3) : p.toFixed(2)}%`;
}

function number(value: unknown): string {
  if (value === null || value === undefined) return '–';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value !== 'number') return safe(String(value));
  return Number.isInteger(value) ? value.toLocaleString('en-US') : value.toPrecision(3);
}

function verdictRows(report: Report): [string, number][] {
  const kinds = [...VERDICT_ORDER.filter((k) => k in report.counts), ...Object.keys(report.counts).filter((k) => !VERDICT_ORDER.includes(k)).sort()];
  return kinds.map((k) => [k, report.counts[k]!]);
}

function interval(report: Report): string {
  const i = report.matchRateInterval;
  return i === null ? '' : ` (95% interval ${percent(i.low)} – ${percent(i.high)})`;
}

function table(given: Report, colour: boolean): string {
  const report = safeDeep(given);
  const c = pc.createColors(colour);
  const lines: string[] = [];
  lines.push(c.bold(`${safe(report.comparison)}: ${report.since} – ${report.until}`));
  lines.push(`  verdicts ${number(report.total)}, pairs ${number(report.pairs)}, match rate ${percent(report.rates.match_rate)}${interval(report)}`);
  for (const [kind, n] of verdictRows(report)) lines.push(`  ${kind.padEnd(12)} ${number(n).padStart(10)}`);
  if (report.fields.length > 0) {
    lines.push(c.bold(`fields that differ most${report.fieldsComplete ? '' : ' (in the newest 100,000 discrepancies of the range)'}`));
    for (const f of report.fields) lines.push(`  ${safe(f.path).padEnd(24)} ${number(f.count).padStart(8)}  ${percent(f.share)} of pairs`);
  }
  if (report.classes.length > 0) {
    lines.push(c.bold('discrepancy classes (all time; likely causes are hints, with their evidence)'));
    for (const k of report.classes) {
      lines.push(`  ${number(k.count).padStart(8)}  ${percent(k.share).padStart(6)}  ${k.trend.padEnd(7)}  ${safe(k.explanation)}  ${c.dim(k.id)}`);
      if (k.causes.length > 0) lines.push(`  ${' '.repeat(27)}likely cause: ${safe(causeOf(k))}`);
    }
  }
  if (report.examples.length > 0) {
    lines.push(c.bold('examples'));
    for (const e of report.examples) lines.push(`  ${e.verdict.padEnd(12)} key ${safe(e.key ?? '–')}  ${safe(e.paths.join(', '))}  ${c.dim(safe(e.pairId))}`);
  }
  if (report.readiness.promotion !== null) {
    lines.push(c.bold(`promotion to ${report.readiness.promotion}: ${report.readiness.ready ? c.green('ready') : c.red('not ready')}`));
    for (const k of report.readiness.criteria) {
      lines.push(`  ${k.pass ? c.green('pass') : c.red('FAIL')}  ${k.name.padEnd(20)} value ${number(k.value)}${k.upperBound !== undefined ? ` (upper bound ${number(k.upperBound)})` : ''}, limit ${number(k.limit)}`);
    }
  }
  for (const j of report.conditions) lines.push(`${j.holds ? c.red('HOLDS') : c.green('clear')}  --fail-on ${j.condition}: ${number(j.value)}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Markdown text: the characters that would format or break a table are escaped, and what GitHub
 * would turn into a mention (`@team`) or an autolink (`https://…`, `www.…`) is broken with a
 * zero-width space (U+200B), so that a report posted as a pull-request comment notifies no one
 * and links nowhere (an escape or an HTML entity would not do: GitHub finds mentions in the
 * rendered text).
 */
const ZWSP = '\u200b';
const md = (text: string) =>
  safe(text)
    .replace(/([\\`*_{}[\]<>|#~])/g, '\\$1')
    .replace(/@/g, `@${ZWSP}`)
    .replace(/:\/\//g, `${ZWSP}://`)
    .replace(/\bwww\./gi, (w) => `${w.slice(0, 3)}${ZWSP}.`);
/** A code span when the text cannot end one or break the table, else escaped text. */
const mdCode = (text: string) => (/^[^`|\\]*$/.test(text) && safe(text) === text ? `\`${text}\`` : md(text));

function markdown(given: Report): string {
  const report = safeDeep(given);
  const lines: string[] = [];
  lines.push(`### shadowdiff: ${md(report.comparison)}`, '');
  lines.push(`${md(report.since)} – ${md(report.until)}: **${number(report.total)}** verdicts, **${number(report.pairs)}** pairs, match rate **${percent(report.rates.match_rate)}**${interval(report)}`, '');
  lines.push('| verdict | count |', '|---|---:|');
  for (const [kind, n] of verdictRows(report)) lines.push(`| ${md(kind)} | ${number(n)} |`);
  if (report.fields.length > 0) {
    lines.push('', `**Fields that differ most**${report.fieldsComplete ? '' : ' (in the newest 100,000 discrepancies of the range)'}`, '', '| field | verdicts | share of pairs |', '|---|---:|---:|');
    for (const f of report.fields) lines.push(`| ${md(f.path)} | ${number(f.count)} | ${percent(f.share)} |`);
  }
  if (report.classes.length > 0) {
    lines.push('', '**Discrepancy classes** (all time; likely causes are hints, with their evidence)', '', '| discrepancies | share | trend | what | likely cause |', '|---:|---:|---|---|---|');
    for (const k of report.classes) lines.push(`| ${number(k.count)} | ${percent(k.share)} | ${md(k.trend)} | ${md(k.explanation)} | ${md(causeOf(k))} |`);
  }
  if (report.examples.length > 0) {
    lines.push('', '**Examples**', '', '| verdict | key | fields | pairId |', '|---|---|---|---|');
    for (const e of report.examples) lines.push(`| ${md(e.verdict)} | ${md(e.key ?? '–')} | ${md(e.paths.join(', '))} | ${md(e.pairId)} |`);
  }
  if (report.readiness.promotion !== null) {
    lines.push('', `**Promotion to ${md(report.readiness.promotion)}: ${report.readiness.ready ? 'ready' : 'not ready'}**`, '', '| criterion | value | limit | |', '|---|---:|---:|---|');
    for (const k of report.readiness.criteria) lines.push(`| ${md(k.name)} | ${number(k.value)} | ${number(k.limit)} | ${k.pass ? 'pass' : '**fail**'} |`);
  }
  if (report.conditions.length > 0) {
    lines.push('', '| --fail-on | value | |', '|---|---:|---|');
    for (const j of report.conditions) lines.push(`| ${mdCode(j.condition)} | ${number(j.value)} | ${j.holds ? '**holds**' : 'clear'} |`);
  }
  return `${lines.join('\n')}\n`;
}

export function renderReport(report: Report, format: 'table' | 'json' | 'markdown', colour = process.stdout.isTTY === true && !('NO_COLOR' in process.env)): string {
  if (format === 'json') return `${safeJson(report, 2)}\n`;
  if (format === 'markdown') return markdown(report);
  return table(report, colour);
}
