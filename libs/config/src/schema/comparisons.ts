import { MODES } from '@shadowdiff/vocabulary';
import { existsSync } from 'node:fs';
import { DEFAULT_MAX_DEPTH, MAX_MAX_DEPTH } from '@shadowdiff/compare';
import { z } from 'zod';
import { compareRules, pattern } from './compare-rules.ts';
import { duration, nonEmpty } from './primitives.ts';

/** Payload codecs: plain JSON, UTF-8 text, raw bytes, or Confluent wire format through the registry. */
export const CODECS = ['json', 'string', 'bytes', 'schema-registry'] as const;

const side = z.strictObject({
  topic: nonEmpty,
  codec: z.enum(CODECS).default('json'),
});

const keySource = z.discriminatedUnion('from', [
  z.strictObject({ from: z.literal('message-key') }),
  z.strictObject({ from: z.literal('header'), name: nonEmpty }),
  z.strictObject({ from: z.literal('field'), path: nonEmpty }),
]);

const eventTimeSource = z.discriminatedUnion('from', [
  z.strictObject({ from: z.literal('kafka-timestamp') }),
  z.strictObject({ from: z.literal('header'), name: nonEmpty }),
  z.strictObject({ from: z.literal('field'), path: nonEmpty }),
]);

const matches = z.discriminatedUnion('emit', [
  z.strictObject({ emit: z.literal('all') }),
  z.strictObject({ emit: z.literal('none') }),
  z.strictObject({ emit: z.literal('sample'), ratio: z.number().gt(0).lte(1) }),
]);

const COMPARISON_NAME = /^[a-z0-9][a-z0-9._-]{0,99}$/;

const comparison = z.strictObject({
  name: z.string().regex(COMPARISON_NAME, {
    error: 'a name of lower-case letters, digits, ".", "_" or "-" (it becomes part of topic names)',
  }),
  old: side,
  new: side,
  key: keySource.default({ from: 'message-key' }),
  eventTime: eventTimeSource.default({ from: 'kafka-timestamp' }),
  window: duration,
  grace: duration.prefault('0s'),
  maxWait: duration.prefault('10m'),
  duplicates: z.enum(['first', 'sequence']).default('first'),
  /** How long decided keys are remembered, to recognise duplicates and late partners. */
  retention: duration.prefault('1h'),
  /** A side whose stream time runs this far ahead of the other's is paused until it catches up. */
  maxAhead: duration.prefault('5m'),
  /** Larger payloads become invalid_* verdicts (the value is not stored). */
  maxRecordBytes: z.int().min(1).default(1_048_576),
  /** Payloads nesting objects and arrays deeper than this become invalid_* verdicts (checked at decode). */
  maxDepth: z.int().min(1).max(MAX_MAX_DEPTH).default(DEFAULT_MAX_DEPTH),
  /**
   * An event time further ahead of the joiner's wall clock than this cannot be a real time (seconds,
   * milliseconds and microseconds mixed up, a clock far off): the record becomes invalid_*.
   */
  maxClockSkew: duration.prefault('1h'),
  matches: matches.default({ emit: 'all' }),
  compare: compareRules.prefault({}),
  /** Paths masked ("***") in every value stored or emitted: verdict payloads, differences, the API. */
  redact: z.array(pattern).default([]),
  /** Criteria a promotion (to reverse_shadow, to new) must pass; measured since the current mode was set. */
  readiness: z
    .strictObject({
      minPairs: z.int().min(0).default(1000),
      minTimeInMode: duration.prefault('1h'),
      maxMismatchRate: z.number().min(0).max(1).default(0.001),
      maxMissingRate: z.number().min(0).max(1).default(0.001),
      /** Per field path: the most its difference rate may be. */
      fields: z.record(z.string(), z.number().min(0).max(1)).default({}),
      /** One-sided confidence of the upper bounds the rates are judged by (Wilson score interval). */
      confidence: z.union([z.literal(0.9), z.literal(0.95), z.literal(0.99)]).default(0.95),
    })
    .prefault({}),
  /** In reverse_shadow, back to shadow by itself when a rate over the sliding window passes its limit. */
  rollback: z
    .strictObject({
      enabled: z.boolean().default(true),
      window: duration.prefault('5m'),
      minPairs: z.int().min(1).default(100),
      maxMismatchRate: z.number().min(0).max(1).default(0.01),
      maxMissingRate: z.number().min(0).max(1).default(0.01),
    })
    .prefault({}),
  /** Initial mode until one is set through the API (see docs/modes.md). */
  mode: z.enum(MODES).default('shadow'),
});

/** The `comparisons` section: at least one, each with a unique name and two different topics. */
export const comparisonsSchema = z
  .array(comparison)
  .min(1, { error: 'at least one comparison' })
  .superRefine((list, ctx) => {
    const seen = new Set<string>();
    list.forEach((c, i) => {
      for (const side of ['old', 'new'] as const) {
        const file = c.compare.normalize[side];
        if (file !== undefined && !existsSync(file)) {
          ctx.addIssue({ code: 'custom', path: [i, 'compare', 'normalize', side], message: 'a normaliser module file that exists', input: file });
        }
      }
      if (seen.has(c.name)) {
        ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'a name no other comparison has', input: c.name });
      }
      seen.add(c.name);
      if (c.old.topic === c.new.topic) {
        ctx.addIssue({ code: 'custom', path: [i, 'new', 'topic'], message: 'a topic other than old.topic', input: c.new.topic });
      }
    });
  });
