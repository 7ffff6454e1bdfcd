/**
 * Which partitions are paused: exactly those that something holds back — a comparison's full
 * outbox (both its topics), flow control (one side far ahead: that side's topic), event-time
 * alignment (a partition ahead in a backlog). Comparisons that do not compare hold nothing back.
 */
import { compares } from '@shadowdiff/store';
import type { Consumer } from 'kafkajs';
import type { Comparison } from './comparison.ts';

export interface PartitionPauses {
  /** Pauses and resumes partitions so that exactly those held back are paused. */
  reconcile(): void;
  /**
   * A new assignment (the group joined, perhaps after kafkajs restarted its consumer, which
   * resumes everything): pause anew from nothing.
   */
  assigned(assignment: Record<string, number[]>): void;
}

/** Partitions named `topic/partition`, grouped as kafkajs's pause and resume take them. */
export function byTopic(ids: Iterable<string>): { topic: string; partitions: number[] }[] {
  const grouped = new Map<string, number[]>();
  for (const id of ids) {
    const cut = id.lastIndexOf('/');
    const topic = id.slice(0, cut);
    grouped.set(topic, [...(grouped.get(topic) ?? []), Number(id.slice(cut + 1))]);
  }
  return [...grouped].map(([topic, partitions]) => ({ topic, partitions }));
}

export function createPartitionPauses({
  comparisons,
  consumer,
  isRunning,
}: {
  comparisons: readonly Pick<Comparison, 'config' | 'mode' | 'outboxFull' | 'flowPaused' | 'aligner'>[];
  consumer: () => Pick<Consumer, 'pause' | 'resume'> | undefined;
  isRunning: () => boolean;
}): PartitionPauses {
  /** The partitions this instance was assigned, by topic (from the group join). */
  let assignment: Record<string, number[]> = {};
  /** The partitions paused now, as `topic/partition`. */
  let held = new Set<string>();

  function reconcile(): void {
    const to = consumer();
    if (!to || !isRunning()) return;
    const want = new Set<string>();
    const whole = (topic: string) => {
      for (const partition of assignment[topic] ?? []) want.add(`${topic}/${partition}`);
    };
    for (const comparison of comparisons) {
      if (!compares(comparison.mode)) continue;
      if (comparison.outboxFull) {
        whole(comparison.config.old.topic);
        whole(comparison.config.new.topic);
      }
      if (comparison.flowPaused) whole(comparison.config[comparison.flowPaused].topic);
      for (const id of comparison.aligner.ahead()) want.add(id);
    }
    const pause = [...want].filter((id) => !held.has(id));
    const resume = [...held].filter((id) => !want.has(id));
    if (pause.length > 0) to.pause(byTopic(pause));
    if (resume.length > 0) to.resume(byTopic(resume));
    held = want;
  }

  return {
    reconcile,
    assigned(next) {
      assignment = next;
      if (held.size > 0) {
        consumer()?.resume(byTopic(held));
        held = new Set();
      }
      reconcile();
    },
  };
}
