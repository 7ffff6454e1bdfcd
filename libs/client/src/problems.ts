// What the client does that never reaches its caller: the kinds of problem it reports, the
// counters it keeps, and a reporter that a throwing onProblem cannot turn against the caller.

export type ProblemKind =
  | 'candidate_failed'
  | 'candidate_timed_out'
  | 'candidate_skipped'
  | 'publish_failed'
  | 'publish_dropped'
  | 'unserialisable'
  | 'mode_stale'
  | 'mode_message_invalid';

/** What the publisher did that the caller never saw, counted since start. */
export interface PublishStats {
  published: number;
  publishFailed: number;
  /** Results not published because maxInFlight were already being sent, or Kafka was not connected. */
  publishDropped: number;
  /** Results that JSON cannot hold (a bigint, a cycle): not published. */
  unserialisable: number;
  /** Results waiting or being sent now (at most maxInFlight). */
  inFlight: number;
}

/** What became of candidates the caller did not wait for, counted since start. */
export interface CandidateStats {
  candidateFailed: number;
  candidateTimedOut: number;
  /** Shadow-mode candidates not run because maxCandidates were already running. */
  candidateSkipped: number;
  /** Shadow-mode candidates running now (at most maxCandidates). */
  candidatesRunning: number;
}

/** What the client did that the caller never saw, counted since start. */
export type ShadowClientStats = PublishStats & CandidateStats;

export type Report = (kind: ProblemKind, error?: unknown) => void;

/** The caller's onProblem must not hurt the caller either. */
export function createReporter(onProblem: (problem: { kind: ProblemKind; error?: unknown }) => void): Report {
  return (kind, error) => {
    try {
      onProblem(error === undefined ? { kind } : { kind, error });
    } catch {
      // ignored: a reporting callback that throws changes nothing
    }
  };
}
