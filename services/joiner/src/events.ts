import { EventEmitter } from 'node:events';
import type { Mode, Side } from '@shadowdiff/config';
import type { Verdict } from './verdict.ts';

/**
 * The joiner's instrumentation events: the one catalogue (docs/operations.md lists it) that
 * metrics and logs subscribe to, instead of being sprinkled through the pairing logic.
 */
export interface JoinerEventMap {
  /** The consumer group joined and every comparison is ready. */
  'joiner.started': [{ comparisons: readonly string[]; groupId: string }];
  /** One chunk of one partition applied to the store (within a flush that may carry others). */
  'joiner.batch_applied': [
    {
      comparison: string;
      side: Side;
      topic: string;
      partition: number;
      /**
       * Records new to the store, by what became of them; `missing`: declared missing on arrival,
       * the other side having already moved past its window; `late`: its counterpart had already
       * been declared missing; `idle`: read in mode old or new, where there is nothing to compare.
       */
      outcomes: { paired: number; parked: number; duplicate: number; invalid: number; missing: number; late: number; idle: number };
      /** Records already applied before (redelivered after a crash or rebalance). */
      redelivered: number;
    },
  ];
  /** A verdict reached its topic (or was counted without emitting, for unsampled matches). */
  'joiner.verdict_published': [{ verdict: Verdict; topic: string | null; pairWaitMs: number | null; latencyMs: number }];
  /** The broker refused a verdict for good (too large, keyless on a compacted topic): it went to the dead-letter list. */
  'joiner.verdict_dead_lettered': [{ comparison: string; pairId: string; verdict: string; topic: string; error: string }];
  /** Decisions whose publisher died were taken over from the outbox. */
  'joiner.outbox_reclaimed': [{ comparison: string; count: number }];
  /** The mode of a comparison was read (at start and on every change). */
  'joiner.mode_changed': [{ comparison: string; mode: Mode }];
  /** Periodic view of the store: parked records and stream times per side. */
  /** An apply's writes reached fewer replicas than redis.waitForReplicas asks within its timeout. */
  'joiner.replication_shortfall': [{ comparison: string; wanted: number; acknowledged: number }];
  /** `at`: when the reads began (ms since the epoch): the counts are no older than that. */
  'joiner.store_sampled': [{ comparison: string; pending: Record<Side, number>; streamTimes: Record<Side, number | null>; outbox: number; at: number }];
  /** Something failed that the joiner survives (it retries); fatal errors stop it instead. */
  'joiner.error': [{ comparison?: string; error: Error; during: string }];
  /** A side running far ahead of the other was paused (or resumed: `paused` null). */
  'joiner.flow_changed': [{ comparison: string; paused: Side | null; streamTimes: Record<Side, number | null> }];
  /**
   * A comparison's outbox passed joiner.maxOutbox (verdicts are decided faster than Kafka takes
   * them, or Kafka refuses them): reading its topics is paused until the outbox drains to half.
   */
  'joiner.outbox_full': [{ comparison: string; full: boolean; size: number; limit: number }];
  /** The joiner cannot go on (e.g. Redis lost its state); it stops, and the process should exit non-zero. */
  'joiner.fatal': [{ error: Error }];
  /** The group's offsets were reset to the earliest, to rebuild lost state (onStateLoss: rewind). */
  'joiner.rewound': [{ comparison: string; topics: readonly string[] }];
  /** Shutdown finished: everything held was published and committed. */
  'joiner.stopped': [{ reason: string }];
}

export type JoinerEvents = EventEmitter<JoinerEventMap>;

export function createJoinerEvents(): JoinerEvents {
  return new EventEmitter<JoinerEventMap>();
}
