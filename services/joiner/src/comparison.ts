/**
 * One comparison's pipeline, from a partition's records to verdicts queued for publication:
 * segments are gathered into flushes (flusher.ts); a flush keeps back what is past the frontier
 * in a backlog (segments.ts), asks the store which pairs it expects, compares those, hands them
 * back as hints and lets the store decide everything atomically (libs/store); the verdicts go to
 * the publisher. The comparison also holds what the other parts read of it: its mode, its
 * comparator, its read progress and what holds its partitions back.
 */
import { createRedactor, withRenamedPatterns, type Comparator } from '@shadowdiff/compare';
import type { ComparisonConfig, Mode, Side } from '@shadowdiff/config';
import { StoreErrorCode, hintId, isStoreError, type Decision, type OutboxEntry, type PairingStore, type SegmentOutcome } from '@shadowdiff/store';
import { parseRecordBlob } from '@shadowdiff/vocabulary';
import { createAligner, type Aligner } from './alignment.ts';
import { JoinerError, JoinerErrorCode } from './errors.ts';
import type { JoinerEvents } from './events.ts';
import { createFlusher, type Flushed } from './flusher.ts';
import type { Publisher, ReadyVerdict } from './publisher.ts';
import type { ReadRecord, RecordReader } from './record-reader.ts';
import { topicFor, type VerdictLimits } from './routing.ts';
import { NO_OUTCOME, addOutcomes, eventTimeRange, segmentBytes, splitAtFrontier, type ReadSegment } from './segments.ts';
import { serializeVerdict, toVerdict, verdictOf, type ParsedSide, type Verdict } from './verdict.ts';

export interface ComparisonOptions {
  readonly config: ComparisonConfig;
  readonly store: PairingStore;
  readonly readers: Record<Side, RecordReader>;
  readonly topics: { readonly matches: string; readonly mismatches: string };
  readonly publisher: Publisher;
  readonly verdictLimits: VerdictLimits;
  readonly events: JoinerEvents;
  /** Most records in one flush. */
  readonly flushSize: number;
  /** Most record bytes (blobs) in one flush. */
  readonly flushBytes: number;
  /** Whether the joiner consumes: before that, a flush keeps nothing back. */
  readonly isRunning: () => boolean;
  /** Stops the joiner for good (Redis lost what this instance applied). */
  readonly fail: (error: Error) => void;
}

export interface Comparison {
  readonly config: ComparisonConfig;
  readonly store: PairingStore;
  readonly readers: Record<Side, RecordReader>;
  readonly topics: { readonly matches: string; readonly mismatches: string };
  mode: Mode;
  /** Built at start: normaliser modules are loaded then. */
  comparator: Comparator | undefined;
  /** Holds back the partitions that run ahead in event time during a backlog (what was read). */
  readonly aligner: Aligner;
  /** The side flow control holds back (one side far ahead of the other), if any. */
  flowPaused: Side | null;
  /** The outbox holds more than joiner.maxOutbox decisions: reading is paused until it drains to half. */
  outboxFull: boolean;
  /** Resolves when the next chunk may be handed over (backpressure: at most one flush waits). */
  ready(): Promise<void>;
  /**
   * Hands over a partition's chunk; settles once Redis has applied it, with what became of its
   * records, or with its flush's failure (reported once per flush, and the chunks of the
   * partition that follow are refused by the store until it is read again from there).
   */
  submit(side: Side, topic: string, partition: number, records: readonly ReadRecord[], caughtUp: boolean): Promise<SegmentOutcome>;
  /** The partition's next chunk follows nothing the store knows of (it was read idle, or rewound). */
  forget(topic: string, partition: number): void;
  /** Queues the verdicts of outbox entries (expired, or taken over from a publisher that died). */
  publish(entries: readonly OutboxEntry[]): Promise<void>;
  /** Forgets read progress (a new assignment). */
  resetProgress(): void;
}

export function createComparison({ config, store, readers, topics, publisher, verdictLimits, events, flushSize, flushBytes, isRunning, fail }: ComparisonOptions): Comparison {
  const redactor = createRedactor(withRenamedPatterns(config.redact, config.compare.rename));
  /** Per partition, the offset of the last record handed to the flusher (the store checks that the next segment follows it). */
  const handedOver = new Map<string, string>();
  /** The progress of what reached the store: its frontier decides what a flush keeps back. */
  const flushed = createAligner();
  const flusher = createFlusher<ReadSegment, SegmentOutcome>({
    flush: flushOrReport,
    merge: addOutcomes,
    sizeOf: (s) => s.records.length,
    maxSize: flushSize,
    bytesOf: segmentBytes,
    maxBytes: flushBytes,
  });

  const self: Comparison = {
    config,
    store,
    readers,
    topics,
    mode: config.mode,
    comparator: undefined,
    aligner: createAligner(),
    flowPaused: null,
    outboxFull: false,
    ready: () => flusher.ready(),
    submit(side, topic, partition, records, caughtUp) {
      const tp = `${topic}/${partition}`;
      const after = handedOver.get(tp);
      handedOver.set(tp, records.at(-1)!.offset);
      const done = flusher.submit({ side, topic, partition, records, caughtUp, ...(after === undefined ? {} : { after }) }).catch((error: unknown) => {
        handedOver.delete(tp);
        throw error;
      });
      try {
        peekAhead(side, records);
      } catch {
        // Only a saving: without the look-up, predict reads those keys itself.
      }
      return done;
    },
    forget: (topic, partition) => void handedOver.delete(`${topic}/${partition}`),
    async publish(entries) {
      if (entries.length === 0) return;
      await enqueue(
        entries.map((entry): ReadyVerdict => {
          if (entry.kind !== 'verdict') return fromDecision(entry);
          // Built before its decision (a pair matched within one flush) and left in the outbox.
          const verdict = JSON.parse(entry.text) as Verdict;
          const decided = { verdict, pairWaitMs: null, lastArrivalMs: Date.parse(verdict.decidedAt) };
          return { decided, outboxId: entry.id, topic: topicFor(config, topics, verdict), text: entry.text };
        }),
      );
    },
    resetProgress() {
      self.aligner.reset();
      flushed.reset();
    },
  };

  /** A flush; a failure is reported once here (the callers rewind), a lost state stops the joiner. */
  async function flushOrReport(segments: ReadSegment[]): Promise<Flushed<ReadSegment, SegmentOutcome>[]> {
    try {
      return await flush(segments);
    } catch (error) {
      if (isStoreError(error) && error.code === StoreErrorCode.STATE_LOST) {
        fail(new JoinerError(JoinerErrorCode.STATE_LOST, `${error.message}; stopping before it turns lost records into false verdicts. Recovery: docs/guarantees.md`, { cause: error }));
      } else if (isStoreError(error) && error.code === StoreErrorCode.GAP) {
        // A failed flush rejects everything behind it, so this instance never sends a segment past
        // one that failed: Redis went back (a failover that lost writes, say). Reading on would
        // skip the records it lost; stop instead, as for lost state.
        fail(new JoinerError(JoinerErrorCode.STATE_LOST, `${error.message}: Redis no longer holds records this instance applied; stopping. Recovery: docs/guarantees.md`, { cause: error }));
      } else {
        events.emit('joiner.error', { comparison: config.name, error: error as Error, during: 'apply' });
      }
      throw error;
    }
  }

  async function flush(segments: ReadSegment[]): Promise<Flushed<ReadSegment, SegmentOutcome>[]> {
    for (const segment of segments) flushed.observe(segment.topic, segment.partition, { ...eventTimeRange(segment.records), caughtUp: segment.caughtUp });
    const parts = splitAtFrontier(segments, isRunning() ? flushed.frontier() : undefined);
    const going = parts.flatMap((p) => (p.now === null ? [] : [p.now]));
    const keptBack = parts.flatMap((p) => (p.later === null ? [] : [p.later]));
    const outcomes = going.length === 0 ? [] : await apply(going, keptBack);
    let next = 0;
    return parts.map((p) => ({ result: p.now === null ? NO_OUTCOME : outcomes[next++]!, ...(p.later === null ? {} : { rest: p.later }) }));
  }

  /**
   * The store says which pairs it expects of these segments; they are compared here and handed
   * back as hints with their verdicts, so that their payloads never travel to Redis again; the
   * store applies everything atomically and decides the rest.
   */
  async function apply(segments: ReadSegment[], keptBack: readonly ReadSegment[]): Promise<SegmentOutcome[]> {
    const now = Date.now();
    const located: { segment: ReadSegment; record: ReadRecord }[] = [];
    for (const segment of segments) for (const record of segment.records) located.push({ segment, record });
    const { pairs, parked } = await store.predict(segments);
    const pairHints = pairs.map(({ old, new: nw }) => {
      const o = located[old]!;
      const n = located[nw]!;
      return hintVerdict(sideOf(o.segment, o.record), sideOf(n.segment, n.record), now, hintId(n.segment, n.record));
    });
    const parkedHints = parked.map(({ record: index, partner }) => {
      const { segment, record } = located[index]!;
      const mine = sideOf(segment, record);
      const theirs: ParsedSide = { record: partner, blob: parseRecordBlob(partner.blob) };
      const [oldSide, newSide] = segment.side === 'old' ? [mine, theirs] : [theirs, mine];
      return { record: index, partner: `${partner.topic}/${partner.partition}/${partner.offset}`, verdict: hintVerdict(oldSide, newSide, now, hintId(segment, record)) };
    });
    const applied = store.apply(segments, {
      now,
      hints: pairs.map((p, i) => ({ old: p.old, new: p.new, verdict: pairHints[i]!.text ?? null })),
      parkedHints: parkedHints.map(({ record, partner, verdict }) => ({ record, partner, verdict: verdict.text ?? null })),
    });
    // Sent behind the apply: the records kept back for the next flush are looked up with its effects in.
    for (const segment of keptBack) peekAhead(segment.side, segment.records);
    const result = await applied;
    if (result.replicas !== undefined && result.replicas.acknowledged < result.replicas.wanted) events.emit('joiner.replication_shortfall', { comparison: config.name, ...result.replicas });
    const verdicts: ReadyVerdict[] = pairHints.filter((_, i) => result.hintsTaken[i]);
    parkedHints.forEach(({ verdict }, i) => {
      if (result.parkedHintsTaken[i]) verdicts.push(verdict);
    });
    for (const decision of result.decisions) verdicts.push(fromDecision(decision));
    await enqueue(verdicts);
    return result.segments;
  }

  /** Asks the store to look up, ahead of their flush, the partners parked for these records (see PairingStore.peekAhead). */
  function peekAhead(side: Side, records: readonly ReadRecord[]): void {
    const keys: string[] = [];
    for (const record of records) if (record.kind === 'record') keys.push(record.key);
    store.peekAhead(side, keys);
  }

  function sideOf(segment: ReadSegment, record: ReadRecord): ParsedSide {
    return {
      record: { topic: segment.topic, partition: segment.partition, offset: record.offset },
      blob: { k: record.key, ts: record.ts, et: record.eventTime, at: record.at, v: record.value ?? null },
    };
  }

  /** A pair's verdict, ready to hand to the store as a hint (its text when it goes out). */
  function hintVerdict(oldSide: ParsedSide, newSide: ParsedSide, now: number, outboxId: string): ReadyVerdict {
    const decided = verdictOf(config.name, self.mode, { kind: 'pair', reason: null, decidedAt: now }, oldSide, newSide, self.comparator, redactor);
    const topic = topicFor(config, topics, decided.verdict);
    if (topic === null) return { decided, topic, outboxId: null };
    return { decided, topic, outboxId, text: serializeVerdict(decided.verdict, verdictLimits.maxBytes(topic)) };
  }

  /** The verdict of a decision the store took from stored entries (kept in the outbox under its id). */
  function fromDecision(decision: Decision): ReadyVerdict {
    const decided = toVerdict(config.name, self.mode, decision, self.comparator, redactor);
    return { decided, outboxId: decision.id, topic: topicFor(config, topics, decided.verdict) };
  }

  function enqueue(verdicts: readonly ReadyVerdict[]): Promise<void> {
    return verdicts.length === 0 ? Promise.resolve() : publisher.enqueue({ verdicts, ack: (ids) => store.ack(ids), deadLetter: (entries) => store.deadLetter(entries) });
  }

  return self;
}
