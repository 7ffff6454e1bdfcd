/**
 * The protocol of deadLetter-3.lua: moves verdicts the broker refused for good from the outbox to
 * the dead-letter list, each as the JSON entry dead-letters.ts reads back.
 */
import type { ComparisonKeys } from '../keys.ts';
import { outboxKeys } from './shared-keys.ts';
import { scriptProtocol } from './protocol.ts';

/** A verdict the broker refused for good, as the dead-letter list keeps it. */
export interface DeadLetter {
  /** Its outbox id, or null when it was never in the outbox (a match that is not sampled never is). */
  readonly outboxId: string | null;
  readonly pairId: string;
  readonly topic: string;
  /** The broker's error (e.g. INVALID_RECORD) and its message. */
  readonly error: string;
  readonly at: number;
  /** The verdict text, cut to DEAD_LETTER_TEXT_BYTES. */
  readonly verdict: string;
}

/** How many entries a comparison's dead-letter list keeps. */
export const DEAD_LETTER_CAP = 10_000;
/** How much of a refused verdict's text an entry keeps. */
export const DEAD_LETTER_TEXT_BYTES = 64 * 1024;

export const deadLetter = scriptProtocol<{ readonly keys: ComparisonKeys; readonly entries: readonly DeadLetter[] }, number>({
  name: 'deadLetter',
  numberOfKeys: 3,
  keys: ({ keys }) => [...outboxKeys(keys), keys.deadLetters],
  args({ entries }) {
    const args: (string | number)[] = [DEAD_LETTER_CAP];
    for (const { outboxId, verdict, ...rest } of entries) {
      args.push(outboxId ?? '', JSON.stringify({ ...rest, verdict: verdict.length > DEAD_LETTER_TEXT_BYTES ? `${verdict.slice(0, DEAD_LETTER_TEXT_BYTES)}…` : verdict }));
    }
    return args;
  },
  reply: (raw) => Number(raw),
});
