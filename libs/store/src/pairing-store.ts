import type { Redis } from 'ioredis';
import { parseDecisions, type Decision, type Side } from './decision.ts';
import { randomUUID } from 'node:crypto';
import { scriptCodeError, toStoreError } from './errors.ts';
import { comparisonKeys, type ComparisonKeys } from './keys.ts';
import { registerScripts, type ScriptRunner } from './scripts.ts';

/** A record handed to the store; `blob` is kept verbatim and comes back in decisions. */
export interface ApplyRecord {
  readonly offset: string;
  /** `record` to pair, or `invalid` to turn into an invalid verdict (atomically with the offset). */
  readonly kind: 'record' | 'invalid';
  readonly key: string;
  readonly eventTime: number;
  readonly blob: string;
}

export interface ApplyResult {
  /** Records new to the store. */
  readonly applied: number;
  /** Records at or below the partition's applied offset: redelivered, ignored. */
  readonly skipped: number;
  readonly decisions: Decision[];
}

export interface PairingStoreOptions {
  readonly redis: Redis;
  readonly keyPrefix: string;
  readonly comparison: string;
  /** window + grace, in ms: how far the other side's stream time must pass a record's event time. */
  readonly horizonMs: number;
  /** Wall-clock cap on waiting for a partner, in ms. */
  readonly maxWaitMs: number;
  /** Most watermark expiries decided per apply call (bounds script time). */
  readonly expireLimit?: number;
  /** `first`: a second record of a key on a side is a duplicate; `sequence`: n-th pairs with n-th. */
  readonly duplicates?: 'first' | 'sequence';
  /** How long seen keys and tombstones are remembered (duplicates, late partners), ms. */
  readonly retentionMs?: number;
}

export interface PairingStore {
  readonly keys: ComparisonKeys;
  /**
   * Reads the comparison's state epoch, creating it when Redis holds no state yet. Returns it and
   * whether it was created now. Every apply checks it: a change means Redis lost the state.
   */
  openEpoch(): Promise<{ epoch: string; created: boolean }>;
  apply(side: Side, topic: string, partition: number, records: readonly ApplyRecord[], now?: number): Promise<ApplyResult>;
  expireWaiting(now?: number, limit?: number): Promise<Decision[]>;
  claimStale(leaseMs: number, limit: number, now?: number): Promise<Decision[]>;
  ack(ids: readonly string[]): Promise<void>;
  /**
   * Registers the partitions of a side's topic, so that the side has a stream time only once
   * every one of them has delivered a record (an unseen partition may hold older records).
   */
  registerPartitions(side: Side, partitions: readonly number[]): Promise<void>;
  pendingCounts(): Promise<Record<Side, number>>;
  /** Each side's stream time (least advanced partition), or null before any record. */
  streamTimes(): Promise<Record<Side, number | null>>;
}

const OTHER: Record<Side, Side> = { old: 'new', new: 'old' };
const ACK_CHUNK = 1000;

export function createPairingStore({
  redis,
  keyPrefix,
  comparison,
  horizonMs,
  maxWaitMs,
  expireLimit = 1000,
  duplicates = 'first',
  retentionMs = 3_600_000,
}: PairingStoreOptions): PairingStore {
  const keys = comparisonKeys(keyPrefix, comparison);
  const run: ScriptRunner = registerScripts(redis);
  const outboxKeys = [keys.outbox, keys.outboxDue];

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }

  let epoch: string | undefined;

  return {
    keys,

    async openEpoch() {
      const fresh = randomUUID();
      const created = (await call('openEpoch', () => redis.set(keys.epoch, fresh, 'NX'))) === 'OK';
      epoch = created ? fresh : ((await call('openEpoch', () => redis.get(keys.epoch))) ?? fresh);
      return { epoch, created };
    },

    async apply(side, topic, partition, records, now = Date.now()) {
      if (epoch === undefined) throw new Error('openEpoch() before apply()');
      const other = OTHER[side];
      const args: (string | number)[] = [
        side,
        `${topic}/${partition}`,
        String(partition),
        now,
        horizonMs,
        expireLimit,
        duplicates,
        epoch,
        records.length,
      ];
      for (const r of records) args.push(r.offset, r.kind === 'invalid' ? 'i' : 'r', r.key, r.eventTime, r.blob);
      const reply = await call('applyRecords', () =>
        run(
          'applyRecords',
          [
            keys.pending(side),
            keys.pending(other),
            keys.eventTimes(side),
            keys.eventTimes(other),
            keys.arrivals(side),
            keys.arrivals(other),
            keys.offsets,
            keys.streamTimes(side),
            keys.outbox,
            keys.outboxDue,
            keys.streamTimes(other),
            keys.seen(side),
            keys.tombstones(side),
            keys.tombstones(other),
            keys.retention,
            keys.epoch,
          ],
          args,
        ),
      ) as (string | number)[];
      if (Number(reply[0]) < 0) throw scriptCodeError('applyRecords', Number(reply[0]));
      return {
        applied: Number(reply[0]),
        skipped: Number(reply[1]),
        decisions: parseDecisions(reply as string[], 2),
      };
    },

    async expireWaiting(now = Date.now(), limit = 1000) {
      const reply = await call('expireWaiting', () =>
        run(
          'expireWaiting',
          [
            keys.pending('old'),
            keys.pending('new'),
            keys.eventTimes('old'),
            keys.eventTimes('new'),
            keys.arrivals('old'),
            keys.arrivals('new'),
            keys.outbox,
            keys.outboxDue,
            keys.seen('old'),
            keys.seen('new'),
            keys.tombstones('old'),
            keys.tombstones('new'),
            keys.retention,
          ],
          [now, maxWaitMs, limit, retentionMs],
        ),
      ) as string[];
      return parseDecisions(reply);
    },

    async claimStale(leaseMs, limit, now = Date.now()) {
      const reply = await call('claimOutbox', () => run('claimOutbox', outboxKeys, [now, leaseMs, limit])) as string[];
      return parseDecisions(reply);
    },

    async ack(ids) {
      for (let i = 0; i < ids.length; i += ACK_CHUNK) {
        const chunk = ids.slice(i, i + ACK_CHUNK);
        await call('ackOutbox', () => run('ackOutbox', outboxKeys, chunk));
      }
    },

    async registerPartitions(side, partitions) {
      const key = keys.streamTimes(side);
      await call('registerPartitions', () =>
        Promise.all(partitions.map((p) => redis.hsetnx(key, String(p), '-1'))),
      );
    },

    async pendingCounts() {
      const [oldCount, newCount] = await call('pendingCounts', () =>
        Promise.all([redis.hlen(keys.pending('old')), redis.hlen(keys.pending('new'))]),
      );
      return { old: oldCount, new: newCount };
    },

    async streamTimes() {
      const [oldTimes, newTimes] = await call('streamTimes', () =>
        Promise.all([redis.hvals(keys.streamTimes('old')), redis.hvals(keys.streamTimes('new'))]),
      );
      const least = (values: string[]) => {
        const min = values.length === 0 ? -1 : Math.min(...values.map(Number));
        return min < 0 ? null : min;
      };
      return { old: least(oldTimes), new: least(newTimes) };
    },
  };
}
