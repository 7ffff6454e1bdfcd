import type { Kafka } from 'kafkajs';
import { readAll } from './kafka.ts';
import { pollUntil } from './poll.ts';

/** The fields of a verdict the tests look at. */
export interface SeenVerdict {
  readonly pairId: string;
  readonly key: string | null;
  readonly verdict: string;
  readonly reason: string | null;
  readonly differences: readonly { path: string; kind: string }[];
  readonly old: { topic: string; partition: number; offset: string; value: unknown } | null;
  readonly new: { topic: string; partition: number; offset: string; value: unknown } | null;
}

/** Every verdict on a comparison's two topics, counted once per pairId (as readers must). */
export async function distinctVerdicts(kafka: Kafka, prefix: string, comparison: string): Promise<Map<string, SeenVerdict>> {
  const all = await readAll<SeenVerdict>(kafka, [`${prefix}.${comparison}.matches`, `${prefix}.${comparison}.mismatches`]);
  return new Map(all.map((v) => [v.pairId, v]));
}

/** Counts by verdict kind, as a plain object that compares well in assertions. */
export function countByKind(verdicts: Iterable<SeenVerdict>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of verdicts) out[v.verdict] = (out[v.verdict] ?? 0) + 1;
  return out;
}

/** Polls the verdict topics until at least `expected` distinct verdicts are there. */
export async function waitForVerdicts(
  kafka: Kafka,
  prefix: string,
  comparison: string,
  expected: number,
  timeoutMs = 120_000,
): Promise<Map<string, SeenVerdict>> {
  return pollUntil(() => distinctVerdicts(kafka, prefix, comparison), (m) => m.size >= expected, {
    what: `${expected} distinct verdicts of ${comparison}`,
    timeoutMs,
    intervalMs: 1000,
  });
}
