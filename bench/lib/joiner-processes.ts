// The joiner processes the bench starts: each is stopped within a bounded time, and none outlives the bench.
import type { JoinerProcess } from '@shadowdiff/testing';

const running = new Set<JoinerProcess>();
// Whatever way the bench ends, no joiner it started outlives it.
process.on('exit', () => {
  for (const joiner of running) joiner.child.kill('SIGKILL');
});

/** Registers a joiner the bench started, so that it is killed if the bench ends before stopping it. */
export function tracked(joiner: JoinerProcess): JoinerProcess {
  running.add(joiner);
  return joiner;
}

/** Stops a joiner: SIGTERM, then SIGKILL if it has not exited within `timeoutMs` (a stop never hangs the bench). */
export async function stopJoiner(joiner: JoinerProcess, timeoutMs = 60_000): Promise<void> {
  joiner.child.kill('SIGTERM');
  await joiner.exitWithin(timeoutMs).catch(() => undefined);
  running.delete(joiner);
}
