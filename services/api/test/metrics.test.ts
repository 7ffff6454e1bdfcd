import { describe, expect, it } from 'vitest';
import { createApiMetrics } from '../src/metrics.ts';

describe('API metrics', () => {
  it("each configured comparison's counters exist at 0 from the start, so that increase() sees the first rollback", async () => {
    const text = await createApiMetrics(['orders']).registry.metrics();
    for (const name of ['shadowdiff_mode_rollbacks_total', 'shadowdiff_api_verdicts_ingested_total', 'shadowdiff_api_verdicts_skipped_total']) {
      expect(text).toContain(`${name}{comparison="orders"} 0`);
    }
  });
});
