/**
 * The composition root: builds the joiner's parts from its settings and starts and stops them in
 * order. Each part has one job and its own module:
 *
 *   settings.ts       the options with their defaults applied
 *   start-up.ts       what is checked and prepared before anything is read
 *   batch-handler.ts  a batch kafkajs hands out → chunks handed to the comparisons
 *   comparison.ts     one comparison's pipeline: flush, predict, compare, apply, publish
 *   committer.ts      committed offsets follow what Redis applied; rewind after a failure
 *   pauses.ts         exactly the partitions something holds back are paused
 *   background.ts     max_wait expiry, outbox take-over, store sampling and flow control
 *   modes.ts          each comparison's migration mode
 *
 * A record's way: kafkajs → batch handler (read) → comparison (flush, store, verdicts) →
 * publisher; the batch handler hands the committer what to commit once the comparison is done.
 */
import { kafkaConnection, redisConnection } from '@shadowdiff/config';
import { isRegistryRefusal } from '@shadowdiff/codec';
import { KafkaError, KafkaErrorCode, codeOf, createKafka, createProducer } from '@shadowdiff/kafka';
import { createJoinerMetrics, type JoinerMetrics } from '@shadowdiff/metrics';
import { createPairingStore, noPermission, openRedis, type RedisClient } from '@shadowdiff/store';
import type { Consumer, Producer } from 'kafkajs';
import { createLoops, startComparisonTasks } from './background.ts';
import { createBatchHandler, routesOf } from './batch-handler.ts';
import { createByteBudget } from './byte-budget.ts';
import { createCommitter } from './committer.ts';
import { codecFactory } from './comparison-setup.ts';
import { createComparison, type Comparison } from './comparison.ts';
import { createJoinerEvents, type JoinerEvents } from './events.ts';
import { createJoinerHttpServer, type JoinerHealth } from './http-server.ts';
import { instrumentLogs, instrumentMetrics } from './instrumentation.ts';
import { followModes, refreshMode } from './modes.ts';
import { createPartitionPauses } from './pauses.ts';
import { createPublisher } from './publisher.ts';
import { createRecordReader } from './record-reader.ts';
import { createVerdictLimits, verdictTopics } from './routing.ts';
import { joinerSettings, type JoinerOptions } from './settings.ts';
import { openState, prepare, type StartUpContext } from './start-up.ts';

export type { JoinerOptions } from './settings.ts';
export { emitsMatch, verdictTopics } from './routing.ts';

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

export function buildJoiner(options: JoinerOptions): Joiner {
  const settings = joinerSettings(options);
  const { config, logger, groupId } = settings;
  const events = createJoinerEvents();
  const metrics = createJoinerMetrics();
  instrumentMetrics(events, metrics);
  instrumentLogs(events, logger);
  // A missing ACL grant never heals: whichever part of the joiner meets one, the joiner stops.
  events.on('joiner.error', ({ error }) => {
    const refused = noPermission(error);
    if (refused) fail(refused);
  });

  const redisAt = redisConnection(config.redis);
  const redis = openRedis(redisAt, { lazyConnect: true, maxRetriesPerRequest: 3 });
  // ioredis reconnects by itself; while Redis is away each attempt is reported (and batches retry).
  redis.on('error', (error: Error) => events.emit('joiner.error', { error, during: 'redis connection' }));
  const kafkaAt = { ...kafkaConnection(config.kafka), logger };
  const kafka = createKafka(kafkaAt);

  let producer: Producer | undefined;
  let consumer: Consumer | undefined;
  let subscriber: RedisClient | undefined;
  let running = false;
  /** kafkajs is restarting the consumer after a retriable crash: nothing is read meanwhile. */
  let restarting = false;
  let stopping: Promise<void> | undefined;
  let fatalError: Error | undefined;
  const isRunning = () => running;

  /** Stops for good, once: the state this instance would build on is gone, or it cannot read on. */
  function fail(error: Error): void {
    if (fatalError) return;
    fatalError = error;
    events.emit('joiner.fatal', { error });
    void stopOnce(error.message);
  }

  const verdictLimits = createVerdictLimits();
  const publisher = createPublisher({ producer: () => producer!, events, maxVerdictBytes: verdictLimits.maxBytes });
  const codecFor = codecFactory(config);
  const comparisons: Comparison[] = config.comparisons.map((c) =>
    createComparison({
      config: c,
      store: createPairingStore({
        redis,
        keyPrefix: config.redis.keyPrefix,
        comparison: c.name,
        horizonMs: c.window + c.grace,
        maxWaitMs: c.maxWait,
        duplicates: c.duplicates,
        retentionMs: c.retention,
        replication: { replicas: config.redis.waitForReplicas.replicas, timeoutMs: config.redis.waitForReplicas.timeout },
      }),
      readers: { old: createRecordReader(c, codecFor(c.old, c)), new: createRecordReader(c, codecFor(c.new, c)) },
      topics: verdictTopics(config.topics.prefix, c.name),
      publisher,
      verdictLimits,
      events,
      flushSize: settings.flushSize,
      flushBytes: settings.flushBytes,
      isRunning,
      fail,
    }),
  );
  const routes = routesOf(comparisons);
  const committer = createCommitter({ consumer: () => consumer, events });
  const pauses = createPartitionPauses({ comparisons, consumer: () => consumer, isRunning });
  const applyBatch = createBatchHandler({
    routes,
    chunkSize: settings.chunkSize,
    committer,
    pauses,
    events,
    isRunning,
    budget: createByteBudget(settings.heldBytes),
    // A registry that refuses the joiner's credentials or certificate stops it; anything else is retried.
    readFailed: (error) => {
      if (isRegistryRefusal(error)) fail(error as Error);
      throw error;
    },
  });
  const loops = createLoops(events);

  // Healthy while it consumes: not before the group is joined, not while kafkajs restarts the
  // consumer, not once it stopped or failed.
  function health(): JoinerHealth {
    if (fatalError) return 'failed';
    if (stopping) return 'stopping';
    if (!running) return 'starting';
    return restarting ? 'restarting' : 'ok';
  }
  const http = createJoinerHttpServer(metrics.registry, health);

  async function start(): Promise<number> {
    const context: StartUpContext = { config, groupId, comparisons, inputs: [...routes.keys()], redis, redisUser: redisAt.user, kafka, kafkaAt, verdictLimits, events };
    await prepare(context);
    for (const c of comparisons) await refreshMode(redis, c, events, true);
    subscriber = await followModes(redis, config.redis.keyPrefix, comparisons, events);
    await openState(context);

    producer = createProducer(kafka);
    await producer.connect();
    const joined = kafka.consumer({
      groupId,
      allowAutoTopicCreation: false,
      sessionTimeout: config.joiner.sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(config.joiner.sessionTimeout / 10)),
      // Every partition of both sides in each fetch (kafkajs' 10 MB default leaves some out, and
      // the two sides of a partition then drift apart, so fewer pairs form within one flush).
      maxBytesPerPartition: settings.fetchBytesPerPartition,
      maxBytes: settings.fetchBytesPerPartition * 64,
    });
    consumer = joined;
    joined.on(joined.events.GROUP_JOIN, ({ payload }) => {
      restarting = false;
      // A new assignment: progress of partitions no longer ours must not hold the others back.
      for (const c of comparisons) c.resetProgress();
      // After kafkajs restarts its consumer, no partition is paused and a commit may have been
      // skipped while it was down: pause anew from nothing and commit again what is applied.
      pauses.assigned(payload.memberAssignment);
      void committer.recommit();
    });
    joined.on(joined.events.CRASH, ({ payload }) => {
      if (payload.restart) {
        restarting = true;
        events.emit('joiner.error', { error: payload.error, during: 'consuming (kafkajs restarts the consumer)' });
        return;
      }
      // kafkajs gave up on the consumer: nothing is read any more. Stop, so that the process exits
      // non-zero and an orchestrator sees it, instead of a healthy process that decides nothing.
      fail(new KafkaError(KafkaErrorCode.CONSUMER_STOPPED, `the Kafka consumer of group ${groupId} stopped for good${codeOf(payload.error)}`, { cause: payload.error }));
    });
    await joined.connect();
    await joined.subscribe({ topics: [...routes.keys()], fromBeginning: true });
    running = true;
    const port = await http.listen(settings.metricsPort, settings.metricsHost);
    await joined.run({
      // The joiner commits itself what Redis has applied (the committer), never what was only read.
      autoCommit: false,
      eachBatchAutoResolve: false,
      // Every partition of a fetch at once, so that one flush carries both sides' batches.
      partitionsConsumedConcurrently: settings.partitionsConsumedConcurrently,
      eachBatch: applyBatch,
    });
    for (const c of comparisons) {
      startComparisonTasks(loops, c, {
        ...settings,
        maxOutbox: config.joiner.maxOutbox,
        pauses,
        events,
        refreshMode: () => refreshMode(redis, c, events),
        isRunning,
      });
    }
    events.emit('joiner.started', { comparisons: comparisons.map((c) => c.config.name), groupId });
    return port;
  }

  async function shutdown(reason: string): Promise<void> {
    running = false;
    const loopsDone = loops.stop();
    // Stop reading, let Redis apply what was read, commit that, then leave the group.
    try {
      consumer?.pause([...routes.keys()].map((topic) => ({ topic })));
    } catch {
      // Never ran (start failed): nothing was read.
    }
    await committer.settled();
    await committer.commitSoon();
    await consumer?.disconnect();
    await loopsDone;
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
