import { z } from 'zod';
import { noCredentialsInUrl, secret } from './primitives.ts';
import { tlsSchema } from './tls.ts';

/** The `schemaRegistry` section (optional): where the schema-registry codec reads schemas. */
export const schemaRegistrySchema = z
  .strictObject({
    url: z.url({ protocol: /^https?$/, error: 'an http:// or https:// URL' }).superRefine(noCredentialsInUrl('schemaRegistry.auth')),
    /** HTTP basic authentication (Confluent Cloud: an API key and secret). */
    auth: z.strictObject({ username: secret, password: secret }).optional(),
    tls: tlsSchema.optional(),
  })
  .optional();
