import type { FastifyInstance } from 'fastify';
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The API's own metrics, on a registry of its own (with the process's default metrics). The
 * counters of each configured comparison start at 0: a rule on `increase()` sees the first
 * rollback, which it would miss were the series born with it.
 */
export function createApiMetrics(comparisons: readonly string[] = []) {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const ingested = new Counter({
    name: 'shadowdiff_api_verdicts_ingested_total',
    help: 'Verdicts added to the read model (each pairId once).',
    labelNames: ['comparison'] as const,
    registers: [registry],
  });
  const rollbacks = new Counter({
    name: 'shadowdiff_mode_rollbacks_total',
    help: 'Automatic rollbacks from reverse_shadow to shadow.',
    labelNames: ['comparison'] as const,
    registers: [registry],
  });
  const skipped = new Counter({
    name: 'shadowdiff_api_verdicts_skipped_total',
    help: 'Records on the verdict topics that are not valid verdicts, skipped.',
    labelNames: ['comparison'] as const,
    registers: [registry],
  });
  for (const comparison of comparisons) for (const counter of [ingested, rollbacks, skipped]) counter.inc({ comparison }, 0);
  return { registry, ingested, rollbacks, skipped };
}

/** /metrics: counts and latencies, no payloads; a Prometheus scrape sends a read token when reads are protected. */
export function registerMetricsRoute(app: FastifyInstance, registry: Registry): void {
  app.get('/metrics', { schema: { hide: true }, config: { access: 'read' } }, async (_request, reply) => reply.type(registry.contentType).send(await registry.metrics()));
}
