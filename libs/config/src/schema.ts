import { MODES } from '@shadowdiff/vocabulary';
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DEFAULT_MAX_DEPTH, MAX_MAX_DEPTH, parsePattern } from '@shadowdiff/compare';
import { z } from 'zod';
import { DURATION_FORMAT, parseDuration } from './duration.ts';
import { readSecret, type Secret } from './secret.ts';

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

/**
 * Where secrets are read while a config is parsed: the loader sets the environment it was given
 * and the config file's folder (relative secret files are relative to it); parsing is synchronous,
 * so this never leaks from one parse into another.
 */
export const secretContext: { env: Readonly<Record<string, string | undefined>>; baseDir: string } = { env: process.env, baseDir: process.cwd() };

/** `{ env: NAME }` or `{ file: PATH }`, read at load time into a Secret that never prints its value. */
export const secret = z
  .union([z.strictObject({ env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/, { error: 'an environment variable name' }) }), z.strictObject({ file: nonEmpty })], {
    error: 'a secret: { env: NAME } or { file: PATH } (never the value itself)',
  })
  .transform((source, ctx): Secret => {
    const read = readSecret(source, secretContext.env, (path) => readFileSync(resolve(secretContext.baseDir, path), 'utf8'));
    if ('problem' in read) {
      ctx.addIssue({ code: 'custom', message: read.problem, input: source, params: { found: read.found } });
      return z.NEVER;
    }
    return read;
  });

/**
 * TLS for a connection (Kafka, Redis, the schema registry). PEM material comes as secrets (a
 * file or an environment variable); without `ca` the system's CAs are trusted. The server's
 * certificate is verified unless `rejectUnauthorized: false` is said out loud.
 */
export const tlsSchema = z
  .strictObject({
    ca: secret.optional(),
    cert: secret.optional(),
    key: secret.optional(),
    passphrase: secret.optional(),
    servername: nonEmpty.optional(),
    rejectUnauthorized: z.boolean().default(true),
  })
  .superRefine((t, ctx) => {
    if ((t.cert === undefined) !== (t.key === undefined)) {
      ctx.addIssue({ code: 'custom', path: [t.cert === undefined ? 'cert' : 'key'], message: 'cert and key together (a client certificate needs its key)', input: undefined });
    }
  });

/**
 * A URL must not carry a user or password: it is printed in logs and errors, where a secret must
 * never be. The problem does not quote it.
 */
function noCredentialsInUrl(instead: string) {
  return (text: string, ctx: z.RefinementCtx) => {
    let url: URL;
    try {
      url = new URL(text);
    } catch {
      return;
    }
    if (url.username !== '' || url.password !== '') {
      ctx.addIssue({ code: 'custom', message: `a URL without credentials (give them in ${instead} as { env } or { file })`, input: '[a URL with credentials]' });
    }
  };
}

/** `true` (system CAs, verification on) or the options above. */
const tlsOption = z.union([z.literal(true), tlsSchema], { error: 'true, or a mapping of ca, cert, key, passphrase, servername, rejectUnauthorized' });

const scram = (mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512') => z.strictObject({ mechanism: z.literal(mechanism), username: secret, password: secret });

/**
 * SASL for Kafka. OAUTHBEARER takes either a token (a file re-read whenever a token is needed,
 * so a sidecar may refresh it; or an environment variable) or an OAuth 2 client-credentials
 * grant at a token endpoint.
 */
const saslSchema = z.discriminatedUnion(
  'mechanism',
  [
    scram('plain'),
    scram('scram-sha-256'),
    scram('scram-sha-512'),
    z
      .strictObject({
        mechanism: z.literal('oauthbearer'),
        token: z
          .union([z.strictObject({ env: nonEmpty }), z.strictObject({ file: nonEmpty })], { error: '{ env: NAME } or { file: PATH } (a token is never written inline)' })
          .optional(),
        tokenEndpoint: z.url({ protocol: /^https?$/ }).superRefine(noCredentialsInUrl('kafka.sasl.clientId and clientSecret')).optional(),
        clientId: secret.optional(),
        clientSecret: secret.optional(),
        scope: nonEmpty.optional(),
      })
      .superRefine((o, ctx) => {
        const grant = o.tokenEndpoint !== undefined || o.clientId !== undefined || o.clientSecret !== undefined;
        if (o.token !== undefined && grant) ctx.addIssue({ code: 'custom', message: 'either token or tokenEndpoint with clientId and clientSecret, not both', input: o });
        else if (o.token === undefined && !(o.tokenEndpoint && o.clientId && o.clientSecret)) {
          ctx.addIssue({ code: 'custom', message: 'token, or tokenEndpoint with clientId and clientSecret', input: o });
        }
      }),
  ],
  { error: 'a SASL mechanism: plain, scram-sha-256, scram-sha-512 or oauthbearer' },
);

const API_ROLES = ['read', 'operator'] as const;

/** Payload codecs: plain JSON, UTF-8 text, raw bytes, or Confluent wire format through the registry. */
export const CODECS = ['json', 'string', 'bytes', 'schema-registry'] as const;

const PATTERN_FORMAT = 'a path pattern such as a.b, items[*].price, **.updatedAt';

/** A path pattern of the comparison rules, checked by the same parser the comparator uses. */
const pattern = z.string().superRefine((text, ctx) => {
  try {
    parsePattern(text);
  } catch {
    ctx.addIssue({ code: 'custom', message: PATTERN_FORMAT, input: text });
  }
});

/** A record keyed by path patterns: a bad key is reported at its own path. */
function byPattern<T extends z.ZodType>(value: T) {
  return z.record(z.string(), value).superRefine((record, ctx) => {
    for (const key of Object.keys(record)) {
      try {
        parsePattern(key);
      } catch {
        ctx.addIssue({ code: 'custom', path: [key], message: PATTERN_FORMAT, input: key });
      }
    }
  });
}

const plainPath = z.string().regex(/^[^.[\]*]+(\.[^.[\]*]+)*$/, { error: 'a dotted path of keys, without * or [..]' });

const compareRules = z.strictObject({
  ignore: z.array(pattern).default([]),
  tolerance: byPattern(
    z
      .strictObject({ absolute: z.number().nonnegative().optional(), relative: z.number().nonnegative().optional() })
      .refine((t) => t.absolute !== undefined || t.relative !== undefined, { error: 'absolute and/or relative' }),
  ).default({}),
  unordered: byPattern(z.union([z.literal('multiset'), z.strictObject({ by: z.string().min(1) })], { error: '"multiset" or { by: <field> }' })).default({}),
  nullEqualsMissing: z.boolean().default(false),
  strings: byPattern(z.strictObject({ trim: z.boolean().optional(), case: z.enum(['sensitive', 'insensitive']).optional() })).default({}),
  timestamps: byPattern(z.strictObject({ tolerance: duration, epochUnit: z.enum(['ms', 's']).default('ms') })).default({}),
  rename: z.record(plainPath, plainPath).default({}),
  /** Per-side normaliser modules (paths relative to the config file): a default-exported function. */
  normalize: z
    .strictObject({ old: z.string().min(1).optional(), new: z.string().min(1).optional() })
    .default({}),
});

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

export const configSchema = z.strictObject({
  kafka: z
    .strictObject({
      brokers: z.array(nonEmpty).min(1, { error: 'at least one broker' }).default(['127.0.0.1:9092']),
      clientId: nonEmpty.default('shadowdiff'),
      /** The most one record batch may inflate to when decompressed; a larger one stops the consumer (a decompression bomb). */
      maxBatchBytes: z.int().min(1024).default(32 * 1024 * 1024),
      /** TLS to the brokers (SSL or SASL_SSL listeners). */
      ssl: tlsOption.optional(),
      sasl: saslSchema.optional(),
    })
    .prefault({}),
  redis: z
    .strictObject({
      url: z
        .url({ protocol: /^rediss?$/, error: 'a redis:// or rediss:// URL' })
        .superRefine(noCredentialsInUrl('redis.username and redis.password'))
        .default('redis://127.0.0.1:6379'),
      keyPrefix: z.string().regex(/^[a-z0-9_-]{1,32}$/).default('sd'),
      /** ACL user (Redis 6+); without it, `default`. Credentials never go in the URL. */
      username: secret.optional(),
      password: secret.optional(),
      /** TLS (a rediss:// URL turns it on with the system CAs). */
      tls: tlsOption.optional(),
    })
    .prefault({}),
  schemaRegistry: z
    .strictObject({
      url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).superRefine(noCredentialsInUrl('schemaRegistry.auth')),
      /** HTTP basic authentication (Confluent Cloud: an API key and secret). */
      auth: z.strictObject({ username: secret, password: secret }).optional(),
      tls: tlsSchema.optional(),
    })
    .optional(),
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
      /** Address the metrics and health listener binds; 0.0.0.0 (or ::) in a container. */
      metricsHost: nonEmpty.default('127.0.0.1'),
      /** How long the group waits for a silent member (a crashed instance) before moving its partitions. */
      sessionTimeout: duration.prefault('30s'),
      /** A decision left in the outbox this long (its publisher died) is published by another instance. */
      outboxLease: duration.prefault('30s'),
      /**
       * When Redis has lost the state but the group has committed offsets: `stop` (refuse to run,
       * explain the recovery) or `rewind` (reset the group to the earliest offsets and rebuild).
       */
      onStateLoss: z.enum(['stop', 'rewind']).default('stop'),
      /**
       * Most decisions a comparison's outbox may hold (verdicts decided, not yet acknowledged by
       * Kafka): past it the joiner pauses reading that comparison's topics until it drains to half.
       */
      maxOutbox: z.int().min(1).default(100_000),
    })
    .prefault({}),
  api: z
    .strictObject({
      port: z.int().min(0).max(65535).default(8080),
      host: nonEmpty.default('127.0.0.1'),
      /**
       * Named bearer tokens. `read` may read; `operator` may also change the mode. The name is the
       * actor recorded in the mode history. SHADOWDIFF_API_TOKEN adds an operator token `operator`.
       */
      tokens: z
        .array(z.strictObject({ name: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/, { error: 'a name of letters, digits, ".", "_" or "-"' }), role: z.enum(API_ROLES), value: secret }))
        .default([])
        .superRefine((list, ctx) => {
          const names = new Set<string>();
          list.forEach((t, i) => {
            if (names.has(t.name)) ctx.addIssue({ code: 'custom', path: [i, 'name'], message: 'a name no other token has', input: t.name });
            names.add(t.name);
            // What a Bearer header can carry (RFC 6750 b64token): any other value could never match.
            if (!/^[A-Za-z0-9\-._~+/]+=*$/.test(t.value.reveal())) {
              ctx.addIssue({ code: 'custom', path: [i, 'value'], message: `a token of letters, digits and - . _ ~ + / (then = padding), as a Bearer header carries it (${t.value.source})`, input: undefined });
            }
          });
        }),
      /** With tokens configured, reads need one too unless this is false. */
      protectReads: z.boolean().default(true),
      /**
       * Host header values served (DNS rebinding): names or name:port. Loopback names and
       * api.host are always allowed.
       */
      allowedHosts: z.array(nonEmpty).default([]),
      /** Per-client limit on the expensive reads (discrepancies, fields, summary, readiness). */
      rateLimit: z.strictObject({ max: z.int().min(1).default(120), window: duration.prefault('1m') }).prefault({}),
      /** Consumer group of the verdict reader. */
      groupId: nonEmpty.optional(),
      retention: z
        .strictObject({
          maxAge: duration.prefault('7d'),
          /** Most discrepancies (non-match verdicts, with their payloads) kept. */
          maxCount: z.int().min(1).default(100_000),
          /** Most pairIds remembered to count each verdict once (matches included; ~100 bytes each). */
          maxSeen: z.int().min(1).default(1_000_000),
        })
        .prefault({}),
    })
    .prefault({}),
  comparisons: z
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
    }),
});

/** A side using the schema-registry codec needs the registry's URL. */
export const configSchemaChecked = configSchema.superRefine((config, ctx) => {
  if (config.schemaRegistry) return;
  config.comparisons.forEach((c, i) => {
    for (const side of ['old', 'new'] as const) {
      if (c[side].codec === 'schema-registry') {
        ctx.addIssue({
          code: 'custom',
          path: ['comparisons', i, side, 'codec'],
          message: 'schemaRegistry.url (or SCHEMA_REGISTRY_URL) to be set for codec schema-registry',
          input: c[side].codec,
        });
      }
    }
  });
});

export type ShadowdiffConfig = z.output<typeof configSchema>;
export type ComparisonConfig = ShadowdiffConfig['comparisons'][number];
export type SideConfig = ComparisonConfig['old'];
export type KeySource = ComparisonConfig['key'];
export type EventTimeSource = ComparisonConfig['eventTime'];
export type { Side } from '@shadowdiff/vocabulary';
export type Mode = ComparisonConfig['mode'];
export type CompareConfig = ComparisonConfig['compare'];
export type TlsConfig = z.output<typeof tlsSchema>;
/** A connection's TLS setting: absent, `true` (system CAs) or the options. */
export type TlsOption = TlsConfig | true | undefined;
export type SaslConfig = z.output<typeof saslSchema>;
export type KafkaConfig = ShadowdiffConfig['kafka'];
export type RedisConfig = ShadowdiffConfig['redis'];
export type SchemaRegistryConfig = NonNullable<ShadowdiffConfig['schemaRegistry']>;
export type ApiToken = ShadowdiffConfig['api']['tokens'][number];
export type ApiRole = ApiToken['role'];
