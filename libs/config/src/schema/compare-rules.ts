import { parsePattern } from '@shadowdiff/compare';
import { z } from 'zod';
import { duration } from './primitives.ts';

const PATTERN_FORMAT = 'a path pattern such as a.b, items[*].price, **.updatedAt';

/** A path pattern of the comparison rules, checked by the same parser the comparator uses. */
export const pattern = z.string().superRefine((text, ctx) => {
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

/** A comparison's `compare` rules: what is ignored, tolerated, reordered, renamed or normalised. */
export const compareRules = z.strictObject({
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
