import type { MigrationMode } from '@shadowdiff/store';
import { createCandidateRunner } from './candidate-runner.ts';
import { followMode } from './mode-follower.ts';
import type { RunOptions, ShadowClientOptions } from './options.ts';
import { createReporter, type ShadowClientStats } from './problems.ts';
import { createResultPublisher } from './result-publisher.ts';
import { withTimeout } from './timeout.ts';

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
 *
 * The parts: mode-follower.ts (the live mode), candidate-runner.ts (each input per the mode),
 * result-publisher.ts (the results to Kafka).
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
  const report = createReporter(onProblem);
  const follower = followMode({
    redisUrl: options.redisUrl,
    redisEndpoint: options.redisEndpoint,
    redisOptions: options.redisOptions,
    keyPrefix,
    comparison,
    defaultMode: options.defaultMode ?? 'old',
    report,
  });
  const publisher = createResultPublisher({ kafka, eventTimeHeader, maxInFlight, connectTimeoutMs, report });
  const runner = createCandidateRunner({
    mode: () => follower.mode,
    publish: publisher.publish,
    oldTopic,
    newTopic,
    candidateTimeoutMs,
    maxCandidates,
    report,
  });
  const { execute } = runner;

  return {
    /**
     * Reads the mode, subscribes to its changes and connects the producer. Redis or Kafka being
     * down does not fail it: the client runs in the default mode (stale) and without publishing
     * until they answer, and catches up by itself.
     */
    async start(): Promise<void> {
      const redisReady = follower.connect();
      const kafkaReady = publisher.connect();
      await Promise.all([withTimeout(redisReady, connectTimeoutMs), withTimeout(kafkaReady, connectTimeoutMs)]);
      if (follower.stale) report('mode_stale', new Error('Redis did not answer at start: running in the default mode'));
    },
    get mode(): MigrationMode {
      return follower.mode;
    },
    /** True when the mode may be out of date (Redis unreachable): the last known one is used. */
    get stale(): boolean {
      return follower.stale;
    },
    /** What happened in the background that the caller never saw (drops, failures, timeouts). */
    stats(): Readonly<ShadowClientStats> {
      return { ...publisher.stats(), ...runner.stats() };
    },
    execute,
    /** Runs one input per the live mode and returns the result the caller should use. */
    async run<T>(run: RunOptions<T>): Promise<T> {
      return (await execute(run)).value;
    },
    /** Waits for the results still being published, then disconnects. */
    async stop(): Promise<void> {
      await publisher.stop();
      await follower.stop();
    },
  };
}

export type ShadowClient = ReturnType<typeof createShadowClient>;
