import { z } from 'zod';
import { DURATION_FORMAT, parseDuration } from './duration.ts';

const duration = z
  .string({ error: DURATION_FORMAT })
  .transform((text, ctx) => {
    const ms = parseDuration(text);
    if (ms === undefined) {
      ctx.addIssue({ code: 'custom', message: DURATION_FORMAT, input: text });
      return z.NEVER;
    }
    return ms;
  });

const nonEmpty = z.string().min(1, { error: 'a non-empty string' });

/** Codecs the joiner can decode today. The schema-registry codecs come with libs/codec. */
export const CODECS = ['json', 'string', 'bytes'] as const;

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
  duplicates: z.enum(['first']).default('first'),
  matches: matches.default({ emit: 'all' }),
  /** Initial mode until one is set through the API (see docs/modes.md). */
  mode: z.enum(['old', 'shadow', 'reverse_shadow', 'new']).default('shadow'),
});

export const configSchema = z.strictObject({
  kafka: z
    .strictObject({
      brokers: z.array(nonEmpty).min(1, { error: 'at least one broker' }).default(['127.0.0.1:9092']),
      clientId: nonEmpty.default('shadowdiff'),
    })
    .default({ brokers: ['127.0.0.1:9092'], clientId: 'shadowdiff' }),
  redis: z
    .strictObject({
      url: z.url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' }).default('redis://127.0.0.1:6379'),
      keyPrefix: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('sd'),
    })
    .default({ url: 'redis://127.0.0.1:6379', keyPrefix: 'sd' }),
  schemaRegistry: z.strictObject({ url: z.url() }).optional(),
  topics: z
    .strictObject({
      prefix: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/).default('shadowdiff'),
      partitions: z.int().min(1).default(3),
      replicationFactor: z.int().min(1).default(1),
    })
    .default({ prefix: 'shadowdiff', partitions: 3, replicationFactor: 1 }),
  joiner: z
    .strictObject({
      groupId: nonEmpty.optional(),
      metricsPort: z.int().min(0).max(65535).default(9464),
    })
    .default({ metricsPort: 9464 }),
  comparisons: z
    .array(comparison)
    .min(1, { error: 'at least one comparison' })
    .superRefine((list, ctx) => {
      const seen = new Set<string>();
      list.forEach((c, i) => {
        if (seen.has(c.name)) {
          ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'a name no other comparison has', input: c.name });
        }
        seen.add(c.name);
        if (c.old.topic === c.new.topic) {
          ctx.addIssue({ code: 'custom', path: [i, 'new', 'topic'], message: 'a topic other than old.topic', input: c.new.topic });
        }
      });
    }),
});

export type ShadowdiffConfig = z.output<typeof configSchema>;
export type ComparisonConfig = ShadowdiffConfig['comparisons'][number];
export type SideConfig = ComparisonConfig['old'];
export type KeySource = ComparisonConfig['key'];
export type EventTimeSource = ComparisonConfig['eventTime'];
export type Side = 'old' | 'new';
export type Mode = ComparisonConfig['mode'];
