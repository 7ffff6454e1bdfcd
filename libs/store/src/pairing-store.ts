import type { Redis } from 'ioredis';
import { parseDecisions, parseEntry, parseOutboxEntries, type Decision, type OutboxEntry, type Side, type StoredRecord } from './decision.ts';
import { randomUUID } from 'node:crypto';
import { ScriptCode, StoreError, StoreErrorCode, scriptCodeError, toStoreError } from './errors.ts';
import { comparisonKeys, type ComparisonKeys } from './keys.ts';
import type { ApplyOptions, ApplyRecord, ApplyResult, ApplySegment, Prediction, SegmentOutcome } from './apply-types.ts';
import { parkedCandidates, prePair } from './pre-pair.ts';
import { predictedCall } from './predicted.ts';
import { retentionBuckets } from './retention.ts';
import { registerScripts, type ScriptRunner } from './scripts.ts';

export type { ApplyOptions, ApplyPath, ApplyRecord, ApplyResult, ApplySegment, PairHint, ParkedHint, Prediction, SegmentOutcome } from './apply-types.ts';

export interface PairingStoreOptions {
  readonly redis: Redis;
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

/** A verdict the broker refused for good, as the dead-letter list keeps it. */
export interface DeadLetter {
  /** Its outbox id, or null when it was never in the outbox (a match that is not sampled never is). */
  readonly outboxId: string | null;
  readonly pairId: string;
  readonly topic: string;
  /** The broker's error (e.g. INVALID_RECORD) and its message. */
  readonly error: string;
  readonly at: number;
  /** The verdict text, cut to DEAD_LETTER_TEXT_BYTES. */
  readonly verdict: string;
}

/** How many entries a comparison's dead-letter list keeps. */
export const DEAD_LETTER_CAP = 10_000;
/** How much of a refused verdict's text an entry keeps. */
export const DEAD_LETTER_TEXT_BYTES = 64 * 1024;

/** The outbox id of a taken hint's verdict: its new record's coordinate. */
export function hintId(segment: Pick<ApplySegment, 'topic' | 'partition'>, record: Pick<ApplyRecord, 'offset'>): string {
  return `${segment.topic}/${segment.partition}/${record.offset}`;
}

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
  fastPath = true,
}: PairingStoreOptions): PairingStore {
  const keys = comparisonKeys(keyPrefix, comparison);
  const run: ScriptRunner = registerScripts(redis);
  const outboxKeys = [keys.outbox, keys.outboxDue];
  /** Where parked records live, as every script that parks or takes them lists them first. */
  const parkedKeys = [keys.pending('old'), keys.pending('new'), keys.eventTimes('old'), keys.eventTimes('new'), keys.arrivals('old'), keys.arrivals('new')];

  async function call<T>(operation: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      throw toStoreError(operation, error);
    }
  }

  let epoch: string | undefined;

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

    async apply(segments, { hints = [], parkedHints = [], now = Date.now() } = {}) {
      if (epoch === undefined) throw new StoreError(StoreErrorCode.MISUSE, 'openEpoch() before apply()');
      if (segments.length === 0) return { path: 'general', segments: [], decisions: [], hintsTaken: [], parkedHintsTaken: [] };
      const { live, ttlMs } = retentionBuckets(now, retentionMs);
      const scriptKeys = [
        ...parkedKeys,
        keys.streamTimes('old'),
        keys.streamTimes('new'),
        ...live.map((b) => keys.seen('old', b)),
        ...live.map((b) => keys.seen('new', b)),
        ...live.map((b) => keys.tombstones('old', b)),
        ...live.map((b) => keys.tombstones('new', b)),
        keys.offsets,
        keys.outbox,
        keys.outboxDue,
        keys.epoch,
      ];
      let total = 0;
      for (const segment of segments) total += segment.records.length;
      // A hinted record's blob stays here unless the store turns out to need it.
      const hinted = new Set<number>();
      for (const hint of hints) {
        hinted.add(hint.old);
        hinted.add(hint.new);
      }
      for (const hint of parkedHints) hinted.add(hint.record);
      const argsFor = (withBlobs: boolean): (string | number)[] => {
        const args: (string | number)[] = [now, horizonMs, expireLimit, duplicates, epoch as string, ttlMs, segments.length, total, hints.length, parkedHints.length];
        for (const s of segments) args.push(s.side, s.topic, s.partition, s.records.length, s.after ?? '');
        let index = 0;
        for (const s of segments) {
          for (const r of s.records) {
            args.push(r.offset, r.kind === 'invalid' ? 'i' : 'r', r.key, r.eventTime, withBlobs || !hinted.has(index) ? r.blob : '');
            index += 1;
          }
        }
        // Lua counts from 1.
        for (const h of hints) args.push(h.old + 1, h.new + 1, h.verdict ?? '');
        for (const h of parkedHints) args.push(h.record + 1, h.partner, h.verdict ?? '');
        return args;
      };
      const predicted = fastPath ? predictedCall(segments, hints, parkedHints, duplicates, now) : null;
      if (predicted !== null) {
        const fast = (await call('applyPredicted', () =>
          run('applyPredicted', scriptKeys, [now, horizonMs, expireLimit, epoch as string, ttlMs, ...predicted.args]),
        )) as unknown[];
        if (fast[0] === 'ok') {
          return {
            path: 'predicted',
            segments: predicted.outcomes,
            decisions: parseDecisions(fast, 1),
            hintsTaken: hints.map(() => true),
            parkedHintsTaken: parkedHints.map(() => true),
          };
        }
        if (fast[0] !== ScriptCode.NEED_GENERAL) throw scriptCodeError('applyPredicted', Number(fast[0]));
      }
      let reply = (await call('applyRecords', () => run('applyRecords', scriptKeys, argsFor(hinted.size === 0)))) as unknown[];
      let path: ApplyResult['path'] = 'general';
      if (reply[0] === ScriptCode.NEED_BLOBS) {
        path = 'general-with-blobs';
        reply = (await call('applyRecords', () => run('applyRecords', scriptKeys, argsFor(true)))) as unknown[];
      }
      if (typeof reply[0] === 'number') throw scriptCodeError('applyRecords', reply[0]);
      const flags = String(reply[0]);
      const outcomes: SegmentOutcome[] = [];
      for (let i = 0; i < segments.length; i += 1) {
        const [applied, skipped, paired, parked, duplicate, invalid, missing, late] = reply.slice(1 + i * 8, 9 + i * 8) as number[];
        outcomes.push({ applied: applied!, skipped: skipped!, paired: paired!, parked: parked!, duplicate: duplicate!, invalid: invalid!, missing: missing!, late: late! });
      }
      return {
        path,
        segments: outcomes,
        decisions: parseDecisions(reply, 1 + segments.length * 8),
        hintsTaken: hints.map((_, i) => flags[i] === '1'),
        parkedHintsTaken: parkedHints.map((_, i) => flags[hints.length + i] === '1'),
      };
    },

    async predict(segments) {
      const pairs = prePair(segments, duplicates);
      const wanted = parkedCandidates(segments, pairs, duplicates);
      // A record of one side looks among the other side's parked records.
      const [forOld, forNew] = await Promise.all([peekParked('new', wanted.old.map((w) => w.key)), peekParked('old', wanted.new.map((w) => w.key))]);
      const parked: { record: number; partner: StoredRecord }[] = [];
      for (const [side, found] of [['old', forOld], ['new', forNew]] as const) {
        found.forEach((partner, i) => {
          if (partner !== null) parked.push({ record: wanted[side][i]!.index, partner });
        });
      }
      return { pairs, parked };
    },

    peekParked,

    async expireWaiting(now = Date.now(), limit = 1000) {
      const buckets = retentionBuckets(now, retentionMs);
      const reply = await call('expireWaiting', () =>
        run(
          'expireWaiting',
          [
            ...parkedKeys,
            keys.outbox,
            keys.outboxDue,
            keys.tombstones('old', buckets.live[0]),
            keys.tombstones('new', buckets.live[0]),
          ],
          [now, maxWaitMs, limit, buckets.ttlMs],
        ),
      ) as string[];
      return parseDecisions(reply);
    },

    async claimStale(leaseMs, limit, now = Date.now()) {
      const reply = await call('claimOutbox', () => run('claimOutbox', outboxKeys, [now, leaseMs, limit])) as string[];
      return parseOutboxEntries(reply);
    },

    async ack(ids) {
      for (let i = 0; i < ids.length; i += ACK_CHUNK) {
        const chunk = ids.slice(i, i + ACK_CHUNK);
        await call('ackOutbox', () => run('ackOutbox', outboxKeys, chunk));
      }
    },

    async deadLetter(entries) {
      if (entries.length === 0) return;
      const args: (string | number)[] = [DEAD_LETTER_CAP];
      for (const { outboxId, verdict, ...rest } of entries) {
        args.push(outboxId ?? '', JSON.stringify({ ...rest, verdict: verdict.length > DEAD_LETTER_TEXT_BYTES ? `${verdict.slice(0, DEAD_LETTER_TEXT_BYTES)}…` : verdict }));
      }
      await call('deadLetter', () => run('deadLetter', [...outboxKeys, keys.deadLetters], args));
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
