import { createProducer } from '@shadowdiff/kafka';
import { createModeRegistry, isMode, modeChannel, type MigrationMode, type ModeChange } from '@shadowdiff/store';
import { Redis, type RedisOptions } from 'ioredis';
import type { Kafka, Message, Producer } from 'kafkajs';

export interface ShadowClientOptions {
  readonly redisUrl: string;
  /**
   * More ioredis options for a secured Redis: `username` and `password` of an ACL user, `tls`
   * with a CA and client certificate. Credentials belong here, not in the URL.
   */
  readonly redisOptions?: RedisOptions;
  /** A kafkajs client as the service builds it (TLS and SASL set there: `ssl`, `sasl`). */
  readonly kafka: Kafka;
  /** The `redis.keyPrefix` of shadowdiff's config. */
  readonly keyPrefix: string;
  readonly comparison: string;
  /** The comparison's old and new topics: where the two results are published for the joiner. */
  readonly oldTopic: string;
  readonly newTopic: string;
  /** The mode to use until one is read from Redis (the comparison's `mode` setting). */
  readonly defaultMode?: MigrationMode;
  /** How long the candidate may take in reverse_shadow before the control's result is returned, ms. */
  readonly candidateTimeoutMs?: number;
  /** Name of the header carrying the source event time (the comparison's `eventTime.name`). */
  readonly eventTimeHeader?: string;
  /** Told about what never reaches the caller: candidate failures, publish errors, a stale mode, drops. */
  readonly onProblem?: (problem: { kind: ProblemKind; error?: unknown }) => void;
  /** Most results waiting or being sent to Kafka; past it a result is dropped (counted). */
  readonly maxInFlight?: number;
  /** Most shadow-mode candidates running at once; past it the candidate is not run (counted). */
  readonly maxCandidates?: number;
  /** How long start() waits for Redis and for Kafka before it runs without them, ms. */
  readonly connectTimeoutMs?: number;
}

export type ProblemKind =
  | 'candidate_failed'
  | 'candidate_timed_out'
  | 'candidate_skipped'
  | 'publish_failed'
  | 'publish_dropped'
  | 'unserialisable'
  | 'mode_stale'
  | 'mode_message_invalid';

/** What the client did that the caller never saw, counted since start. */
export interface ShadowClientStats {
  published: number;
  publishFailed: number;
  /** Results not published because maxInFlight were already being sent, or Kafka was not connected. */
  publishDropped: number;
  /** Results that JSON cannot hold (a bigint, a cycle): not published. */
  unserialisable: number;
  candidateFailed: number;
  candidateTimedOut: number;
  /** Shadow-mode candidates not run because maxCandidates were already running. */
  candidateSkipped: number;
  /** Results waiting or being sent now (at most maxInFlight). */
  inFlight: number;
  /** Shadow-mode candidates running now (at most maxCandidates). */
  candidatesRunning: number;
}

export interface RunOptions<T> {
  /** The correlation key: the joiner pairs the two results by it. */
  readonly key: string;
  /** The source event's time (default: now); carried so the joiner's window ignores consumer lag. */
  readonly eventTime?: Date;
  /** The version in production (the old consumer's logic). */
  readonly control: () => Promise<T>;
  /** The version being migrated to. */
  readonly candidate: () => Promise<T>;
}

export interface Outcome<T> {
  readonly value: T;
  readonly mode: MigrationMode;
  /** Whose result the caller got. */
  readonly served: 'control' | 'candidate';
}

const TIMED_OUT = Symbol('timed out');
/** Most results in one produce request. */
const SEND_BATCH = 500;

/** Resolves with `promise`, or with TIMED_OUT after `ms`; never rejects for the timeout. */
function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => resolve(TIMED_OUT), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/**
 * Lets a consumer obey the migration's live mode. It follows the mode (read at start, then every
 * change as it is announced; if Redis goes away it keeps the last mode it knew and says so) and
 * runs each input per mode:
 * - old: control only;
 * - shadow: both; returns control's result; the candidate runs in the background (at most
 *   maxCandidates at once, each for at most candidateTimeoutMs of the caller's attention), never
 *   delays the caller, and its errors never reach it;
 * - reverse_shadow: both; returns the candidate's result, or control's when the candidate throws
 *   or takes longer than candidateTimeoutMs;
 * - new: candidate only.
 * In shadow and reverse_shadow each side's result is published (in the background) to the
 * comparison's old and new topics, keyed, with the source event time, for the joiner to pair.
 *
 * It never hurts its caller: nothing it does in the background (publishing, the candidate in
 * shadow mode, following the mode) throws into the caller or leaves an unhandled rejection; what
 * it holds is bounded (maxInFlight publications, maxCandidates candidates; beyond, it drops and
 * counts); it starts when Redis or Kafka is down (in the default mode, marked stale) and connects
 * when they come back.
 */
export function createShadowClient(options: ShadowClientOptions) {
  const {
    kafka,
    keyPrefix,
    comparison,
    oldTopic,
    newTopic,
    candidateTimeoutMs = 1000,
    eventTimeHeader = 'source-ts',
    onProblem = () => undefined,
    maxInFlight = 100_000,
    maxCandidates = 100,
    connectTimeoutMs = 2000,
  } = options;
  const redis = new Redis(options.redisUrl, { ...options.redisOptions, lazyConnect: true, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(options.redisUrl, { ...options.redisOptions, lazyConnect: true });
  const registry = createModeRegistry({ redis, keyPrefix, comparison, defaultMode: options.defaultMode ?? 'old' });
  let mode: MigrationMode = options.defaultMode ?? 'old';
  let stale = true;
  let producer: Producer | undefined;
  let connected = false;
  let stopped = false;
  let retryTimer: NodeJS.Timeout | undefined;
  const stats: ShadowClientStats = {
    published: 0,
    publishFailed: 0,
    publishDropped: 0,
    unserialisable: 0,
    candidateFailed: 0,
    candidateTimedOut: 0,
    candidateSkipped: 0,
    inFlight: 0,
    candidatesRunning: 0,
  };

  /** The caller's onProblem must not hurt the caller either. */
  const report = (kind: ProblemKind, error?: unknown) => {
    try {
      onProblem(error === undefined ? { kind } : { kind, error });
    } catch {
      // ignored: a reporting callback that throws changes nothing
    }
  };
  const markStale = (error: unknown) => {
    if (!stale) report('mode_stale', error);
    stale = true;
  };
  const reread = () => {
    registry.get().then(
      (state) => {
        mode = state.mode;
        stale = false;
      },
      markStale,
    );
  };
  redis.on('error', markStale);
  subscriber.on('error', markStale);
  subscriber.on('message', (_channel: string, message: string) => {
    let change: Partial<ModeChange> | null = null;
    try {
      change = JSON.parse(message) as Partial<ModeChange> | null;
    } catch {
      change = null;
    }
    if (change === null || typeof change !== 'object' || typeof change.comparison !== 'string') {
      // Not a mode change: whatever it was, the mode in Redis is the truth.
      report('mode_message_invalid');
      reread();
      return;
    }
    if (change.comparison !== comparison) return;
    if (isMode(change.to)) mode = change.to;
    else {
      report('mode_message_invalid');
      reread();
    }
  });
  // After a reconnection ioredis renews the subscription (and here it is made, if Redis was down
  // at start); the mode is read again to catch up with changes announced meanwhile.
  let subscribing = false;
  subscriber.on('ready', () => {
    if (!subscribing) {
      subscribing = true;
      subscriber.subscribe(modeChannel(keyPrefix)).catch(markStale);
    }
    reread();
  });

  /** Results waiting to be sent (bounded by maxInFlight together with those being sent). */
  const queue: { topic: string; message: Message }[] = [];
  let sending: Promise<void> | undefined;

  /** Sends what is queued, many results to a request, until nothing is left. */
  async function drain(): Promise<void> {
    while (queue.length > 0 && producer && connected) {
      const batch = queue.splice(0, SEND_BATCH);
      const byTopic = new Map<string, Message[]>();
      for (const { topic, message } of batch) byTopic.set(topic, [...(byTopic.get(topic) ?? []), message]);
      try {
        await producer.sendBatch({ topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
        stats.published += batch.length;
      } catch (error) {
        stats.publishFailed += batch.length;
        report('publish_failed', error);
      } finally {
        stats.inFlight -= batch.length;
      }
    }
    sending = undefined;
  }

  function publish(topic: string, key: string, value: unknown, eventTime: Date): void {
    let text: string | undefined;
    try {
      text = JSON.stringify(value);
    } catch (error) {
      stats.unserialisable += 1;
      report('unserialisable', error);
      return;
    }
    if (text === undefined) {
      stats.unserialisable += 1;
      report('unserialisable');
      return;
    }
    if (!producer || !connected || stats.inFlight >= maxInFlight) {
      stats.publishDropped += 1;
      report('publish_dropped');
      return;
    }
    stats.inFlight += 1;
    queue.push({ topic, message: { key, value: text, headers: { [eventTimeHeader]: eventTime.toISOString() } } });
    sending ??= drain();
  }

  /** Runs a candidate in a promise that cannot reject into nobody's hands. */
  function runCandidate<T>(candidate: () => Promise<T>): Promise<T> {
    return Promise.resolve().then(candidate);
  }

  function shadowCandidate<T>(key: string, candidate: () => Promise<T>, eventTime: Date): void {
    if (stats.candidatesRunning >= maxCandidates) {
      stats.candidateSkipped += 1;
      report('candidate_skipped');
      return;
    }
    stats.candidatesRunning += 1;
    const run = runCandidate(candidate);
    // A slot is held for at most candidateTimeoutMs: a candidate that hangs does not fill them all.
    void withTimeout(run, candidateTimeoutMs).then(
      (result) => {
        stats.candidatesRunning -= 1;
        if (result !== TIMED_OUT) publish(newTopic, key, result, eventTime);
        else {
          stats.candidateTimedOut += 1;
          report('candidate_timed_out');
          // A late result is still published when it comes, as in reverse_shadow.
          run.then(
            (value) => publish(newTopic, key, value, eventTime),
            () => undefined,
          );
        }
      },
      (error: unknown) => {
        stats.candidatesRunning -= 1;
        stats.candidateFailed += 1;
        report('candidate_failed', error);
      },
    );
  }

  async function execute<T>({ key, eventTime = new Date(), control, candidate }: RunOptions<T>): Promise<Outcome<T>> {
    const current = mode;
    switch (current) {
      case 'old':
        return { value: await control(), mode: current, served: 'control' };
      case 'new':
        return { value: await candidate(), mode: current, served: 'candidate' };
      case 'shadow': {
        // The candidate starts first but is never awaited: the caller waits for control only.
        shadowCandidate(key, candidate, eventTime);
        const value = await control();
        publish(oldTopic, key, value, eventTime);
        return { value, mode: current, served: 'control' };
      }
      case 'reverse_shadow': {
        const controlRun = Promise.resolve().then(control);
        const candidateRun = runCandidate(candidate);
        controlRun.then(
          (value) => publish(oldTopic, key, value, eventTime),
          () => undefined,
        );
        const result: T | typeof TIMED_OUT = await withTimeout(candidateRun, candidateTimeoutMs).catch((error: unknown) => {
          stats.candidateFailed += 1;
          report('candidate_failed', error);
          return TIMED_OUT;
        });
        if (result !== TIMED_OUT) {
          publish(newTopic, key, result, eventTime);
          return { value: result as T, mode: current, served: 'candidate' };
        }
        // A late candidate result is still published: the joiner compares it as usual.
        candidateRun.then(
          (value) => publish(newTopic, key, value, eventTime),
          () => undefined,
        );
        return { value: await controlRun, mode: current, served: 'control' };
      }
    }
  }

  /** Connects the producer; while Kafka is away, tries again every few seconds (results are dropped meanwhile). */
  function connectProducer(): Promise<void> {
    producer ??= createProducer(kafka);
    const attempt = producer.connect().then(
      () => {
        connected = true;
      },
      (error: unknown) => {
        report('publish_failed', error);
        if (!stopped) retryTimer = setTimeout(() => void connectProducer(), Math.max(1000, connectTimeoutMs)).unref();
      },
    );
    return attempt;
  }

  return {
    /**
     * Reads the mode, subscribes to its changes and connects the producer. Redis or Kafka being
     * down does not fail it: the client runs in the default mode (stale) and without publishing
     * until they answer, and catches up by itself.
     */
    async start(): Promise<void> {
      const redisReady = (async () => {
        await Promise.all([redis.connect(), subscriber.connect()]);
        const state = await registry.get();
        mode = state.mode;
        stale = false;
      })();
      redisReady.catch(markStale);
      const kafkaReady = connectProducer();
      await Promise.all([withTimeout(redisReady.catch(() => undefined), connectTimeoutMs), withTimeout(kafkaReady, connectTimeoutMs)]);
      if (stale) report('mode_stale', new Error('Redis did not answer at start: running in the default mode'));
    },
    get mode(): MigrationMode {
      return mode;
    },
    /** True when the mode may be out of date (Redis unreachable): the last known one is used. */
    get stale(): boolean {
      return stale;
    },
    /** What happened in the background that the caller never saw (drops, failures, timeouts). */
    stats(): Readonly<ShadowClientStats> {
      return { ...stats };
    },
    execute,
    /** Runs one input per the live mode and returns the result the caller should use. */
    async run<T>(run: RunOptions<T>): Promise<T> {
      return (await execute(run)).value;
    },
    /** Waits for the results still being published, then disconnects. */
    async stop(): Promise<void> {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      while (sending) await sending;
      await producer?.disconnect().catch(() => undefined);
      await Promise.allSettled([subscriber.quit(), redis.quit()]);
    },
  };
}

export type ShadowClient = ReturnType<typeof createShadowClient>;
