/** Where a comparison's verdicts go: its two verdict topics, match sampling, and what one verdict may weigh there. */
import type { ComparisonConfig } from '@shadowdiff/config';
import { verdictTopics as vocabularyTopics } from '@shadowdiff/vocabulary';
import kafkajs, { type Admin } from 'kafkajs';
import type { Verdict } from './verdict.ts';

// kafkajs is CommonJS: Node's ESM loader sees its enums only through the default export.
const { ConfigResourceTypes } = kafkajs;

/** Room left in a verdict topic's max.message.bytes for a record's key, headers and batch framing. */
const VERDICT_RECORD_OVERHEAD = 16 * 1024;
/** The broker's default max.message.bytes, less that room: for a topic whose limit could not be read. */
const DEFAULT_VERDICT_BYTES = 1_048_588 - VERDICT_RECORD_OVERHEAD;

export function verdictTopics(prefix: string, comparison: string): { matches: string; mismatches: string } {
  return vocabularyTopics(prefix, comparison);
}

/** Whether a match verdict is emitted to the matches topic, per the comparison's `matches` rule. */
export function emitsMatch(config: ComparisonConfig, pairId: string): boolean {
  const rule = config.matches;
  if (rule.emit === 'all') return true;
  if (rule.emit === 'none') return false;
  // Deterministic by pairId: a re-published verdict is sampled the same way.
  return Number.parseInt(pairId.slice(0, 8), 16) / 0x1_0000_0000 < rule.ratio;
}

/** The topic a verdict goes to, or null for a match that is counted and not emitted. */
export function topicFor(config: ComparisonConfig, topics: { matches: string; mismatches: string }, verdict: Verdict): string | null {
  if (verdict.verdict !== 'match') return topics.mismatches;
  return emitsMatch(config, verdict.pairId) ? topics.matches : null;
}

/** The max.message.bytes the verdict topics are created with: room for two of the largest valid records. */
export function verdictTopicBytes(config: ComparisonConfig): number {
  return Math.max(1_048_588, 2 * config.maxRecordBytes + 1_048_576);
}

/**
 * What each verdict topic accepts in one record (max.message.bytes, the broker's default where
 * the topic sets none), less room for the record's key, headers and batch framing: verdicts
 * larger than that are cut to fit (serializeVerdict).
 */
export interface VerdictLimits {
  maxBytes(topic: string): number;
  /** Reads the topics' limits from the broker. */
  read(admin: Admin, topics: readonly string[]): Promise<void>;
}

export function createVerdictLimits(): VerdictLimits {
  const limits = new Map<string, number>();
  return {
    maxBytes: (topic) => limits.get(topic) ?? DEFAULT_VERDICT_BYTES,
    async read(admin, topics) {
      const described = await admin.describeConfigs({
        includeSynonyms: false,
        resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
      });
      for (const resource of described.resources) {
        const value = Number(resource.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
        if (Number.isFinite(value) && value > 0) limits.set(resource.resourceName, Math.max(1024, value - VERDICT_RECORD_OVERHEAD));
      }
    },
  };
}
