import { z } from 'zod';
import { duration, nonEmpty, secret } from './primitives.ts';

const API_ROLES = ['read', 'operator'] as const;

/** The `api` section: its listener, tokens, host check, rate limit and read-model retention. */
export const apiSchema = z
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
  .prefault({});
