import { z } from 'zod';
import { duration, nonEmpty } from './primitives.ts';

/** The `joiner` section: its consumer group, metrics listener, failover and back-pressure. */
export const joinerSchema = z
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
  .prefault({});
