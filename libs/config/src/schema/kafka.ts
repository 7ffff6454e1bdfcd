import { z } from 'zod';
import { nonEmpty, noCredentialsInUrl, secret } from './primitives.ts';
import { tlsOption } from './tls.ts';

const scram = (mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512') => z.strictObject({ mechanism: z.literal(mechanism), username: secret, password: secret });

/**
 * SASL for Kafka. OAUTHBEARER takes either a token (a file re-read whenever a token is needed,
 * so a sidecar may refresh it; or an environment variable) or an OAuth 2 client-credentials
 * grant at a token endpoint.
 */
export const saslSchema = z.discriminatedUnion(
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

/** The `kafka` section: the brokers and how to reach them. */
export const kafkaSchema = z
  .strictObject({
    brokers: z.array(nonEmpty).min(1, { error: 'at least one broker' }).default(['127.0.0.1:9092']),
    clientId: nonEmpty.default('shadowdiff'),
    /** The most one record batch may inflate to when decompressed; a larger one stops the consumer (a decompression bomb). */
    maxBatchBytes: z.int().min(1024).default(32 * 1024 * 1024),
    /** TLS to the brokers (SSL or SASL_SSL listeners). */
    ssl: tlsOption.optional(),
    sasl: saslSchema.optional(),
  })
  .prefault({});
