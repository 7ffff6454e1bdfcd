import type { MigrationMode } from '@shadowdiff/store';
import type { Outcome, RunOptions } from './options.ts';
import type { CandidateStats, Report } from './problems.ts';
import { TIMED_OUT, withTimeout } from './timeout.ts';

export interface CandidateRunnerOptions {
  /** The mode to run an input in, read when the input arrives. */
  readonly mode: () => MigrationMode;
  /** Publishes a side's result in the background (never throws). */
  readonly publish: (topic: string, key: string, value: unknown, eventTime: Date) => void;
  readonly oldTopic: string;
  readonly newTopic: string;
  /** How long the candidate may take before the caller is answered without it, ms. */
  readonly candidateTimeoutMs: number;
  /** Most shadow-mode candidates running at once; past it the candidate is not run (counted). */
  readonly maxCandidates: number;
  readonly report: Report;
}

/**
 * Runs each input per the mode, as createShadowClient describes it: control, candidate or both,
 * whose result the caller gets, and which results go to `publish`. What runs in the background
 * (a shadow-mode candidate, a late result) never throws into the caller; shadow-mode candidates
 * are bounded by maxCandidates and hold a slot for at most candidateTimeoutMs.
 */
export function createCandidateRunner({ mode, publish, oldTopic, newTopic, candidateTimeoutMs, maxCandidates, report }: CandidateRunnerOptions) {
  const stats: CandidateStats = { candidateFailed: 0, candidateTimedOut: 0, candidateSkipped: 0, candidatesRunning: 0 };

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
    const current = mode();
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

  return {
    execute,
    stats(): Readonly<CandidateStats> {
      return { ...stats };
    },
  };
}
