/**
 * The joiner's work beside consuming, per comparison: the wall-clock cap (max_wait), taking over
 * the outbox of a publisher that died, and sampling the store (gauges, the mode, a full outbox,
 * flow control). Each runs in a loop until stop; a failure is reported and retried next round.
 */
import type { Decision, OutboxEntry } from '@shadowdiff/store';
import { compares } from '@shadowdiff/store';
import type { Comparison } from './comparison.ts';
import type { JoinerEvents } from './events.ts';
import { createFlowControl } from './flow-control.ts';
import type { PartitionPauses } from './pauses.ts';

export interface Loops {
  /** Runs `task` every `intervalMs` until stop; failures are reported and retried next round. */
  every(intervalMs: number, during: string, task: () => Promise<void>): void;
  /** Ends every loop (each finishes the round it is in); resolves once they have. */
  stop(): Promise<void>;
}

export function createLoops(events: JoinerEvents): Loops {
  let running = true;
  const loops: Promise<void>[] = [];
  const wakeups = new Set<() => void>();
  return {
    every(intervalMs, during, task) {
      loops.push(
        (async () => {
          while (running) {
            try {
              await task();
            } catch (error) {
              events.emit('joiner.error', { error: error as Error, during });
            }
            if (!running) break;
            await new Promise<void>((resolve) => {
              const timer = setTimeout(done, intervalMs);
              function done() {
                clearTimeout(timer);
                wakeups.delete(done);
                resolve();
              }
              wakeups.add(done);
            });
          }
        })(),
      );
    },
    async stop() {
      running = false;
      for (const wake of wakeups) wake();
      await Promise.allSettled(loops);
    },
  };
}

export interface ComparisonTaskOptions {
  readonly expireIntervalMs: number;
  readonly reclaimIntervalMs: number;
  readonly outboxLeaseMs: number;
  readonly reclaimBatch: number;
  readonly sampleIntervalMs: number;
  /** joiner.maxOutbox: above it, reading pauses until the outbox drains to half. */
  readonly maxOutbox: number;
  readonly pauses: PartitionPauses;
  readonly events: JoinerEvents;
  /** Reads the comparison's mode from Redis (the pub/sub channel may have missed a change). */
  readonly refreshMode: () => Promise<void>;
  readonly isRunning: () => boolean;
}

export function startComparisonTasks(loops: Loops, comparison: Comparison, o: ComparisonTaskOptions): void {
  const name = comparison.config.name;
  loops.every(o.expireIntervalMs, 'expire max_wait', async () => {
    if (!compares(comparison.mode)) return;
    let decisions: Decision[];
    do {
      decisions = await comparison.store.expireWaiting();
      await comparison.publish(decisions);
    } while (decisions.length > 0 && o.isRunning());
  });
  loops.every(o.reclaimIntervalMs, 'reclaim outbox', async () => {
    // A backlog (a flush applied whose reply was lost, a publisher that died with thousands
    // queued) is taken over as fast as it is published, not a batch per round.
    let entries: OutboxEntry[];
    do {
      entries = await comparison.store.claimStale(o.outboxLeaseMs, o.reclaimBatch);
      if (entries.length === 0) return;
      o.events.emit('joiner.outbox_reclaimed', { comparison: name, count: entries.length });
      await comparison.publish(entries);
    } while (entries.length === o.reclaimBatch && o.isRunning());
  });
  const flow = createFlowControl({ maxAheadMs: comparison.config.maxAhead, stallMs: comparison.config.maxWait });
  loops.every(o.sampleIntervalMs, 'sample store', async () => {
    await o.refreshMode();
    const at = Date.now();
    const [pending, streamTimes, outbox] = await Promise.all([comparison.store.pendingCounts(), comparison.store.streamTimes(), comparison.store.outboxSize()]);
    o.events.emit('joiner.store_sampled', { comparison: name, pending, streamTimes, outbox, at });
    const full = comparison.outboxFull ? outbox > o.maxOutbox / 2 : outbox > o.maxOutbox;
    if (full !== comparison.outboxFull) {
      comparison.outboxFull = full;
      o.pauses.reconcile();
      o.events.emit('joiner.outbox_full', { comparison: name, full, size: outbox, limit: o.maxOutbox });
    }
    const { pause } = flow.observe(streamTimes);
    if (pause === comparison.flowPaused) return;
    comparison.flowPaused = pause;
    o.pauses.reconcile();
    o.events.emit('joiner.flow_changed', { comparison: name, paused: pause, streamTimes });
  });
}
