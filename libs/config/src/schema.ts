import { z } from 'zod';
import { apiSchema } from './schema/api.ts';
import { comparisonsSchema } from './schema/comparisons.ts';
import { joinerSchema } from './schema/joiner.ts';
import { kafkaSchema, type saslSchema } from './schema/kafka.ts';
import { redisSchema } from './schema/redis.ts';
import { schemaRegistrySchema } from './schema/registry.ts';
import type { tlsSchema } from './schema/tls.ts';
import { topicsSchema } from './schema/topics.ts';

// The configuration file's schema, one section per module under schema/; this file puts them
// together, checks what spans sections, and names the types the rest of the code reads.

export { CODECS } from './schema/comparisons.ts';

export const configSchema = z.strictObject({
  kafka: kafkaSchema,
  redis: redisSchema,
  schemaRegistry: schemaRegistrySchema,
  topics: topicsSchema,
  joiner: joinerSchema,
  api: apiSchema,
  comparisons: comparisonsSchema,
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
