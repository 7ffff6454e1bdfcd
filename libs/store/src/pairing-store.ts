import { waitForReplicas, type RedisClient } from './client.ts';
import { parseEntry, type Decision, type OutboxEntry, type Side, type StoredRecord } from './decision.ts';
import { randomUUID } from 'node:crypto';
import { StoreError, StoreErrorCode, toStoreError } from './errors.ts';
import { comparisonKeys, type ComparisonKeys } from './keys.ts';
import type { ApplyOptions, ApplyRecord, ApplyResult, ApplySegment, Prediction } from './apply-types.ts';
import { ACK_CHUNK, ackOutbox } from './commands/ackOutbox.ts';
import type { ApplyHead } from './commands/apply-head.ts';
import { applyPredicted, layoutPredicted } from './commands/applyPredicted.ts';
import { applyRecords } from './commands/applyRecords.ts';
import { claimOutbox } from './commands/claimOutbox.ts';
import { deadLetter, type DeadLetter } from './commands/deadLetter.ts';
import { expireWaiting } from './commands/expireWaiting.ts';
import { parkedCandidates, prePair } from './pre-pair.ts';
import { retentionBuckets } from './retention.ts';
import { registerScripts, type ScriptRunner } from './scripts.ts';

export type { ApplyOptions, ApplyPath, ApplyRecord, ApplyResult, ApplySegment, PairHint, ParkedHint, Prediction, SegmentOutcome } from './apply-types.ts';
export { DEAD_LETTER_CAP, DEAD_LETTER_TEXT_BYTES, type DeadLetter } from './commands/deadLetter.ts';

export interface PairingStoreOptions {
  readonly redis: RedisClient;
  readonly keyPrefix: string;
  readonly comparison: string;
  /** window + grace, in ms: how far the other side's stream time must pass a record's event time. */
  readonly horizonMs: number;
  /** Wall-clock cap on waiting for a partner, in ms. */
  readonly maxWaitMs: number;
  /** Most watermark expiries decided per side per apply call (bounds script time). */
  readonly expireLimit?: number;
  /** `first`: a second record of a key on a side is a duplicate; `sequence`: n-th pairs with n-th. */
  readonly duplicates?: 'first' | 'sequence';
  /** How long seen keys and tombstones are remembered (duplicates, late partners), ms. */
  readonly retentionMs?: number;
  /**
   * Whether apply tries the fast path (applyPredicted) before the general one; default true. Off,
   * every call goes to applyRecords: the same decisions, more Lua time. The equivalence test runs
   * both; an operator who suspects the fast path can turn it off the same way.
   */
  readonly fastPath?: boolean;
  /**
   * After each apply, wait (WAIT) until this many replicas hold its writes, at most `timeoutMs`;
   * the result says how many did. Off (0) by default. With it, an apply the joiner counts as done
   * survives its primary failing over to a replica that acknowledged it.
   */
  readonly replication?: { readonly replicas: number; readonly timeoutMs: number };
}

export interface PairingStore {
  readonly keys: ComparisonKeys;
  /**
   * Reads the comparison's state epoch, creating it when Redis holds no state yet. Returns it and
   * whether it was created now. Every apply checks it: a change means Redis lost the state.
   */
  openEpoch(): Promise<{ epoch: string; created: boolean }>;
  /**
   * Applies the records of any partitions of both sides in one atomic step (see
   * commands/applyRecords-24.lua): records of the two sides with the same key in one call pair
   * without ever being parked.
   */
  apply(segments: readonly ApplySegment[], options?: ApplyOptions): Promise<ApplyResult>;
  /**
   * What apply is expected to decide for these segments (see Prediction): pure for pairs within
   * the call, one read of the parked records for the rest (none with duplicates: sequence).
   */
  predict(segments: readonly ApplySegment[]): Promise<Prediction>;
  /**
   * Reads, ahead of their flush, the other side's parked records under the keys of records just
   * read on `side` (duplicates: first; nothing otherwise), so that predict() need not read them in
   * a round trip of its own. The read goes on the connection the applies go on, behind every apply
   * sent so far, so Redis usually answers it with their effects in; an apply sent after it makes it
   * stale, and predict() then reads those keys again. It can be stale all the same (another
   * instance, the expiry, ioredis re-sending a script after NOSCRIPT): an answer can only save the
   * round trip, never change a decision, as the store checks every prediction against its state
   * (applyPredicted-24.lua).
   */
  peekAhead(side: Side, pairKeys: readonly string[]): void;
  /** The records parked on `side` under these pair keys (a read: nothing is taken). */
  peekParked(side: Side, pairKeys: readonly string[]): Promise<(StoredRecord | null)[]>;
  expireWaiting(now?: number, limit?: number): Promise<Decision[]>;
  claimStale(leaseMs: number, limit: number, now?: number): Promise<OutboxEntry[]>;
  ack(ids: readonly string[]): Promise<void>;
  /** Moves verdicts the broker refused for good from the outbox to the dead-letter list. */
  deadLetter(entries: readonly DeadLetter[]): Promise<void>;
  /**
   * Registers the partitions of a side's topic, so that the side has a stream time only once
   * every one of them has delivered a record (an unseen partition may hold older records).
   */
  registerPartitions(side: Side, partitions: readonly number[]): Promise<void>;
  pendingCounts(): Promise<Record<Side, number>>;
  /** How many decisions wait in the outbox (decided, not yet acknowledged by Kafka). */
  outboxSize(): Promise<number>;
  /** Each side's stream time (least advanced partition), or null before any record. */
  streamTimes(): Promise<Record<Side, number | null>>;
}

function other(side: Side): Side {
  return side === 'old' ? 'new' : 'old';
}

/** The outbox id of a taken hint's verdict: its new record's coordinate. */
export function hintId(segment: Pick<ApplySegment, 'topic' | 'partition'>, record: Pick<ApplyRecord, 'offset'>): string {
  return `${segment.topic}/${segment.partition}/${record.offset}`;
}

export function createPairingStore({
  redis,
  keyPrefix,
  comparison,
  horizonMs,
  maxWaitMs,
  expireLimit = 1000,
  duplicates = 'first',
  retentionMs = 3_600_000,
  fastPath = true,
  replication = { replicas: 0, timeoutMs: 0 },
}: PairingStoreOptions): PairingStore {
  const keys = comparisonKeys(keyPrefix, comparison);
  const run: ScriptRunner = registerScripts(redis);

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }

  let epoch: string | undefined;

  /** One apply: the fast path when the prediction holds, else the general one (see PairingStore.apply). */
  async function applyOnce(segments: readonly ApplySegment[], { hints = [], parkedHints = [], now = Date.now() }: ApplyOptions = {}): Promise<ApplyResult> {
    if (epoch === undefined) throw new StoreError(StoreErrorCode.MISUSE, 'openEpoch() before apply()');
    if (segments.length === 0) return { path: 'general', segments: [], decisions: [], hintsTaken: [], parkedHintsTaken: [] };
    const { live, ttlMs } = retentionBuckets(now, retentionMs);
    const head: ApplyHead = { keys, live, now, horizonMs, expireLimit, duplicates, epoch, ttlMs };
    const layout = fastPath ? layoutPredicted(segments, hints, parkedHints, duplicates, now) : null;
    if (layout !== null) {
      staleAhead();
      const decisions = await run(applyPredicted, { ...head, layout });
      if (decisions !== null) {
        return { path: 'predicted', segments: layout.outcomes, decisions, hintsTaken: hints.map(() => true), parkedHintsTaken: parkedHints.map(() => true) };
      }
    }
    const general = { ...head, segments, hints, parkedHints };
    let path: ApplyResult['path'] = 'general';
    staleAhead();
    let reply = await run(applyRecords, { ...general, withBlobs: false });
    if (reply.needBlobs) {
      path = 'general-with-blobs';
      staleAhead();
      reply = await run(applyRecords, { ...general, withBlobs: true });
    }
    // The script has every blob now: it never asks twice.
    if (reply.needBlobs) throw new StoreError(StoreErrorCode.SCRIPT, 'applyRecords asked for blobs it was sent');
    const { needBlobs: _, ...result } = reply;
    return { path, ...result };
  }

  /** Reads sent ahead since the last apply was sent, per side of the records that asked: see peekAhead. */
  interface Ahead {
    readonly reply: Promise<(string | null)[] | null>;
    readonly index: number;
  }
  let ahead: Record<Side, Map<string, Ahead>> = { old: new Map(), new: new Map() };
  /** Called as an apply is sent: what was read before it may no longer hold. */
  function staleAhead(): void {
    if (ahead.old.size > 0 || ahead.new.size > 0) ahead = { old: new Map(), new: new Map() };
  }

  /** The parked records for `wanted`, from the reads sent ahead where one is current, else read now. */
  async function lookUp(side: Side, wanted: readonly { readonly key: string }[]): Promise<{ found: (StoredRecord | null)[]; now: number }> {
    const sent = ahead[side];
    const entries = wanted.map((w) => sent.get(w.key));
    const replies = new Map<Promise<(string | null)[] | null>, (string | null)[] | null>();
    for (const entry of entries) if (entry !== undefined) replies.set(entry.reply, null);
    await Promise.all([...replies.keys()].map(async (reply) => replies.set(reply, await reply)));
    const found: (StoredRecord | null | undefined)[] = entries.map((entry) => {
      const values = entry === undefined ? null : replies.get(entry.reply);
      // A read that failed is made again now: its failure then surfaces here, as a StoreError.
      if (values === null || values === undefined) return undefined;
      const value = values[entry!.index];
      return value === null || value === undefined ? null : parseEntry(value);
    });
    const missing = wanted.filter((_, i) => found[i] === undefined);
    if (missing.length > 0) {
      const read = await peekParked(other(side), missing.map((w) => w.key));
      let next = 0;
      for (let i = 0; i < found.length; i += 1) if (found[i] === undefined) found[i] = read[next++]!;
    }
    return { found: found as (StoredRecord | null)[], now: missing.length };
  }

  async function peekParked(side: Side, pairKeys: readonly string[]): Promise<(StoredRecord | null)[]> {
    if (pairKeys.length === 0) return [];
    const entries = await call('peekParked', () => redis.hmget(keys.pending(side), ...pairKeys));
    return entries.map((entry) => (entry === null ? null : parseEntry(entry)));
  }

  return {
    keys,

    async openEpoch() {
      const fresh = randomUUID();
      const created = (await call('openEpoch', () => redis.set(keys.epoch, fresh, 'NX'))) === 'OK';
      epoch = created ? fresh : ((await call('openEpoch', () => redis.get(keys.epoch))) ?? fresh);
      return { epoch, created };
    },

    async apply(segments, options) {
      const result = await applyOnce(segments, options);
      if (replication.replicas === 0 || segments.length === 0) return result;
      // On the connection that sent the apply: WAIT counts that connection's writes.
      const acknowledged = await call('wait', () => waitForReplicas(redis, keys.epoch, replication.replicas, replication.timeoutMs));
      return { ...result, replicas: { wanted: replication.replicas, acknowledged } };
    },

    async predict(segments) {
      const pairs = prePair(segments, duplicates);
      const wanted = parkedCandidates(segments, pairs, duplicates);
      // A record of one side looks among the other side's parked records.
      const [forOld, forNew] = await Promise.all([lookUp('old', wanted.old), lookUp('new', wanted.new)]);
      const parked: { record: number; partner: StoredRecord }[] = [];
      for (const [side, { found }] of [['old', forOld], ['new', forNew]] as const) {
        found.forEach((partner, i) => {
          if (partner !== null) parked.push({ record: wanted[side][i]!.index, partner });
        });
      }
      const readNow = forOld.now + forNew.now;
      return { pairs, parked, lookups: { ahead: wanted.old.length + wanted.new.length - readNow, now: readNow } };
    },

    peekAhead(side, pairKeys) {
      if (duplicates !== 'first' || pairKeys.length === 0) return;
      // A failed read is made again by predict(), which reports it; none goes unhandled here.
      const reply = redis.hmget(keys.pending(other(side)), ...pairKeys).catch(() => null);
      const sent = ahead[side];
      pairKeys.forEach((key, index) => sent.set(key, { reply, index }));
    },

    peekParked,

    async expireWaiting(now = Date.now(), limit = 1000) {
      const { live, ttlMs } = retentionBuckets(now, retentionMs);
      return run(expireWaiting, { keys, now, maxWaitMs, limit, bucket: live[0], ttlMs });
    },

    claimStale: (leaseMs, limit, now = Date.now()) => run(claimOutbox, { keys, now, leaseMs, limit }),

    async ack(ids) {
      for (let i = 0; i < ids.length; i += ACK_CHUNK) await run(ackOutbox, { keys, ids: ids.slice(i, i + ACK_CHUNK) });
    },

    async deadLetter(entries) {
      if (entries.length > 0) await run(deadLetter, { keys, entries });
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

    async outboxSize() {
      return call('outboxSize', () => redis.hlen(keys.outbox));
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
