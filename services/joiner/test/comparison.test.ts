import { parseConfig } from '@shadowdiff/config';
import { StoreError, StoreErrorCode, type ApplyOptions, type ApplySegment, type PairingStore, type Prediction } from '@shadowdiff/store';
import { recordBlob } from '@shadowdiff/vocabulary';
import { describe, expect, it } from 'vitest';
import { createComparison } from '../src/comparison.ts';
import { createJoinerEvents } from '../src/events.ts';
import type { PublishJob, Publisher } from '../src/publisher.ts';
import type { ReadRecord } from '../src/record-reader.ts';
import { createVerdictLimits } from '../src/routing.ts';

const config = parseConfig(
  `comparisons:
  - name: c
    old: { topic: o }
    new: { topic: n }
    window: 1s
    matches: { emit: all }
`,
  'test.yaml',
).comparisons[0]!;

const rec = (offset: number, key: string, value: unknown): ReadRecord => ({ offset: String(offset), kind: 'record', key, eventTime: 1000, blob: '', ts: 1000, at: 1000, value: value as ReadRecord['value'] });

/**
 * The store's side of a flush, scripted: it predicts what it is given and takes the hints it is
 * told to. The pairing rule itself is the store's (its own tests run it against Redis).
 */
function scriptedStore(prediction: Omit<Prediction, 'lookups'>, take: { hints: boolean[]; parked: boolean[] }, fail?: Error) {
  const applied: { segments: readonly ApplySegment[]; options: ApplyOptions | undefined }[] = [];
  const store = {
    keys: { mode: 'm' },
    predict: async (): Promise<Prediction> => ({ ...prediction, lookups: { ahead: 0, now: 0 } }),
    peekAhead: () => undefined,
    apply: async (segments: readonly ApplySegment[], options?: ApplyOptions) => {
      applied.push({ segments, options });
      if (fail) throw fail;
      return {
        path: 'predicted',
        segments: segments.map((s) => ({ applied: s.records.length, skipped: 0, paired: s.records.length, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0 })),
        decisions: [],
        hintsTaken: take.hints,
        parkedHintsTaken: take.parked,
      };
    },
    ack: async () => undefined,
    deadLetter: async () => undefined,
  } as unknown as PairingStore;
  return { store, applied };
}

function pipeline(store: PairingStore) {
  const jobs: PublishJob[] = [];
  const publisher: Publisher = { enqueue: async (job) => void jobs.push(job), drain: async () => undefined };
  const failures: Error[] = [];
  const events = createJoinerEvents();
  const errors: string[] = [];
  events.on('joiner.error', ({ during }) => errors.push(during));
  const comparison = createComparison({
    config,
    store,
    readers: { old: () => rec(0, 'x', null), new: () => rec(0, 'x', null) },
    topics: { matches: 'm', mismatches: 'mm' },
    publisher,
    verdictLimits: createVerdictLimits(),
    events,
    flushSize: 100,
    flushBytes: 1 << 20,
    isRunning: () => true,
    fail: (error) => void failures.push(error),
  });
  return { comparison, jobs, failures, errors };
}

describe('comparison pipeline', () => {
  it('compares the pairs the store predicts, hands them over as hints, and publishes only the hints the store took', async () => {
    const parkedPartner = { topic: 'n', partition: 0, offset: '7', blob: recordBlob({ key: 'b', ts: 900, et: 900, at: 900, valueJson: JSON.stringify({ amount: 2 }) }) };
    const { store, applied } = scriptedStore({ pairs: [{ old: 0, new: 2 }], parked: [{ record: 1, partner: parkedPartner }] }, { hints: [true], parked: [false] });
    const { comparison, jobs } = pipeline(store);
    const [oldOutcome, newOutcome] = await Promise.all([
      comparison.submit('old', 'o', 0, [rec(0, 'a', { amount: 1 }), rec(1, 'b', { amount: 2 })], true),
      comparison.submit('new', 'n', 0, [rec(0, 'a', { amount: 9 })], true),
    ]);
    // Both chunks went in one flush, to one store call.
    expect(applied).toHaveLength(1);
    expect(applied[0]!.segments.map((s) => `${s.side}:${s.records.length}`)).toEqual(['old:2', 'new:1']);
    const hints = applied[0]!.options!.hints!;
    expect(hints.map(({ old, new: nw }) => [old, nw])).toEqual([[0, 2]]);
    expect(JSON.parse(hints[0]!.verdict!)).toMatchObject({ verdict: 'mismatch', key: 'a' });
    const parked = applied[0]!.options!.parkedHints!;
    expect(parked.map((h) => [h.record, h.partner])).toEqual([[1, 'n/0/7']]);
    expect(JSON.parse(parked[0]!.verdict!)).toMatchObject({ verdict: 'match', key: 'b' });
    // The store took the pair hint only: that verdict alone goes out from here.
    expect(jobs.flatMap((j) => j.verdicts.map((v) => v.decided.verdict.key))).toEqual(['a']);
    expect(oldOutcome.applied + newOutcome.applied).toBe(3);
  });

  it('stops the joiner when the store lost its state or went back past what this instance applied, and reports any other failure', async () => {
    for (const [code, fatal] of [
      [StoreErrorCode.STATE_LOST, true],
      [StoreErrorCode.GAP, true],
      [StoreErrorCode.UNAVAILABLE, false],
    ] as const) {
      const { store } = scriptedStore({ pairs: [], parked: [] }, { hints: [], parked: [] }, new StoreError(code, 'store said no'));
      const { comparison, failures, errors } = pipeline(store);
      await expect(comparison.submit('old', 'o', 0, [rec(0, 'a', 1)], true)).rejects.toThrow('store said no');
      expect(failures.map((f) => f.message.includes('stopping'))).toEqual(fatal ? [true] : []);
      expect(errors).toEqual(fatal ? [] : ['apply']);
    }
  });
});
