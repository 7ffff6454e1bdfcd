import { MODES } from '@shadowdiff/vocabulary';
import type { JoinerMetrics } from '@shadowdiff/metrics';
import type { Logger } from 'pino';
import type { JoinerEvents } from './events.ts';


/** Metrics follow the joiner's events; nothing in the pairing path touches prom-client. */
export function instrumentMetrics(events: JoinerEvents, metrics: JoinerMetrics): void {
  // Counters an alert reads with increase() start at 0: the first dead letter is then an increase.
  events.on('joiner.started', ({ comparisons }) => {
    for (const comparison of comparisons) {
      metrics.deadLettered.inc({ comparison }, 0);
      metrics.replicationShortfalls.inc({ comparison }, 0);
    }
  });
  events.on('joiner.batch_applied', ({ comparison, side, outcomes, redelivered }) => {
    for (const [outcome, count] of Object.entries(outcomes)) {
      if (count > 0) metrics.records.inc({ comparison, side, outcome }, count);
    }
    if (redelivered > 0) metrics.records.inc({ comparison, side, outcome: 'redelivered' }, redelivered);
  });
  events.on('joiner.verdict_published', ({ verdict, pairWaitMs, latencyMs }) => {
    const { comparison } = verdict;
    metrics.verdicts.inc({ comparison, verdict: verdict.verdict });
    metrics.verdictLatency.observe({ comparison }, latencyMs / 1000);
    for (const difference of verdict.differences) metrics.countFieldDifference(comparison, difference.path);
    if (pairWaitMs !== null) metrics.pairWait.observe({ comparison }, pairWaitMs / 1000);
    if (verdict.latencyDeltaMs !== null) metrics.latencyDelta.observe({ comparison }, verdict.latencyDeltaMs / 1000);
  });
  events.on('joiner.verdict_dead_lettered', ({ comparison }) => metrics.deadLettered.inc({ comparison }));
  events.on('joiner.replication_shortfall', ({ comparison }) => metrics.replicationShortfalls.inc({ comparison }));
  events.on('joiner.outbox_full', ({ comparison, full }) => metrics.readingPaused.set({ comparison, reason: 'outbox_full' }, full ? 1 : 0));
  events.on('joiner.store_sampled', ({ comparison, pending, streamTimes, outbox, at }) => {
    const now = Date.now();
    metrics.outboxEntries.set({ comparison }, outbox);
    metrics.storeSampledAt.set({ comparison }, at / 1000);
    for (const side of ['old', 'new'] as const) {
      metrics.pendingRecords.set({ comparison, side }, pending[side]);
      const time = streamTimes[side];
      if (time !== null) metrics.streamTimeLag.set({ comparison, side }, Math.max(0, (now - time) / 1000));
    }
  });
  events.on('joiner.mode_changed', ({ comparison, mode }) => {
    for (const m of MODES) metrics.mode.set({ comparison, mode: m }, m === mode ? 1 : 0);
  });
}

/** Logs follow the same events: one JSON line per event, with comparison and partition where they apply. */
export function instrumentLogs(events: JoinerEvents, logger: Logger): void {
  events.on('joiner.started', (e) => logger.info({ event: 'joiner.started', ...e }, 'joiner started'));
  events.on('joiner.batch_applied', (e) => logger.debug({ event: 'joiner.batch_applied', ...e }, 'batch applied'));
  events.on('joiner.outbox_reclaimed', (e) =>
    logger.warn({ event: 'joiner.outbox_reclaimed', ...e }, 'took over verdicts another publisher left in the outbox'),
  );
  events.on('joiner.outbox_full', (e) =>
    e.full
      ? logger.warn({ event: 'joiner.outbox_full', ...e }, `pausing reading: the outbox holds ${e.size} decisions, more than joiner.maxOutbox ${e.limit} (Kafka is not taking verdicts as fast as they are decided)`)
      : logger.info({ event: 'joiner.outbox_full', ...e }, `reading again: the outbox drained to ${e.size} decisions`),
  );
  events.on('joiner.verdict_dead_lettered', (e) =>
    logger.error({ event: 'joiner.verdict_dead_lettered', ...e }, `the broker refused a verdict for good; it is in the dead-letter list (${e.error})`),
  );
  events.on('joiner.mode_changed', (e) => logger.info({ event: 'joiner.mode_changed', ...e }, 'mode'));
  events.on('joiner.replication_shortfall', (e) =>
    logger.warn({ event: 'joiner.replication_shortfall', ...e }, `an apply reached ${e.acknowledged} of the ${e.wanted} Redis replicas redis.waitForReplicas asks for: a failover now may lose it (the joiner would stop)`),
  );
  events.on('joiner.error', ({ error, ...rest }) => logger.error({ event: 'joiner.error', ...rest, err: error }, error.message));
  events.on('joiner.flow_changed', (e) =>
    logger.info({ event: 'joiner.flow_changed', ...e }, e.paused ? `pausing the ${e.paused} side: it runs far ahead` : 'both sides flowing'),
  );
  events.on('joiner.fatal', ({ error }) => logger.fatal({ event: 'joiner.fatal', err: error }, error.message));
  events.on('joiner.rewound', (e) => logger.warn({ event: 'joiner.rewound', ...e }, 'state was lost: group offsets reset to the earliest, rebuilding'));
  events.on('joiner.stopped', (e) => logger.info({ event: 'joiner.stopped', ...e }, 'joiner stopped'));
}
