import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** The metric names are part of shadowdiff's interface (DESIGN.md "Metrics"); change them never. */
export interface JoinerMetrics {
  readonly registry: Registry;
  readonly records: Counter<'comparison' | 'side' | 'outcome'>;
  readonly verdicts: Counter<'comparison' | 'verdict'>;
  readonly fieldDifferences: Counter<'comparison' | 'path'>;
  readonly pendingRecords: Gauge<'comparison' | 'side'>;
  /** Decisions in the outbox, not yet acknowledged by Kafka. */
  readonly outboxEntries: Gauge<'comparison'>;
  /** When pendingRecords and outboxEntries were last read from Redis (Unix time, seconds). */
  readonly storeSampledAt: Gauge<'comparison'>;
  readonly pairWait: Histogram<'comparison'>;
  readonly latencyDelta: Histogram<'comparison'>;
  readonly verdictLatency: Histogram<'comparison'>;
  readonly streamTimeLag: Gauge<'comparison' | 'side'>;
  readonly mode: Gauge<'comparison' | 'mode'>;
  /** Verdicts the broker refused for good, moved to the dead-letter list. */
  readonly deadLettered: Counter<'comparison'>;
  /** Applies whose writes reached fewer replicas than redis.waitForReplicas asks, within its timeout. */
  readonly replicationShortfalls: Counter<'comparison'>;
  /** Whether reading is paused, and why (1 for the reason in force: outbox_full). */
  readonly readingPaused: Gauge<'comparison' | 'reason'>;
  /** Counts one differing path, folding paths beyond the cap into `_other`. */
  countFieldDifference(comparison: string, path: string): void;
}

export interface JoinerMetricsOptions {
  /** Most distinct `path` label values per comparison before the rest count as `_other`. */
  readonly maxPathsPerComparison?: number;
  readonly defaultMetrics?: boolean;
}

export const OTHER_PATH = '_other';

export function createJoinerMetrics({ maxPathsPerComparison = 200, defaultMetrics = true }: JoinerMetricsOptions = {}): JoinerMetrics {
  const registry = new Registry();
  if (defaultMetrics) collectDefaultMetrics({ register: registry });
  const registers = [registry];
  const records = new Counter({
    name: 'shadowdiff_records_total',
    help: 'Records read from the old and new topics, by what became of them (paired, parked, duplicate, invalid, missing, redelivered).',
    labelNames: ['comparison', 'side', 'outcome'] as const,
    registers,
  });
  const verdicts = new Counter({
    name: 'shadowdiff_verdicts_total',
    help: 'Verdicts published, by kind.',
    labelNames: ['comparison', 'verdict'] as const,
    registers,
  });
  const deadLettered = new Counter({
    name: 'shadowdiff_verdicts_dead_lettered_total',
    help: 'Verdicts the broker refused for good (too large, keyless on a compacted topic), kept in the dead-letter list instead.',
    labelNames: ['comparison'] as const,
    registers,
  });
  const replicationShortfalls = new Counter({
    name: 'shadowdiff_redis_replication_shortfalls_total',
    help: 'Applies whose writes reached fewer Redis replicas than redis.waitForReplicas asks within its timeout (a failover right after one may lose them; the joiner then stops).',
    labelNames: ['comparison'] as const,
    registers,
  });
  const readingPaused = new Gauge({
    name: 'shadowdiff_reading_paused',
    help: 'Whether the joiner paused reading a comparison\'s topics, by reason (outbox_full: the outbox holds more than joiner.maxOutbox decisions).',
    labelNames: ['comparison', 'reason'] as const,
    registers,
  });
  const fieldDifferences = new Counter({
    name: 'shadowdiff_field_differences_total',
    help: `Differences found per field path (at most ${maxPathsPerComparison} paths per comparison, the rest as ${OTHER_PATH}).`,
    labelNames: ['comparison', 'path'] as const,
    registers,
  });
  const pendingRecords = new Gauge({
    name: 'shadowdiff_pending_records',
    help: 'Records parked in Redis waiting for their partner.',
    labelNames: ['comparison', 'side'] as const,
    registers,
  });
  const outboxEntries = new Gauge({
    name: 'shadowdiff_outbox_entries',
    help: 'Decisions in the outbox: decided, not yet acknowledged by Kafka (joiner.maxOutbox pauses reading).',
    labelNames: ['comparison'] as const,
    registers,
  });
  const storeSampledAt = new Gauge({
    name: 'shadowdiff_store_sample_timestamp_seconds',
    help: 'When shadowdiff_pending_records and shadowdiff_outbox_entries were last read from Redis (Unix time in seconds).',
    labelNames: ['comparison'] as const,
    registers,
  });
  const pairWait = new Histogram({
    name: 'shadowdiff_pair_wait_seconds',
    help: 'Wall-clock time the first record of a pair waited for the second.',
    labelNames: ['comparison'] as const,
    buckets: [0.005, 0.01, 0.05, 0.1, 0.5, 1, 5, 10, 30, 60, 300, 600],
    registers,
  });
  const latencyDelta = new Histogram({
    name: 'shadowdiff_latency_delta_seconds',
    help: 'Kafka timestamp of the new output minus that of the old output (negative: new was faster).',
    labelNames: ['comparison'] as const,
    buckets: [-10, -1, -0.5, -0.1, -0.05, -0.01, 0, 0.01, 0.05, 0.1, 0.5, 1, 10],
    registers,
  });
  const verdictLatency = new Histogram({
    name: 'shadowdiff_verdict_latency_seconds',
    help: 'From the joiner reading the record that completed a decision to the verdict being acknowledged by Kafka.',
    labelNames: ['comparison'] as const,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers,
  });
  const streamTimeLag = new Gauge({
    name: 'shadowdiff_stream_time_lag_seconds',
    help: "Wall clock minus the side's stream time (its least advanced partition's newest event time).",
    labelNames: ['comparison', 'side'] as const,
    registers,
  });
  const mode = new Gauge({
    name: 'shadowdiff_mode',
    help: 'The migration mode of each comparison: 1 for the current mode, 0 for the others.',
    labelNames: ['comparison', 'mode'] as const,
    registers,
  });

  const knownPaths = new Map<string, Set<string>>();
  return {
    registry,
    records,
    verdicts,
    fieldDifferences,
    pendingRecords,
    outboxEntries,
    storeSampledAt,
    pairWait,
    latencyDelta,
    verdictLatency,
    streamTimeLag,
    mode,
    deadLettered,
    replicationShortfalls,
    readingPaused,
    countFieldDifference(comparison, path) {
      let paths = knownPaths.get(comparison);
      if (!paths) knownPaths.set(comparison, (paths = new Set()));
      if (!paths.has(path) && paths.size >= maxPathsPerComparison) {
        fieldDifferences.inc({ comparison, path: OTHER_PATH });
        return;
      }
      paths.add(path);
      fieldDifferences.inc({ comparison, path });
    },
  };
}
