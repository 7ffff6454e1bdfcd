import { z } from 'zod';
import { nonEmpty, secret } from './primitives.ts';

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

/** `true` (system CAs, verification on) or the options above. */
export const tlsOption = z.union([z.literal(true), tlsSchema], { error: 'true, or a mapping of ca, cert, key, passphrase, servername, rejectUnauthorized' });
