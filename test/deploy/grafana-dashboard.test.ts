import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool } from '@shadowdiff/testing';
import { describe, expect, it } from 'vitest';
import { DASHBOARD_FILE, buildDashboard } from '../../deploy/grafana/dashboard.ts';

interface Panel {
  id: number;
  title: string;
  gridPos: { x: number; y: number; w: number; h: number };
  targets: { expr: string }[];
}
const dashboard = buildDashboard() as { panels: Panel[]; templating: { list: { name: string }[] } };
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

describe('the Grafana dashboard (deploy/grafana)', () => {
  it('is committed as the code builds it (npx node deploy/grafana/dashboard.ts)', () => {
    expect(JSON.parse(readFileSync(DASHBOARD_FILE, 'utf8'))).toEqual(JSON.parse(JSON.stringify(dashboard)));
  });

  it('shows what an on-call engineer reads, each panel in its own place on the 24-column grid', () => {
    const titles = dashboard.panels.map((p) => p.title);
    for (const wanted of ['Match rate', 'Verdicts by kind', 'Fields that differ most', 'Pending records', 'Stream-time lag per side', 'Pair wait', 'Latency delta (new − old)', 'Outbox depth', 'Mode']) {
      expect(titles).toContain(wanted);
    }
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    const cells = new Set<string>();
    for (const { gridPos: g, title } of dashboard.panels) {
      expect(g.x + g.w, title).toBeLessThanOrEqual(24);
      for (let x = g.x; x < g.x + g.w; x += 1) {
        for (let y = g.y; y < g.y + g.h; y += 1) {
          expect(cells.has(`${x},${y}`), `${title} overlaps another panel`).toBe(false);
          cells.add(`${x},${y}`);
        }
      }
    }
    expect(dashboard.templating.list.map((v) => v.name)).toEqual(['datasource', 'comparison']);
  });

  it('queries only metrics the joiner and the API expose, in valid PromQL', () => {
    const documented = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'operations.md'), 'utf8');
    for (const metric of new Set(exprs.flatMap((e) => [...e.matchAll(/\b(shadowdiff_[a-z_]+?)(?:_bucket)?\b/g)].map((m) => m[1]!)))) {
      expect(documented, metric).toContain(`\`${metric}\``);
    }
    // promtool parses each query as a recording rule, with Grafana's variables filled in.
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-grafana-'));
    const rules = exprs.map((e, i) => `      - record: panel_query_${i}\n        expr: ${JSON.stringify(e.replaceAll('$comparison', 'orders').replaceAll('$__range', '1h'))}`);
    writeFileSync(join(dir, 'queries.yml'), `groups:\n  - name: dashboard\n    rules:\n${rules.join('\n')}\n`);
    const run = spawnSync(requireTool('promtool'), ['check', 'rules', join(dir, 'queries.yml')], { encoding: 'utf8' });
    expect(run.status, `${run.stdout}${run.stderr}`).toBe(0);
    expect(run.stdout).toContain(`SUCCESS: ${exprs.length} rules found`);
  });
});
