import type { FastifyInstance } from 'fastify';
import type { ClassAnalyses } from './class-analyses.ts';
import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';

/** Classes per comparison with series of their own; the others are summed under class="_other". */
export const CLASS_SERIES = 20;

/**
 * `shadowdiff_class_discrepancies{comparison,class,what}`: the discrepancies of each class since
 * the read model began (the read model's counts, as GET …/classes gives them), computed when
 * Prometheus scrapes. Bounded: CLASS_SERIES classes per comparison, the rest as `_other`;
 * `what` is the class's explanation, cut to 120 characters.
 */
export function registerClassMetrics(registry: Registry, comparisons: readonly string[], analyses: ClassAnalyses): void {
  new Gauge({
    name: 'shadowdiff_class_discrepancies',
    help: 'Discrepancies per discrepancy class since the read model began (the largest classes; the rest as class="_other").',
    labelNames: ['comparison', 'class', 'what'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const comparison of comparisons) {
        // Redis away: this comparison's classes are left out of the scrape, the other metrics stay.
        const analysis = await analyses.get(comparison).catch(() => null);
        if (analysis === null) continue;
        const { classes } = analysis;
        for (const c of classes.slice(0, CLASS_SERIES)) this.set({ comparison, class: c.id, what: c.explanation.slice(0, 120) }, c.count);
        const rest = classes.slice(CLASS_SERIES).reduce((sum, c) => sum + c.count, 0);
        if (classes.length > CLASS_SERIES) this.set({ comparison, class: '_other', what: `${classes.length - CLASS_SERIES} smaller classes` }, rest);
      }
    },
  });
}

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
