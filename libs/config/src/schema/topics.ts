import { z } from 'zod';

/** The `topics` section: the verdict topics the joiner writes and the API reads. */
export const topicsSchema = z
  .strictObject({
    prefix: z.string().regex(/^[a-zA-Z0-9._-]{1,100}$/).default('shadowdiff'),
    partitions: z.int().min(1).default(3),
    replicationFactor: z.int().min(1).default(1),
  })
  .default({ prefix: 'shadowdiff', partitions: 3, replicationFactor: 1 });
