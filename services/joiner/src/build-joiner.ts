import { parseRecordBlob, verdictTopics as vocabularyTopics } from '@shadowdiff/vocabulary';
import { kafkaConnection, redisConnection, type ComparisonConfig, type Mode, type ShadowdiffConfig, type Side } from '@shadowdiff/config';
import { KafkaError, KafkaErrorCode, checkKafkaAccess, codeOf, createKafka, createProducer, ensureTopics, missingTopics } from '@shadowdiff/kafka';
import { createJoinerMetrics, type JoinerMetrics } from '@shadowdiff/metrics';
import { createRedactor, withRenamedPatterns, type Comparator, type Redactor } from '@shadowdiff/compare';
import {
  StoreErrorCode,
  compares,
  createPairingStore,
  hintId,
  isMode,
  isStoreError,
  connectRedis,
  modeChannel,
  noPermission,
  type ApplySegment,
  type Decision,
  type ModeChange,
  type OutboxEntry,
  type PairingStore,
  type SegmentOutcome,
} from '@shadowdiff/store';
import { Redis } from 'ioredis';
import kafkajs, { type Admin, type Consumer, type EachBatchPayload, type Producer } from 'kafkajs';
import { withoutCommandArgs } from '@shadowdiff/errors';
import { pino, stdSerializers, type Logger } from 'pino';
import { JoinerError, JoinerErrorCode } from './errors.ts';
import { createJoinerEvents, type JoinerEvents } from './events.ts';
import { createAligner, type Aligner } from './alignment.ts';
import { createFlowControl } from './flow-control.ts';
import { createJoinerHttpServer, type JoinerHealth } from './http-server.ts';
import { instrumentLogs, instrumentMetrics } from './instrumentation.ts';
import { buildComparator, checkRegistry, codecFactory } from './comparison-setup.ts';
import { isRegistryRefusal } from '@shadowdiff/codec';
import { createFlusher, type Flushed, type Flusher } from './flusher.ts';
import { createOffsetTracker } from './offset-tracker.ts';
import { createPublisher, type ReadyVerdict } from './publisher.ts';
import { createRecordReader, type ReadRecord, type RecordReader } from './record-reader.ts';
import { serializeVerdict, toVerdict, verdictOf, type ParsedSide, type Verdict } from './verdict.ts';

export interface JoinerOptions {
  readonly config: ShadowdiffConfig;
  readonly logger?: Logger;
  /** Port for /metrics and /healthz; 0 picks a free one. Defaults to config.joiner.metricsPort. */
  readonly metricsPort?: number;
  /** Address /metrics and /healthz bind. Defaults to config.joiner.metricsHost (127.0.0.1). */
  readonly metricsHost?: string;
  /** Most records of one partition in one flush. */
  readonly chunkSize?: number;
  /** Most records in one flush (one Lua call for every partition and both sides). */
  readonly flushSize?: number;
  /** How many partitions' batches kafkajs hands out at once (all of one fetch should fit). */
  readonly partitionsConsumedConcurrently?: number;
  /** Most bytes one fetch brings of one partition. */
  readonly fetchBytesPerPartition?: number;
  /** How often the wall-clock cap (maxWait) is enforced, ms. */
  readonly expireIntervalMs?: number;
  /** How long a decision may sit in the outbox before another publisher takes it over, ms. */
  readonly outboxLeaseMs?: number;
  /** How often gauges (pending records, stream-time lag) and the mode are refreshed, ms. */
  readonly sampleIntervalMs?: number;
}

export interface Joiner {
  readonly events: JoinerEvents;
  readonly metrics: JoinerMetrics;
  readonly groupId: string;
  /** Connects, creates the verdict topics, joins the group; resolves with the metrics port. */
  start(): Promise<number>;
  /** Finishes what it holds, commits, publishes, disconnects. Safe to call twice. */
  stop(reason?: string): Promise<void>;
  /** What /healthz answers: `ok` only while the consumer runs. */
  health(): JoinerHealth;
}

interface ComparisonRuntime {
  readonly config: ComparisonConfig;
  readonly store: PairingStore;
  readonly readers: Record<Side, RecordReader>;
  readonly matchesTopic: string;
  readonly mismatchesTopic: string;
  mode: Mode;
  /** Built at start: normaliser modules are loaded then. */
  comparator: Comparator | undefined;
  readonly redactor: Redactor;
  /** Gathers the segments read concurrently into one store call. */
  readonly flusher: Flusher<ReadSegment, SegmentOutcome>;
  /** Per partition, the offset of the last record handed to the flusher (the store checks that the next segment follows it). */
  readonly handedOver: Map<string, string>;
  /** Holds back the partitions that run ahead in event time during a backlog (what was read). */
  readonly aligner: Aligner;
  /** The same progress, of what reached the store: its frontier decides what a flush keeps back. */
  readonly flushed: Aligner;
  /** The side flow control holds back (one side far ahead of the other), if any. */
  flowPaused: Side | null;
  /** The outbox holds more than joiner.maxOutbox decisions: reading is paused until it drains to half. */
  outboxFull: boolean;
}

/** One partition's records of one side, as read. */
interface ReadSegment extends ApplySegment {
  readonly records: readonly ReadRecord[];
  /** The partition had at most a chunk's worth of records left when this was read (no backlog). */
  readonly caughtUp: boolean;
  /** Kept back from an earlier flush (see splitAtFrontier). */
  readonly deferred?: boolean;
}

/** Partitions named `topic/partition`, grouped as kafkajs's pause and resume take them. */
function byTopic(ids: Iterable<string>): { topic: string; partitions: number[] }[] {
  const grouped = new Map<string, number[]>();
  for (const id of ids) {
    const cut = id.lastIndexOf('/');
    const topic = id.slice(0, cut);
    grouped.set(topic, [...(grouped.get(topic) ?? []), Number(id.slice(cut + 1))]);
  }
  return [...grouped].map(([topic, partitions]) => ({ topic, partitions }));
}

/** The event times a segment brought; an invalid record's time is no evidence of progress and counts for nothing. */
function eventTimeRange(records: readonly ReadRecord[]): { oldest: number; newest: number } {
  let oldest = Number.POSITIVE_INFINITY;
  let newest = Number.NEGATIVE_INFINITY;
  for (const r of records) {
    if (r.kind !== 'record') continue;
    if (r.eventTime < oldest) oldest = r.eventTime;
    if (r.eventTime > newest) newest = r.eventTime;
  }
  return { oldest, newest };
}

const NO_OUTCOME: SegmentOutcome = { applied: 0, skipped: 0, paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0 };

function addOutcomes(a: SegmentOutcome, b: SegmentOutcome): SegmentOutcome {
  return {
    applied: a.applied + b.applied,
    skipped: a.skipped + b.skipped,
    paired: a.paired + b.paired,
    parked: a.parked + b.parked,
    duplicate: a.duplicate + b.duplicate,
    invalid: a.invalid + b.invalid,
    missing: a.missing + b.missing,
    late: a.late + b.late,
  };
}

/** Most outbox entries taken over in one claim. */
const RECLAIM_BATCH = 1000;

/** Room left in a verdict topic's max.message.bytes for a record's key, headers and batch framing. */
const VERDICT_RECORD_OVERHEAD = 16 * 1024;
/** The broker's default max.message.bytes, less that room: for a topic whose limit could not be read. */
const DEFAULT_VERDICT_BYTES = 1_048_588 - VERDICT_RECORD_OVERHEAD;

/** Whether a match verdict is emitted to the matches topic, per the comparison's `matches` rule. */
export function emitsMatch(config: ComparisonConfig, pairId: string): boolean {
  const rule = config.matches;
  if (rule.emit === 'all') return true;
  if (rule.emit === 'none') return false;
  // Deterministic by pairId: a re-published verdict is sampled the same way.
  return Number.parseInt(pairId.slice(0, 8), 16) / 0x1_0000_0000 < rule.ratio;
}

// kafkajs is CommonJS: Node's ESM loader sees its enums only through the default export.
const { ConfigResourceTypes } = kafkajs;

export function verdictTopics(prefix: string, comparison: string): { matches: string; mismatches: string } {
  return vocabularyTopics(prefix, comparison);
}

export function buildJoiner({
  config,
  logger: givenLogger = pino({ name: 'shadowdiff-joiner' }),
  metricsPort = config.joiner.metricsPort,
  metricsHost = config.joiner.metricsHost,
  chunkSize = 2000,
  flushSize = 20_000,
  partitionsConsumedConcurrently = 64,
  fetchBytesPerPartition = 1024 * 1024,
  expireIntervalMs = 1000,
  outboxLeaseMs = config.joiner.outboxLease,
  sampleIntervalMs = 2000,
}: JoinerOptions): Joiner {
  // Errors are logged without the arguments of the Redis command they carry (AUTH's password, a script's records).
  const logger = givenLogger.child({}, { serializers: { err: (error: Error) => withoutCommandArgs(stdSerializers.err(error)) } });
  const events = createJoinerEvents();
  const metrics = createJoinerMetrics();
  instrumentMetrics(events, metrics);
  instrumentLogs(events, logger);
  // A missing ACL grant never heals: whichever part of the joiner meets one, the joiner stops.
  events.on('joiner.error', ({ error }) => {
    const refused = noPermission(error);
    if (refused) fatal(refused);
  });

  const groupId = config.joiner.groupId ?? `${config.topics.prefix}.joiner`;
  const redisAt = redisConnection(config.redis);
  const redis = new Redis(redisAt.url, { ...redisAt.options, lazyConnect: true, maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; while Redis is away each attempt is reported (and batches retry).
  redis.on('error', (error: Error) => events.emit('joiner.error', { error, during: 'redis connection' }));
  const kafkaAt = kafkaConnection(config.kafka);
  const kafka = createKafka({ ...kafkaAt, logger });
  const codecFor = codecFactory(config);
  const comparisons: ComparisonRuntime[] = config.comparisons.map((c) => {
    const topics = verdictTopics(config.topics.prefix, c.name);
    const runtime: ComparisonRuntime = {
      config: c,
      store: createPairingStore({
        redis,
        keyPrefix: config.redis.keyPrefix,
        comparison: c.name,
        horizonMs: c.window + c.grace,
        maxWaitMs: c.maxWait,
        duplicates: c.duplicates,
        retentionMs: c.retention,
      }),
      readers: { old: createRecordReader(c, codecFor(c.old, c)), new: createRecordReader(c, codecFor(c.new, c)) },
      matchesTopic: topics.matches,
      mismatchesTopic: topics.mismatches,
      mode: c.mode,
      comparator: undefined,
      redactor: createRedactor(withRenamedPatterns(c.redact, c.compare.rename)),
      flusher: createFlusher<ReadSegment, SegmentOutcome>({
        flush: (segments) => flushOrReport(runtime, segments),
        merge: addOutcomes,
        sizeOf: (segment) => segment.records.length,
        maxSize: flushSize,
      }),
      handedOver: new Map(),
      aligner: createAligner(),
      flushed: createAligner(),
      flowPaused: null,
      outboxFull: false,
    };
    return runtime;
  });
  // A topic may feed several comparisons (the same old topic against two candidates).
  const routes = new Map<string, { runtime: ComparisonRuntime; side: Side }[]>();
  for (const runtime of comparisons) {
    for (const side of ['old', 'new'] as const) {
      const topic = runtime.config[side].topic;
      routes.set(topic, [...(routes.get(topic) ?? []), { runtime, side }]);
    }
  }

  /** kafkajs is restarting the consumer after a retriable crash: nothing is read meanwhile. */
  let restarting = false;
  // Healthy while it consumes: not before the group is joined, not while kafkajs restarts the
  // consumer, not once it stopped or failed.
  function health(): JoinerHealth {
    if (fatalError) return 'failed';
    if (stopping) return 'stopping';
    if (!running) return 'starting';
    return restarting ? 'restarting' : 'ok';
  }
  const http = createJoinerHttpServer(metrics.registry, health);
  let producer: Producer | undefined;
  let subscriber: Redis | undefined;
  let consumer: Consumer | undefined;
  let running = false;
  let stopping: Promise<void> | undefined;
  const loops: Promise<void>[] = [];
  const wakeups = new Set<() => void>();

  /** Per verdict topic, the most one verdict's text may take there (read from the topic at start). */
  const verdictLimits = new Map<string, number>();
  const maxVerdictBytes = (topic: string) => verdictLimits.get(topic) ?? DEFAULT_VERDICT_BYTES;
  const publisher = createPublisher({ producer: () => producer!, events, maxVerdictBytes });
  const offsets = createOffsetTracker();

  function topicFor(runtime: ComparisonRuntime, verdict: Verdict): string | null {
    if (verdict.verdict !== 'match') return runtime.mismatchesTopic;
    return emitsMatch(runtime.config, verdict.pairId) ? runtime.matchesTopic : null;
  }

  /** The verdict of a decision the store took from stored entries (kept in the outbox under its id). */
  function fromDecision(runtime: ComparisonRuntime, decision: Decision): ReadyVerdict {
    const decided = toVerdict(runtime.config.name, runtime.mode, decision, runtime.comparator, runtime.redactor);
    return { decided, outboxId: decision.id, topic: topicFor(runtime, decided.verdict) };
  }

  function enqueue(runtime: ComparisonRuntime, verdicts: readonly ReadyVerdict[]): Promise<void> {
    return verdicts.length === 0 ? Promise.resolve() : publisher.enqueue({ verdicts, ack: (ids) => runtime.store.ack(ids), deadLetter: (entries) => runtime.store.deadLetter(entries) });
  }

  /** Queues the verdicts of decisions taken by the store (or left in its outbox) for publication. */
  async function publish(runtime: ComparisonRuntime, entries: readonly OutboxEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const verdicts = entries.map((entry): ReadyVerdict => {
      if (entry.kind === 'verdict') {
        // Built before its decision (a pair matched within one flush) and left in the outbox.
        const verdict = JSON.parse(entry.text) as Verdict;
        const decided = { verdict, pairWaitMs: null, lastArrivalMs: Date.parse(verdict.decidedAt) };
        return { decided, outboxId: entry.id, topic: topicFor(runtime, verdict), text: entry.text };
      }
      return fromDecision(runtime, entry);
    });
    await enqueue(runtime, verdicts);
  }

  function sideOf(segment: ReadSegment, record: ReadRecord): ParsedSide {
    return {
      record: { topic: segment.topic, partition: segment.partition, offset: record.offset },
      blob: { k: record.key, ts: record.ts, et: record.eventTime, at: record.at, v: record.value ?? null },
    };
  }

  /** A pair's verdict, ready to hand to the store as a hint (its text when it goes out). */
  function hintVerdict(runtime: ComparisonRuntime, oldSide: ParsedSide, newSide: ParsedSide, now: number, outboxId: string): ReadyVerdict {
    const decided = verdictOf(runtime.config.name, runtime.mode, { kind: 'pair', reason: null, decidedAt: now }, oldSide, newSide, runtime.comparator, runtime.redactor);
    const topic = topicFor(runtime, decided.verdict);
    if (topic === null) return { decided, topic, outboxId: null };
    return { decided, topic, outboxId, text: serializeVerdict(decided.verdict, maxVerdictBytes(topic)) };
  }

  /**
   * One flush. The joiner compares first what it can: pairs of records it holds both of, and
   * records whose partner is already parked (read back in one call). It hands them to the store
   * as hints with their verdicts, so that their payloads never travel to Redis again; the store
   * applies everything atomically and decides the rest; the verdicts are queued for publication.
   */
  /** A flush; a failure is reported once here (its callers rewind), a lost state stops the joiner. */
  async function flushOrReport(runtime: ComparisonRuntime, segments: ReadSegment[]): Promise<Flushed<ReadSegment, SegmentOutcome>[]> {
    try {
      return await flush(runtime, segments);
    } catch (error) {
      if (isStoreError(error) && error.code === StoreErrorCode.STATE_LOST) {
        fatal(
          new JoinerError(
            JoinerErrorCode.STATE_LOST,
            `${error.message}; stopping before it turns lost records into false verdicts. Recovery: docs/guarantees.md`,
            { cause: error },
          ),
        );
      } else if (isStoreError(error) && error.code === StoreErrorCode.GAP) {
        // A failed flush rejects everything behind it, so this instance never sends a segment past
        // one that failed: Redis went back (a failover that lost writes, say). Reading on would
        // skip the records it lost; stop instead, as for lost state.
        fatal(
          new JoinerError(
            JoinerErrorCode.STATE_LOST,
            `${error.message}: Redis no longer holds records this instance applied; stopping. Recovery: docs/guarantees.md`,
            { cause: error },
          ),
        );
      } else {
        events.emit('joiner.error', { comparison: runtime.config.name, error: error as Error, during: 'apply' });
      }
      throw error;
    }
  }

  async function flush(runtime: ComparisonRuntime, segments: ReadSegment[]): Promise<Flushed<ReadSegment, SegmentOutcome>[]> {
    for (const segment of segments) {
      runtime.flushed.observe(segment.topic, segment.partition, { ...eventTimeRange(segment.records), caughtUp: segment.caughtUp });
    }
    const parts = splitAtFrontier(segments, running ? runtime.flushed.frontier() : undefined);
    const going = parts.flatMap((p) => (p.now === null ? [] : [p.now]));
    const outcomes = going.length === 0 ? [] : await applySegments(runtime, going);
    let next = 0;
    return parts.map((p) => ({ result: p.now === null ? NO_OUTCOME : outcomes[next++]!, ...(p.later === null ? {} : { rest: p.later }) }));
  }

  /**
   * In a backlog, the records of a segment past the frontier (their partners may not be read yet)
   * are kept back for the next flush instead of being parked, until the frontier passes them. A
   * later segment of a partition with records kept back waits whole behind them. Only a flush that
   * brings something newly read keeps anything back (nothing waits for news that does not come),
   * and the slowest partition, which sets the frontier, never does: reading always progresses.
   */
  function splitAtFrontier(segments: readonly ReadSegment[], frontier: number | undefined): { now: ReadSegment | null; later: ReadSegment | null }[] {
    const keptBack = new Set<string>();
    const fresh = segments.some((s) => !s.deferred);
    return segments.map((segment) => {
      const tp = `${segment.topic}/${segment.partition}`;
      if (keptBack.has(tp)) return { now: null, later: { ...segment, deferred: true } };
      if (frontier === undefined || !fresh || segment.caughtUp) return { now: segment, later: null };
      // An invalid record waits for no partner: it is never what keeps a segment back.
      const cut = segment.records.findIndex((r) => r.kind === 'record' && r.eventTime > frontier);
      if (cut < 0) return { now: segment, later: null };
      keptBack.add(tp);
      const later: ReadSegment = { ...segment, records: segment.records.slice(cut), deferred: true, ...(cut > 0 ? { after: segment.records[cut - 1]!.offset } : {}) };
      return { now: cut > 0 ? { ...segment, records: segment.records.slice(0, cut) } : null, later };
    });
  }

  async function applySegments(runtime: ComparisonRuntime, segments: ReadSegment[]): Promise<SegmentOutcome[]> {
    const now = Date.now();
    const located: { segment: ReadSegment; record: ReadRecord }[] = [];
    for (const segment of segments) for (const record of segment.records) located.push({ segment, record });
    // The store says which pairs it expects; the joiner compares them, the store decides.
    const { pairs, parked } = await runtime.store.predict(segments);
    const pairHints = pairs.map(({ old, new: nw }) => {
      const o = located[old]!;
      const n = located[nw]!;
      return hintVerdict(runtime, sideOf(o.segment, o.record), sideOf(n.segment, n.record), now, hintId(n.segment, n.record));
    });
    const parkedHints = parked.map(({ record: index, partner }) => {
      const { segment, record } = located[index]!;
      const mine = sideOf(segment, record);
      const theirs: ParsedSide = { record: partner, blob: parseRecordBlob(partner.blob) };
      const [oldSide, newSide] = segment.side === 'old' ? [mine, theirs] : [theirs, mine];
      return { record: index, partner: `${partner.topic}/${partner.partition}/${partner.offset}`, verdict: hintVerdict(runtime, oldSide, newSide, now, hintId(segment, record)) };
    });
    const result = await runtime.store.apply(segments, {
      now,
      hints: pairs.map((p, i) => ({ old: p.old, new: p.new, verdict: pairHints[i]!.text ?? null })),
      parkedHints: parkedHints.map(({ record, partner, verdict }) => ({ record, partner, verdict: verdict.text ?? null })),
    });
    const verdicts: ReadyVerdict[] = pairHints.filter((_, i) => result.hintsTaken[i]);
    parkedHints.forEach(({ verdict }, i) => {
      if (result.parkedHintsTaken[i]) verdicts.push(verdict);
    });
    for (const decision of result.decisions) verdicts.push(fromDecision(runtime, decision));
    await enqueue(runtime, verdicts);
    return result.segments;
  }

  let fatalError: Error | undefined;

  /** Stops for good, once: the state this instance would build on is gone. */
  function fatal(error: Error): void {
    if (fatalError) return;
    fatalError = error;
    events.emit('joiner.fatal', { error });
    void stopOnce(error.message);
  }

  /** A registry that refuses the joiner's credentials or certificate stops it; anything else is retried. */
  function stopIfRefused(error: unknown): never {
    if (isRegistryRefusal(error)) fatal(error as Error);
    throw error;
  }

  /** The partitions this instance was assigned, by topic (from the group join). */
  let assignment: Record<string, number[]> = {};
  /** The partitions paused now, as `topic/partition`. */
  let held = new Set<string>();

  /** Pauses and resumes partitions so that exactly those flow control or alignment hold back are paused. */
  function reconcilePauses(): void {
    if (!consumer || !running) return;
    const want = new Set<string>();
    for (const runtime of comparisons) {
      if (!compares(runtime.mode)) continue;
      if (runtime.outboxFull) {
        for (const side of ['old', 'new'] as const) {
          const topic = runtime.config[side].topic;
          for (const partition of assignment[topic] ?? []) want.add(`${topic}/${partition}`);
        }
      }
      if (runtime.flowPaused) {
        const topic = runtime.config[runtime.flowPaused].topic;
        for (const partition of assignment[topic] ?? []) want.add(`${topic}/${partition}`);
      }
      for (const id of runtime.aligner.ahead()) want.add(id);
    }
    const pause = [...want].filter((id) => !held.has(id));
    const resume = [...held].filter((id) => !want.has(id));
    if (pause.length > 0) consumer.pause(byTopic(pause));
    if (resume.length > 0) consumer.resume(byTopic(resume));
    held = want;
  }

  /**
   * One batch kafkajs handed out. The joiner reads it, hands its chunks to the comparisons'
   * flushers and lets kafkajs fetch on at once, so that Kafka and Redis work at the same time; the
   * group's committed offset follows only what Redis applied (the offset tracker), and a failed
   * flush sends its partitions back to where it failed (rewind).
   */
  async function applyBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale } = payload;
    const targets = routes.get(batch.topic) ?? [];
    const tp = `${batch.topic}/${batch.partition}`;
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!running || !isRunning() || isStale()) break;
      const chunk = batch.messages.slice(start, start + chunkSize);
      const arrivedAt = Date.now();
      // Within a chunk of the end counts as no backlog: live traffic always leaves a little lag.
      const caughtUp = start + chunkSize >= batch.messages.length && Number(batch.offsetLag()) <= chunkSize;
      // Backpressure: at most one flush waits behind the one Redis is applying. The chunk is read
      // (decoded) only then: a chunk waiting here holds Kafka's bytes, not their decoded copies.
      await Promise.all(targets.map(({ runtime }) => runtime.flusher.ready()));
      if (!running || !isRunning() || isStale()) break;
      const reads = await Promise.all(
        targets.map(async ({ runtime, side }) => {
          // old or new: one consumer runs, there is nothing to compare; the comparison is idle.
          if (!compares(runtime.mode)) return { runtime, side, records: null };
          const reader = runtime.readers[side];
          const read = chunk.map((m) => reader(m, arrivedAt));
          const records = read.some((r) => r instanceof Promise) ? await Promise.all(read).catch(stopIfRefused) : (read as ReadRecord[]);
          runtime.aligner.observe(batch.topic, batch.partition, { ...eventTimeRange(records), caughtUp });
          return { runtime, side, records };
        }),
      );
      reconcilePauses();
      // A failed flush may have sent this partition back meanwhile: then this chunk is read again.
      if (!running || !isRunning() || isStale()) break;
      rewinding.delete(tp);
      const first = chunk[0]!.offset;
      const last = chunk[chunk.length - 1]!.offset;
      const ticket = offsets.track(batch.topic, batch.partition, last);
      const handed = reads.map(({ runtime, side, records }) => handOver(runtime, side, batch.topic, batch.partition, { first, last, count: chunk.length, caughtUp }, records));
      const settled = Promise.all(handed).then(
        () => {
          offsets.applied(ticket);
          void commitSoon();
        },
        () => undefined, // the flush's failure is reported and rewound where it happened
      );
      settling.add(settled);
      void settled.finally(() => settling.delete(settled));
      // kafkajs fetches on from here; the group commits it only once Redis has applied it.
      resolveOffset(last);
      // A chunk may wait a flush and a back-off: the group hears from this member after each.
      await heartbeat();
    }
  }

  /** Hands one comparison its chunk of a partition; settles once Redis has applied it. */
  function handOver(
    runtime: ComparisonRuntime,
    side: Side,
    topic: string,
    partition: number,
    { first, last, count, caughtUp }: { first: string; last: string; count: number; caughtUp: boolean },
    records: ReadRecord[] | null,
  ): Promise<void> {
    const tp = `${topic}/${partition}`;
    const base = { comparison: runtime.config.name, side, topic, partition };
    if (records === null) {
      // Deliberately not applied: the next segment follows no record the store knows of.
      runtime.handedOver.delete(tp);
      const outcomes = { paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0, idle: count };
      events.emit('joiner.batch_applied', { ...base, outcomes, redelivered: 0 });
      return Promise.resolve();
    }
    const after = runtime.handedOver.get(tp);
    runtime.handedOver.set(tp, last);
    return runtime.flusher.submit({ side, topic, partition, records, caughtUp, ...(after === undefined ? {} : { after }) }).then(
      ({ paired, parked, duplicate, invalid, missing, late, skipped }) => {
        events.emit('joiner.batch_applied', { ...base, outcomes: { paired, parked, duplicate, invalid, missing, late, idle: 0 }, redelivered: skipped });
      },
      (error: unknown) => {
        rewind(runtime, topic, partition, first);
        throw error;
      },
    );
  }

  /** Chunks handed over and not yet applied (or failed), by the promise that marks them applied. */
  const settling = new Set<Promise<void>>();

  /** Partitions sent back after a failed flush, to the offset they read again from. */
  const rewinding = new Map<string, string>();

  /**
   * A chunk of this partition was not applied (its flush failed, or one before it did): read the
   * partition again from there. Chunks read after it wait in no queue any more (the flusher
   * dropped them) and are not committed; kafkajs drops what it fetched of the partition before
   * the seek, and the batches in hand see it as stale.
   */
  function rewind(runtime: ComparisonRuntime, topic: string, partition: number, first: string): void {
    const tp = `${topic}/${partition}`;
    runtime.handedOver.delete(tp);
    offsets.forget(topic, partition);
    // Several failed chunks of one partition (or comparisons) rewind to the earliest of them.
    const pending = rewinding.get(tp);
    const offset = pending !== undefined && BigInt(pending) < BigInt(first) ? pending : first;
    rewinding.set(tp, offset);
    consumer?.seek({ topic, partition, offset });
  }

  let committing: Promise<void> | undefined;
  let commitAgain = false;

  /** Commits what Redis has applied, one commit at a time (what arrives meanwhile goes next). */
  function commitSoon(): Promise<void> {
    if (committing) {
      commitAgain = true;
      return committing;
    }
    committing = (async () => {
      do {
        commitAgain = false;
        const due = offsets.uncommitted();
        if (due.length === 0 || !consumer) continue;
        try {
          await consumer.commitOffsets(due);
          offsets.committed(due);
        } catch (error) {
          // The next commit carries these offsets again (a rebalance, the broker away).
          events.emit('joiner.error', { error: error as Error, during: 'commit offsets' });
        }
      } while (commitAgain);
    })().finally(() => (committing = undefined));
    return committing;
  }

  /** Runs `task` every `intervalMs` until stop; failures are reported and retried next round. */
  function every(intervalMs: number, during: string, task: () => Promise<void>): void {
    const loop = (async () => {
      while (running) {
        try {
          await task();
        } catch (error) {
          events.emit('joiner.error', { error: error as Error, during });
        }
        if (!running) break;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(done, intervalMs);
          function done() {
            clearTimeout(timer);
            wakeups.delete(done);
            resolve();
          }
          wakeups.add(done);
        });
      }
    })();
    loops.push(loop);
  }

  async function refreshMode(runtime: ComparisonRuntime, initial: boolean): Promise<void> {
    const stored = await redis.get(runtime.store.keys.mode);
    const mode = isMode(stored) ? stored : runtime.config.mode;
    if (initial || mode !== runtime.mode) {
      runtime.mode = mode;
      events.emit('joiner.mode_changed', { comparison: runtime.config.name, mode });
    }
  }

  /** Mode changes arrive on the pub/sub channel at once; the periodic read is the fallback. */
  async function subscribeToModes(): Promise<void> {
    subscriber = redis.duplicate();
    subscriber.on('error', (error: Error) => events.emit('joiner.error', { error, during: 'mode subscription' }));
    subscriber.on('message', (_channel: string, message: string) => {
      let change: ModeChange;
      try {
        change = JSON.parse(message) as ModeChange;
      } catch {
        return;
      }
      const runtime = comparisons.find((c) => c.config.name === change.comparison);
      if (runtime && isMode(change.to) && runtime.mode !== change.to) {
        runtime.mode = change.to;
        events.emit('joiner.mode_changed', { comparison: runtime.config.name, mode: change.to });
      }
    });
    await subscriber.subscribe(modeChannel(config.redis.keyPrefix));
  }

  async function start(): Promise<number> {
    for (const runtime of comparisons) runtime.comparator = await buildComparator(runtime.config.compare, runtime.config.redact, runtime.config.maxDepth);
    await connectRedis(redis, redisAt.user);
    // Refused credentials or an untrusted certificate stop start-up here, before anything is read.
    await checkKafkaAccess(kafkaAt);
    await checkRegistry(config);
    const admin = kafka.admin();
    await admin.connect();
    try {
      const inputs = [...routes.keys()];
      const absent = await missingTopics(admin, inputs);
      if (absent.length > 0) {
        throw new JoinerError(
          JoinerErrorCode.TOPIC_MISSING,
          `input topic${absent.length > 1 ? 's' : ''} ${absent.join(', ')} not found on ${config.kafka.brokers.join(',')}: create ${absent.length > 1 ? 'them' : 'it'} or fix the comparison's topic`,
        );
      }
      await ensureTopics(
        admin,
        comparisons.flatMap((c) =>
          [c.matchesTopic, c.mismatchesTopic].map((topic) => ({
            topic,
            numPartitions: config.topics.partitions,
            replicationFactor: config.topics.replicationFactor,
            // A verdict carries both payloads: room for two of the largest valid records.
            configEntries: [{ name: 'max.message.bytes', value: String(Math.max(1_048_588, 2 * c.config.maxRecordBytes + 1_048_576)) }],
          })),
        ),
      );
      await readVerdictLimits(admin, comparisons.flatMap((c) => [c.matchesTopic, c.mismatchesTopic]));
      for (const runtime of comparisons) {
        for (const side of ['old', 'new'] as const) {
          const offsets = await admin.fetchTopicOffsets(runtime.config[side].topic);
          await runtime.store.registerPartitions(side, offsets.map((o) => o.partition));
        }
      }
    } finally {
      await admin.disconnect();
    }
    for (const runtime of comparisons) await refreshMode(runtime, true);
    await subscribeToModes();
    await openState();

    producer = createProducer(kafka);
    await producer.connect();
    consumer = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: config.joiner.sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(config.joiner.sessionTimeout / 10)),
      // Every partition of both sides in each fetch (kafkajs' 10 MB default leaves some out, and
      // the two sides of a partition then drift apart, so fewer pairs form within one flush).
      maxBytesPerPartition: fetchBytesPerPartition,
      maxBytes: fetchBytesPerPartition * 64,
    });
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
      restarting = false;
      // A new assignment: progress of partitions no longer ours must not hold the others back.
      assignment = payload.memberAssignment;
      for (const runtime of comparisons) {
        runtime.aligner.reset();
        runtime.flushed.reset();
      }
      // After kafkajs restarts its consumer, no partition is paused and a commit may have been
      // skipped while it was down: pause anew from nothing and commit again what is applied.
      if (held.size > 0) {
        consumer?.resume(byTopic(held));
        held = new Set();
      }
      offsets.recommit();
      reconcilePauses();
      void commitSoon();
    });
    consumer.on(consumer.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        restarting = true;
        events.emit('joiner.error', { error: payload.error, during: 'consuming (kafkajs restarts the consumer)' });
        return;
      }
      // kafkajs gave up on the consumer: nothing is read any more. Stop, so that the process exits
      // non-zero and an orchestrator sees it, instead of a healthy process that decides nothing.
      fatal(
        new KafkaError(KafkaErrorCode.CONSUMER_STOPPED, `the Kafka consumer of group ${groupId} stopped for good${codeOf(payload.error)}`, { cause: payload.error }),
      );
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...routes.keys()], fromBeginning: true });
    running = true;
    const port = await http.listen(metricsPort, metricsHost);
    await consumer.run({
      // kafkajs commits what was resolved after every batch, that is after Redis applied it.
      // The joiner commits itself what Redis has applied (commitSoon), never what was only read.
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every partition of a fetch at once, so that one flush carries both sides' batches.
      partitionsConsumedConcurrently,
      eachBatch: applyBatch,
    });

    for (const runtime of comparisons) {
      every(expireIntervalMs, 'expire max_wait', async () => {
        if (!compares(runtime.mode)) return;
        let decisions: Decision[];
        do {
          decisions = await runtime.store.expireWaiting();
          await publish(runtime, decisions);
        } while (decisions.length > 0 && running);
      });
      every(Math.max(1000, outboxLeaseMs / 3), 'reclaim outbox', async () => {
        // A backlog (a flush applied whose reply was lost, a publisher that died with thousands
        // queued) is taken over as fast as it is published, not a thousand per round.
        let decisions: OutboxEntry[];
        do {
          decisions = await runtime.store.claimStale(outboxLeaseMs, RECLAIM_BATCH);
          if (decisions.length === 0) return;
          events.emit('joiner.outbox_reclaimed', { comparison: runtime.config.name, count: decisions.length });
          await publish(runtime, decisions);
        } while (decisions.length === RECLAIM_BATCH && running);
      });
      const flow = createFlowControl({ maxAheadMs: runtime.config.maxAhead, stallMs: runtime.config.maxWait });
      every(sampleIntervalMs, 'sample store', async () => {
        await refreshMode(runtime, false);
        const [pending, streamTimes, outbox] = await Promise.all([runtime.store.pendingCounts(), runtime.store.streamTimes(), runtime.store.outboxSize()]);
        events.emit('joiner.store_sampled', { comparison: runtime.config.name, pending, streamTimes });
        const limit = config.joiner.maxOutbox;
        const full = runtime.outboxFull ? outbox > limit / 2 : outbox > limit;
        if (full !== runtime.outboxFull) {
          runtime.outboxFull = full;
          reconcilePauses();
          events.emit('joiner.outbox_full', { comparison: runtime.config.name, full, size: outbox, limit });
        }
        const { pause } = flow.observe(streamTimes);
        if (pause === runtime.flowPaused || !consumer) return;
        runtime.flowPaused = pause;
        reconcilePauses();
        events.emit('joiner.flow_changed', { comparison: runtime.config.name, paused: pause, streamTimes });
      });
    }
    events.emit('joiner.started', { comparisons: comparisons.map((c) => c.config.name), groupId });
    return port;
  }

  /**
   * What each verdict topic accepts in one record (max.message.bytes, the broker's default where
   * the topic sets none), less room for the record's key, headers and batch framing: verdicts
   * larger than that are cut to fit (serializeVerdict).
   */
  async function readVerdictLimits(admin: Admin, topics: readonly string[]): Promise<void> {
    const described = await admin.describeConfigs({
      includeSynonyms: false,
      resources: topics.map((name) => ({ type: ConfigResourceTypes.TOPIC, name, configNames: ['max.message.bytes'] })),
    });
    for (const resource of described.resources) {
      const value = Number(resource.configEntries.find((e) => e.configName === 'max.message.bytes')?.configValue);
      if (Number.isFinite(value) && value > 0) verdictLimits.set(resource.resourceName, Math.max(1024, value - VERDICT_RECORD_OVERHEAD));
    }
  }

  /**
   * Opens each comparison's state epoch. A fresh epoch while the group already has committed
   * offsets on the comparison's topics means Redis lost the state while the joiner was away.
   */
  async function openState(): Promise<void> {
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (const runtime of comparisons) {
        const { created } = await runtime.store.openEpoch();
        if (!created) continue;
        const topics = [runtime.config.old.topic, runtime.config.new.topic];
        const committed = await admin.fetchOffsets({ groupId, topics });
        const hasOffsets = committed.some((t) => t.partitions.some((p) => Number(p.offset) >= 0));
        if (!hasOffsets) continue;
        if (config.joiner.onStateLoss === 'stop') {
          await redis.del(runtime.store.keys.epoch);
          throw new JoinerError(
            JoinerErrorCode.STATE_LOST,
            `comparison ${runtime.config.name}: Redis holds no state, but group ${groupId} has committed offsets on ${topics.join(', ')}. ` +
              'Redis lost the state (restarted without persistence, flushed, failed over). Refusing to run: the parked records are gone. ' +
              'Recover by resetting the group to the earliest offsets (joiner.onStateLoss: rewind does it at start) — see docs/guarantees.md.',
          );
        }
        for (const topic of topics) await admin.resetOffsets({ groupId, topic, earliest: true });
        events.emit('joiner.rewound', { comparison: runtime.config.name, topics });
      }
    } finally {
      await admin.disconnect();
    }
  }

  async function shutdown(reason: string): Promise<void> {
    running = false;
    for (const wake of wakeups) wake();
    // Stop reading, let Redis apply what was read, commit that, then leave the group.
    try {
      consumer?.pause([...routes.keys()].map((topic) => ({ topic })));
    } catch {
      // Never ran (start failed): nothing was read.
    }
    await Promise.allSettled([...settling]);
    await commitSoon();
    await consumer?.disconnect();
    await Promise.allSettled(loops);
    await publisher.drain();
    await producer?.disconnect();
    await http.close();
    await subscriber?.quit().catch(() => subscriber?.disconnect());
    await redis.quit().catch(() => redis.disconnect());
    events.emit('joiner.stopped', { reason });
  }

  function stopOnce(reason: string): Promise<void> {
    stopping ??= shutdown(reason);
    return stopping;
  }

  return {
    events,
    metrics,
    groupId,
    start: () =>
      start().catch((error: unknown) => {
        throw noPermission(error, 'start-up') ?? error;
      }),
    stop: (reason = 'stop requested') => stopOnce(reason),
    health,
  };
}
