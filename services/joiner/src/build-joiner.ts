import type { ComparisonConfig, Mode, ShadowdiffConfig, Side } from '@shadowdiff/config';
import { createKafka, createProducer, ensureTopics, missingTopics } from '@shadowdiff/kafka';
import { createJoinerMetrics, type JoinerMetrics } from '@shadowdiff/metrics';
import { createRedactor, type Comparator, type Redactor } from '@shadowdiff/compare';
import { StoreErrorCode, compares, createPairingStore, isMode, isStoreError, modeChannel, type Decision, type ModeChange, type PairingStore } from '@shadowdiff/store';
import { Redis } from 'ioredis';
import type { Consumer, EachBatchPayload, Message, Producer } from 'kafkajs';
import { pino, type Logger } from 'pino';
import { JoinerError, JoinerErrorCode } from './errors.ts';
import { createJoinerEvents, type JoinerEvents } from './events.ts';
import { createFlowControl } from './flow-control.ts';
import { createJoinerHttpServer } from './http-server.ts';
import { instrumentLogs, instrumentMetrics } from './instrumentation.ts';
import { buildComparator, codecFactory } from './comparison-setup.ts';
import { createRecordReader, type RecordReader } from './record-reader.ts';
import { toVerdict } from './verdict.ts';

export interface JoinerOptions {
  readonly config: ShadowdiffConfig;
  readonly logger?: Logger;
  /** Port for /metrics and /healthz; 0 picks a free one. Defaults to config.joiner.metricsPort. */
  readonly metricsPort?: number;
  /** Records per store call (one Lua call each). */
  readonly chunkSize?: number;
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
}


/** Most verdict bytes in one produce request (the broker's default limit is 1 MiB per batch). */
const PUBLISH_BYTES = 512 * 1024;

/** Whether a match verdict is emitted to the matches topic, per the comparison's `matches` rule. */
export function emitsMatch(config: ComparisonConfig, pairId: string): boolean {
  const rule = config.matches;
  if (rule.emit === 'all') return true;
  if (rule.emit === 'none') return false;
  // Deterministic by pairId: a re-published verdict is sampled the same way.
  return Number.parseInt(pairId.slice(0, 8), 16) / 0x1_0000_0000 < rule.ratio;
}

export function verdictTopics(prefix: string, comparison: string): { matches: string; mismatches: string } {
  return { matches: `${prefix}.${comparison}.matches`, mismatches: `${prefix}.${comparison}.mismatches` };
}

export function buildJoiner({
  config,
  logger = pino({ name: 'shadowdiff-joiner' }),
  metricsPort = config.joiner.metricsPort,
  chunkSize = 500,
  expireIntervalMs = 1000,
  outboxLeaseMs = config.joiner.outboxLease,
  sampleIntervalMs = 2000,
}: JoinerOptions): Joiner {
  const events = createJoinerEvents();
  const metrics = createJoinerMetrics();
  instrumentMetrics(events, metrics);
  instrumentLogs(events, logger);

  const groupId = config.joiner.groupId ?? `${config.topics.prefix}.joiner`;
  const redis = new Redis(config.redis.url, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; while Redis is away each attempt is reported (and batches retry).
  redis.on('error', (error: Error) => events.emit('joiner.error', { error, during: 'redis connection' }));
  const kafka = createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logger });
  const codecFor = codecFactory(config);
  const comparisons: ComparisonRuntime[] = config.comparisons.map((c) => {
    const topics = verdictTopics(config.topics.prefix, c.name);
    return {
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
      readers: { old: createRecordReader(c, codecFor(c.old)), new: createRecordReader(c, codecFor(c.new)) },
      matchesTopic: topics.matches,
      mismatchesTopic: topics.mismatches,
      mode: c.mode,
      comparator: undefined,
      redactor: createRedactor(c.redact),
    };
  });
  // A topic may feed several comparisons (the same old topic against two candidates).
  const routes = new Map<string, { runtime: ComparisonRuntime; side: Side }[]>();
  for (const runtime of comparisons) {
    for (const side of ['old', 'new'] as const) {
      const topic = runtime.config[side].topic;
      routes.set(topic, [...(routes.get(topic) ?? []), { runtime, side }]);
    }
  }

  const http = createJoinerHttpServer(metrics.registry, () => running);
  let producer: Producer | undefined;
  let subscriber: Redis | undefined;
  let consumer: Consumer | undefined;
  let running = false;
  let stopping: Promise<void> | undefined;
  const loops: Promise<void>[] = [];
  const wakeups = new Set<() => void>();

  async function publish(runtime: ComparisonRuntime, decisions: readonly Decision[]): Promise<void> {
    if (decisions.length === 0) return;
    const byTopic = new Map<string, Message[]>();
    const decided = decisions.map((decision) => toVerdict(runtime.config.name, runtime.mode, decision, runtime.comparator, runtime.redactor));
    const topicOf: (string | null)[] = [];
    for (const { verdict } of decided) {
      const topic =
        verdict.verdict !== 'match'
          ? runtime.mismatchesTopic
          : emitsMatch(runtime.config, verdict.pairId)
            ? runtime.matchesTopic
            : null;
      topicOf.push(topic);
      if (topic === null) continue;
      const messages = byTopic.get(topic) ?? [];
      messages.push({
        key: verdict.key,
        value: JSON.stringify(verdict),
        headers: { 'shadowdiff-verdict': verdict.verdict, 'shadowdiff-pair-id': verdict.pairId },
      });
      byTopic.set(topic, messages);
    }
    // A produce request carries at most PUBLISH_BYTES of verdicts, so that a batch of verdicts with
    // large payloads never exceeds what the broker accepts in one request.
    for (const [topic, messages] of byTopic) {
      let group: Message[] = [];
      let bytes = 0;
      for (const message of messages) {
        const size = (message.value as string).length;
        if (group.length > 0 && bytes + size > PUBLISH_BYTES) {
          await producer!.send({ topic, acks: -1, messages: group });
          group = [];
          bytes = 0;
        }
        group.push(message);
        bytes += size;
      }
      if (group.length > 0) await producer!.send({ topic, acks: -1, messages: group });
    }
    await runtime.store.ack(decisions.map((d) => d.id));
    const publishedAt = Date.now();
    decided.forEach(({ verdict, pairWaitMs, lastArrivalMs }, i) =>
      events.emit('joiner.verdict_published', { verdict, topic: topicOf[i] ?? null, pairWaitMs, latencyMs: Math.max(0, publishedAt - lastArrivalMs) }),
    );
  }

  let fatalError: Error | undefined;

  /** Stops for good, once: the state this instance would build on is gone. */
  function fatal(error: Error): void {
    if (fatalError) return;
    fatalError = error;
    events.emit('joiner.fatal', { error });
    void stopOnce(error.message);
  }

  async function applyBatchOrStop(payload: EachBatchPayload): Promise<void> {
    try {
      await applyBatch(payload);
    } catch (error) {
      if (isStoreError(error) && error.code === StoreErrorCode.STATE_LOST) {
        fatal(
          new JoinerError(
            JoinerErrorCode.STATE_LOST,
            `${error.message}; stopping before it turns lost records into false verdicts. Recovery: docs/guarantees.md`,
            { cause: error },
          ),
        );
        return;
      }
      throw error;
    }
  }

  async function applyBatch(payload: EachBatchPayload): Promise<void> {
    const { batch, resolveOffset, heartbeat, isRunning, isStale, commitOffsetsIfNecessary } = payload;
    const targets = routes.get(batch.topic) ?? [];
    for (let start = 0; start < batch.messages.length; start += chunkSize) {
      if (!isRunning() || isStale()) break;
      const chunk = batch.messages.slice(start, start + chunkSize);
      const arrivedAt = Date.now();
      for (const { runtime, side } of targets) {
        if (!compares(runtime.mode)) {
          // old or new: one consumer runs, there is nothing to compare; the comparison is idle.
          events.emit('joiner.batch_applied', {
            comparison: runtime.config.name,
            side,
            topic: batch.topic,
            partition: batch.partition,
            outcomes: { paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, idle: chunk.length },
            redelivered: 0,
          });
          continue;
        }
        const records = await Promise.all(chunk.map((m) => runtime.readers[side](m, arrivedAt)));
        const result = await runtime.store.apply(side, batch.topic, batch.partition, records, arrivedAt);
        const own = `${batch.topic}/${batch.partition}/`;
        // Decisions whose id is one of this chunk's records say what became of them; the rest were parked.
        const outcomes = { paired: 0, parked: 0, duplicate: 0, invalid: 0, missing: 0, idle: 0 };
        for (const d of result.decisions) {
          if (!d.id.startsWith(own)) continue;
          if (d.kind === 'pair') outcomes.paired += 1;
          else if (d.kind === 'duplicate') outcomes.duplicate += 1;
          else if (d.kind === 'invalid') outcomes.invalid += 1;
          else outcomes.missing += 1;
        }
        outcomes.parked = result.applied - outcomes.paired - outcomes.duplicate - outcomes.invalid - outcomes.missing;
        events.emit('joiner.batch_applied', {
          comparison: runtime.config.name,
          side,
          topic: batch.topic,
          partition: batch.partition,
          outcomes,
          redelivered: result.skipped,
        });
        await publish(runtime, result.decisions);
      }
      // Redis holds the state (and the outbox the verdicts): only now may Kafka move on.
      resolveOffset(chunk[chunk.length - 1]!.offset);
      await heartbeat();
    }
    await commitOffsetsIfNecessary();
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
    for (const runtime of comparisons) runtime.comparator = await buildComparator(runtime.config.compare, runtime.config.redact);
    await redis.connect();
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
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [...routes.keys()], fromBeginning: true });
    running = true;
    const port = await http.listen(metricsPort);
    await consumer.run({
      autoCommit: true,
      autoCommitThreshold: 1,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: 3,
      eachBatch: applyBatchOrStop,
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
        const decisions = await runtime.store.claimStale(outboxLeaseMs, 1000);
        if (decisions.length === 0) return;
        events.emit('joiner.outbox_reclaimed', { comparison: runtime.config.name, count: decisions.length });
        await publish(runtime, decisions);
      });
      const flow = createFlowControl({ maxAheadMs: runtime.config.maxAhead, stallMs: runtime.config.maxWait });
      let paused: Side | null = null;
      every(sampleIntervalMs, 'sample store', async () => {
        await refreshMode(runtime, false);
        const [pending, streamTimes] = await Promise.all([runtime.store.pendingCounts(), runtime.store.streamTimes()]);
        events.emit('joiner.store_sampled', { comparison: runtime.config.name, pending, streamTimes });
        const { pause } = flow.observe(streamTimes);
        if (pause === paused || !consumer) return;
        if (paused) consumer.resume([{ topic: runtime.config[paused].topic }]);
        if (pause) consumer.pause([{ topic: runtime.config[pause].topic }]);
        events.emit('joiner.flow_changed', { comparison: runtime.config.name, paused: pause, streamTimes });
        paused = pause;
      });
    }
    events.emit('joiner.started', { comparisons: comparisons.map((c) => c.config.name), groupId });
    return port;
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
    // disconnect() lets the batch in hand finish, then commits the offsets it resolved.
    await consumer?.disconnect();
    await Promise.allSettled(loops);
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
    start,
    stop: (reason = 'stop requested') => stopOnce(reason),
  };
}
