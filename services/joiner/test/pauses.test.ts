import type { ComparisonConfig, Mode, Side } from '@shadowdiff/config';
import { describe, expect, it } from 'vitest';
import { createAligner } from '../src/alignment.ts';
import { byTopic, createPartitionPauses } from '../src/pauses.ts';

function comparisonOf(mode: Mode) {
  return {
    config: { old: { topic: 'old' }, new: { topic: 'new' } } as unknown as ComparisonConfig,
    mode,
    outboxFull: false,
    flowPaused: null as Side | null,
    aligner: createAligner(),
  };
}

function standIn() {
  const calls: string[] = [];
  const consumer = {
    pause: (list: { topic: string; partitions?: number[] }[]) => void calls.push(`pause ${list.map((t) => `${t.topic}:${t.partitions?.join(',')}`).join(' ')}`),
    resume: (list: { topic: string; partitions?: number[] }[]) => void calls.push(`resume ${list.map((t) => `${t.topic}:${t.partitions?.join(',')}`).join(' ')}`),
  };
  return { consumer, calls };
}

describe('partition pauses', () => {
  it('groups partitions by topic as kafkajs takes them', () => {
    expect(byTopic(['a/0', 'a.b/1', 'a/2'])).toEqual([
      { topic: 'a', partitions: [0, 2] },
      { topic: 'a.b', partitions: [1] },
    ]);
  });

  it('pauses exactly what a full outbox and flow control hold back, and resumes what they let go', () => {
    const { consumer, calls } = standIn();
    const comparison = comparisonOf('shadow');
    const pauses = createPartitionPauses({ comparisons: [comparison], consumer: () => consumer, isRunning: () => true });
    pauses.assigned({ old: [0, 1], new: [0] });
    expect(calls).toEqual([]);
    comparison.flowPaused = 'old';
    pauses.reconcile();
    comparison.outboxFull = true;
    pauses.reconcile();
    comparison.flowPaused = null;
    comparison.outboxFull = false;
    pauses.reconcile();
    expect(calls).toEqual(['pause old:0,1', 'pause new:0', 'resume old:0,1 new:0']);
  });

  it('holds nothing back for a comparison that does not compare, nor before the joiner runs', () => {
    const { consumer, calls } = standIn();
    const idle = comparisonOf('old');
    idle.outboxFull = true;
    let running = false;
    const pauses = createPartitionPauses({ comparisons: [idle], consumer: () => consumer, isRunning: () => running });
    pauses.assigned({ old: [0], new: [0] });
    running = true;
    pauses.reconcile();
    expect(calls).toEqual([]);
  });

  it('pauses anew after a new assignment: what it held is resumed first', () => {
    const { consumer, calls } = standIn();
    const comparison = comparisonOf('shadow');
    comparison.flowPaused = 'new';
    const pauses = createPartitionPauses({ comparisons: [comparison], consumer: () => consumer, isRunning: () => true });
    pauses.assigned({ old: [0], new: [0, 1] });
    pauses.assigned({ old: [0], new: [1] });
    expect(calls).toEqual(['pause new:0,1', 'resume new:0,1', 'pause new:1']);
  });
});
