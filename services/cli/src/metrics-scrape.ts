/**
 * Reads a service's /metrics (Prometheus text exposition format) once and answers questions about
 * one comparison's series. Written here: the format's sample lines are one regular grammar, and the
 * one npm parser for it (parse-prometheus-text-format) has not been released since 2020.
 */

export interface MetricSample {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
}

const SAMPLE = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)(?: \S+)?$/;
const LABEL = /([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g;
const unescape = (value: string) => value.replace(/\\(.)/g, (_, c: string) => (c === 'n' ? '\n' : c));

/** Every sample line of an exposition; comments and lines it cannot read are skipped. */
export function parseExposition(text: string): MetricSample[] {
  const samples: MetricSample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = SAMPLE.exec(line);
    if (match === null) continue;
    const labels: Record<string, string> = {};
    for (const [, name, value] of (match[2] ?? '').matchAll(LABEL)) labels[name!] = unescape(value!);
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** One scrape of a service's /metrics, within two seconds; an answer other than 200 holds no samples. */
export async function scrape(metricsUrl: string): Promise<MetricSample[]> {
  const response = await fetch(metricsUrl, { signal: AbortSignal.timeout(2000) });
  return response.ok ? parseExposition(await response.text()) : [];
}

/** A metric's series of one comparison, by the value of `label`: label value → value. */
export function byLabel(samples: readonly MetricSample[], metric: string, label: string, comparison: string): Map<string, number> {
  const values = new Map<string, number>();
  for (const s of samples) {
    const key = s.labels[label];
    if (s.name === metric && s.labels.comparison === comparison && key !== undefined) values.set(key, (values.get(key) ?? 0) + s.value);
  }
  return values;
}

/** The sum of a metric's series of one comparison, whatever their other labels. */
export function sumOf(samples: readonly MetricSample[], metric: string, comparison: string): number {
  return samples.filter((s) => s.name === metric && s.labels.comparison === comparison).reduce((n, s) => n + s.value, 0);
}

/** Whether the scrape has any series of the metric for the comparison. */
export function hasSeries(samples: readonly MetricSample[], metric: string, comparison: string): boolean {
  return samples.some((s) => s.name === metric && s.labels.comparison === comparison);
}
