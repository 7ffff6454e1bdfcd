import { createJoinerMetrics } from '@shadowdiff/metrics';
import { describe, expect, it } from 'vitest';
import { createJoinerEvents } from '../src/events.ts';
import { instrumentMetrics } from '../src/instrumentation.ts';

describe('joiner metrics from events', () => {
  it("a comparison's dead-letter counter exists at 0 from the start, so that increase() sees the first dead letter", async () => {
    const events = createJoinerEvents();
    const metrics = createJoinerMetrics({ defaultMetrics: false });
    instrumentMetrics(events, metrics);
    expect(await metrics.registry.metrics()).not.toContain('shadowdiff_verdicts_dead_lettered_total{');
    events.emit('joiner.started', { comparisons: ['orders', 'payments'], groupId: 'g' });
    const text = await metrics.registry.metrics();
    expect(text).toContain('shadowdiff_verdicts_dead_lettered_total{comparison="orders"} 0');
    expect(text).toContain('shadowdiff_verdicts_dead_lettered_total{comparison="payments"} 0');
    expect(text).toContain('shadowdiff_redis_replication_shortfalls_total{comparison="orders"} 0');
    events.emit('joiner.replication_shortfall', { comparison: 'orders', wanted: 1, acknowledged: 0 });
    expect(await metrics.registry.metrics()).toContain('shadowdiff_redis_replication_shortfalls_total{comparison="orders"} 1');
    events.emit('joiner.verdict_dead_lettered', { comparison: 'orders' } as never);
    expect(await metrics.registry.metrics()).toContain('shadowdiff_verdicts_dead_lettered_total{comparison="orders"} 1');
  });

  it('exports when the store was sampled: the moment its reads began', async () => {
    const events = createJoinerEvents();
    const metrics = createJoinerMetrics({ defaultMetrics: false });
    instrumentMetrics(events, metrics);
    events.emit('joiner.store_sampled', { comparison: 'orders', pending: { old: 2, new: 0 }, streamTimes: { old: null, new: null }, outbox: 1, at: 1_700_000_000_500 });
    const text = await metrics.registry.metrics();
    expect(text).toContain('shadowdiff_store_sample_timestamp_seconds{comparison="orders"} 1700000000.5');
    expect(text).toContain('shadowdiff_outbox_entries{comparison="orders"} 1');
  });
});
