import { z } from 'zod';
import { noCredentialsInUrl, secret } from './primitives.ts';
import { tlsOption } from './tls.ts';

/** The `redis` section: the pairing store and read model, and how to reach it. */
export const redisSchema = z
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
  .prefault({});
