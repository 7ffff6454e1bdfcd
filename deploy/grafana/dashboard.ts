/**
 * The Grafana dashboard for shadowdiff, built from code: `npx node deploy/grafana/dashboard.ts`
 * writes shadowdiff-dashboard.json beside it. test/deploy/grafana-dashboard.test.ts checks that
 * the committed JSON is what this builds, and that every query is valid PromQL on metrics the
 * joiner and the API expose.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

interface Target {
  readonly expr: string;
  readonly legendFormat?: string;
  readonly instant?: boolean;
}

interface Panel {
  readonly title: string;
  readonly description: string;
  readonly type: 'timeseries' | 'stat' | 'bargauge';
  readonly unit: string;
  readonly targets: readonly Target[];
  readonly w: number;
  readonly h: number;
  readonly thresholds?: readonly { readonly value: number | null; readonly color: string }[];
  readonly mappings?: readonly unknown[];
}

const c = 'comparison="$comparison"';

/** The panels, in reading order: the verdict first, then what explains it. */
export const PANELS: readonly Panel[] = [
  {
    title: 'Match rate',
    description: 'Matches among pairs (match + mismatch) over 5 minutes.',
    type: 'stat',
    unit: 'percentunit',
    w: 6,
    h: 6,
    targets: [{ expr: `sum(rate(shadowdiff_verdicts_total{${c},verdict="match"}[5m])) / sum(rate(shadowdiff_verdicts_total{${c},verdict=~"match|mismatch"}[5m]))` }],
    thresholds: [
      { value: null, color: 'red' },
      { value: 0.99, color: 'orange' },
      { value: 0.999, color: 'green' },
    ],
  },
  {
    title: 'Mode',
    description: "The comparison's migration mode.",
    type: 'stat',
    unit: 'none',
    w: 6,
    h: 6,
    targets: [{ expr: `max by (mode) (shadowdiff_mode{${c}}) == 1`, legendFormat: '{{mode}}', instant: true }],
  },
  {
    title: 'Outbox depth',
    description: 'Decisions in the outbox: decided, not yet acknowledged by Kafka.',
    type: 'stat',
    unit: 'short',
    w: 6,
    h: 6,
    targets: [{ expr: `sum(shadowdiff_outbox_entries{${c}})` }],
    thresholds: [
      { value: null, color: 'green' },
      { value: 1000, color: 'orange' },
    ],
  },
  {
    title: 'Pending records',
    description: 'Records parked in Redis waiting for their partner, per side.',
    type: 'stat',
    unit: 'short',
    w: 6,
    h: 6,
    targets: [{ expr: `sum by (side) (shadowdiff_pending_records{${c}})`, legendFormat: '{{side}}' }],
  },
  {
    title: 'Verdicts by kind',
    description: 'Verdicts per second, by kind (matches counted even when not emitted).',
    type: 'timeseries',
    unit: 'ops',
    w: 12,
    h: 8,
    targets: [{ expr: `sum by (verdict) (rate(shadowdiff_verdicts_total{${c}}[1m]))`, legendFormat: '{{verdict}}' }],
  },
  {
    title: 'Fields that differ most',
    description: 'Differences per field path over the dashboard range, the ten largest.',
    type: 'bargauge',
    unit: 'short',
    w: 12,
    h: 8,
    targets: [{ expr: `topk(10, sum by (path) (increase(shadowdiff_field_differences_total{${c}}[$__range])))`, legendFormat: '{{path}}', instant: true }],
  },
  {
    title: 'Stream-time lag per side',
    description: "Wall clock minus each side's stream time (its least advanced partition).",
    type: 'timeseries',
    unit: 's',
    w: 12,
    h: 8,
    targets: [{ expr: `max by (side) (shadowdiff_stream_time_lag_seconds{${c}})`, legendFormat: '{{side}}' }],
  },
  {
    title: 'Pair wait',
    description: 'How long the first record of a pair waited for the second (p50, p99).',
    type: 'timeseries',
    unit: 's',
    w: 12,
    h: 8,
    targets: [
      { expr: `histogram_quantile(0.5, sum by (le) (rate(shadowdiff_pair_wait_seconds_bucket{${c}}[5m])))`, legendFormat: 'p50' },
      { expr: `histogram_quantile(0.99, sum by (le) (rate(shadowdiff_pair_wait_seconds_bucket{${c}}[5m])))`, legendFormat: 'p99' },
    ],
  },
  {
    title: 'Latency delta (new − old)',
    description: "The new output's Kafka timestamp minus the old one's (negative: new was faster), p10, p50, p90.",
    type: 'timeseries',
    unit: 's',
    w: 12,
    h: 8,
    targets: [0.1, 0.5, 0.9].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(shadowdiff_latency_delta_seconds_bucket{${c}}[5m])))`, legendFormat: `p${q * 100}` })),
  },
  {
    title: 'Verdict latency',
    description: 'From reading the record that completed a decision to Kafka acknowledging its verdict (p50, p99).',
    type: 'timeseries',
    unit: 's',
    w: 12,
    h: 8,
    targets: [0.5, 0.99].map((q) => ({ expr: `histogram_quantile(${q}, sum by (le) (rate(shadowdiff_verdict_latency_seconds_bucket{${c}}[5m])))`, legendFormat: `p${q * 100}` })),
  },
];

/** Grafana's dashboard model (schemaVersion 39): a datasource and a comparison variable, then the panels on a 24-column grid. */
export function buildDashboard(): Record<string, unknown> {
  let x = 0;
  let y = 0;
  let rowHeight = 0;
  const panels = PANELS.map((panel, index) => {
    if (x + panel.w > 24) {
      x = 0;
      y += rowHeight;
      rowHeight = 0;
    }
    const gridPos = { x, y, w: panel.w, h: panel.h };
    x += panel.w;
    rowHeight = Math.max(rowHeight, panel.h);
    return {
      id: index + 1,
      type: panel.type,
      title: panel.title,
      description: panel.description,
      gridPos,
      datasource: { type: 'prometheus', uid: '${datasource}' },
      fieldConfig: {
        defaults: {
          unit: panel.unit,
          ...(panel.thresholds ? { thresholds: { mode: 'absolute', steps: panel.thresholds } } : {}),
        },
        overrides: [],
      },
      options: panel.type === 'stat' ? { reduceOptions: { calcs: ['lastNotNull'] }, textMode: panel.title === 'Mode' ? 'name' : 'auto' } : {},
      targets: panel.targets.map((t, i) => ({
        refId: String.fromCharCode(65 + i),
        datasource: { type: 'prometheus', uid: '${datasource}' },
        expr: t.expr,
        ...(t.legendFormat ? { legendFormat: t.legendFormat } : {}),
        ...(t.instant ? { instant: true, range: false } : {}),
      })),
    };
  });
  return {
    uid: 'shadowdiff',
    title: 'shadowdiff',
    description: 'A shadow comparison of two versions of a Kafka consumer: verdicts, what differs, and whether the joiner keeps up.',
    tags: ['shadowdiff', 'kafka'],
    schemaVersion: 39,
    version: 1,
    editable: true,
    time: { from: 'now-6h', to: 'now' },
    refresh: '30s',
    templating: {
      list: [
        { name: 'datasource', label: 'Prometheus', type: 'datasource', query: 'prometheus' },
        {
          name: 'comparison',
          label: 'Comparison',
          type: 'query',
          datasource: { type: 'prometheus', uid: '${datasource}' },
          query: { query: 'label_values(shadowdiff_verdicts_total, comparison)', refId: 'comparison' },
          definition: 'label_values(shadowdiff_verdicts_total, comparison)',
          refresh: 2,
        },
      ],
    },
    panels,
  };
}

export const DASHBOARD_FILE = join(import.meta.dirname, 'shadowdiff-dashboard.json');

if (import.meta.main) writeFileSync(DASHBOARD_FILE, `${JSON.stringify(buildDashboard(), null, 2)}\n`);
