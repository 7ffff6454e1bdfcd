import { createProducer } from '@shadowdiff/kafka';
import { createModeRegistry, isMode, modeChannel, type MigrationMode, type ModeChange } from '@shadowdiff/store';
import { Redis } from 'ioredis';
import type { Kafka, Producer } from 'kafkajs';

export interface ShadowClientOptions {
  readonly redisUrl: string;
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
  /** Told about what never reaches the caller: candidate failures, publish errors, a stale mode. */
  readonly onProblem?: (problem: { kind: 'candidate_failed' | 'publish_failed' | 'mode_stale'; error?: unknown }) => void;
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

/**
 * Lets a consumer obey the migration's live mode. It follows the mode (read at start, then every
 * change as it is announced; if Redis goes away it keeps the last mode it knew and says so) and
 * runs each input per mode:
 * - old: control only;
 * - shadow: both; returns control's result; the candidate runs in the background, never delays
 *   the caller, and its errors never reach it;
 * - reverse_shadow: both; returns the candidate's result, or control's when the candidate throws
 *   or takes longer than candidateTimeoutMs;
 * - new: candidate only.
 * In shadow and reverse_shadow each side's result is published (in the background) to the
 * comparison's old and new topics, keyed, with the source event time, for the joiner to pair.
 */
export function createShadowClient(options: ShadowClientOptions) {
  const { kafka, keyPrefix, comparison, oldTopic, newTopic, candidateTimeoutMs = 1000, eventTimeHeader = 'source-ts', onProblem = () => undefined } = options;
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  const subscriber = new Redis(options.redisUrl, { lazyConnect: true });
  const registry = createModeRegistry({ redis, keyPrefix, comparison, defaultMode: options.defaultMode ?? 'old' });
  let mode: MigrationMode = options.defaultMode ?? 'old';
  let stale = true;
  let producer: Producer | undefined;

  const markStale = (error: unknown) => {
    if (!stale) onProblem({ kind: 'mode_stale', error });
    stale = true;
  };
  redis.on('error', markStale);
  subscriber.on('error', markStale);
  subscriber.on('message', (_channel: string, message: string) => {
    const change = JSON.parse(message) as ModeChange;
    if (change.comparison === comparison && isMode(change.to)) mode = change.to;
  });
  // After a reconnection the subscription is renewed by ioredis; read the mode again to catch up.
  subscriber.on('ready', () => {
    registry.get().then(
      (state) => {
        mode = state.mode;
        stale = false;
      },
      markStale,
    );
  });

  const inFlight = new Set<Promise<unknown>>();

  function publish(topic: string, key: string, value: unknown, eventTime: Date): void {
    if (!producer) return;
    const sent = producer
      .send({ topic, messages: [{ key, value: JSON.stringify(value), headers: { [eventTimeHeader]: eventTime.toISOString() } }] })
      .catch((error: unknown) => onProblem({ kind: 'publish_failed', error }))
      .finally(() => inFlight.delete(sent));
    inFlight.add(sent);
  }

  function withTimeout<T>(promise: Promise<T>): Promise<T | typeof TIMED_OUT> {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<typeof TIMED_OUT>((resolve) => {
      timer = setTimeout(() => resolve(TIMED_OUT), candidateTimeoutMs);
    });
    return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
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
        void Promise.resolve()
          .then(candidate)
          .then(
            (value) => publish(newTopic, key, value, eventTime),
            (error: unknown) => onProblem({ kind: 'candidate_failed', error }),
          );
        const value = await control();
        publish(oldTopic, key, value, eventTime);
        return { value, mode: current, served: 'control' };
      }
      case 'reverse_shadow': {
        const controlRun = Promise.resolve().then(control);
        const candidateRun = Promise.resolve().then(candidate);
        controlRun.then(
          (value) => publish(oldTopic, key, value, eventTime),
          () => undefined,
        );
        const result: T | typeof TIMED_OUT = await withTimeout(candidateRun).catch((error: unknown) => {
          onProblem({ kind: 'candidate_failed', error });
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

  return {
    /** Reads the mode, subscribes to its changes and connects the producer. */
    async start(): Promise<void> {
      await Promise.all([redis.connect(), subscriber.connect()]);
      await subscriber.subscribe(modeChannel(keyPrefix));
      const state = await registry.get();
      mode = state.mode;
      stale = false;
      producer = createProducer(kafka);
      await producer.connect();
    },
    get mode(): MigrationMode {
      return mode;
    },
    /** True when the mode may be out of date (Redis unreachable): the last known one is used. */
    get stale(): boolean {
      return stale;
    },
    execute,
    /** Runs one input per the live mode and returns the result the caller should use. */
    async run<T>(run: RunOptions<T>): Promise<T> {
      return (await execute(run)).value;
    },
    /** Waits for the results still being published, then disconnects. */
    async stop(): Promise<void> {
      while (inFlight.size > 0) await Promise.allSettled([...inFlight]);
      await producer?.disconnect();
      await Promise.allSettled([subscriber.quit(), redis.quit()]);
    },
  };
}

export type ShadowClient = ReturnType<typeof createShadowClient>;
