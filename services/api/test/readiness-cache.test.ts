import { parseConfig } from '@shadowdiff/config';
import type { ModeRegistry, ReadModel } from '@shadowdiff/store';
import { pollUntil } from '@shadowdiff/testing';
import { describe, expect, it } from 'vitest';
import { createModeService } from '../src/mode-service.ts';

// Pure logic around the store: the registry and the read model are stand-ins that count calls.
const comparison = parseConfig(
  `comparisons:
  - { name: c, old: { topic: a }, new: { topic: b }, window: 1s, readiness: { minPairs: 0, fields: { amount: 0 } } }
`,
  'test.yaml',
).comparisons[0]!;

function stand() {
  let mode = 'shadow';
  let pages = 0;
  const waiting: (() => void)[] = [];
  const registry = {
    get: async () => ({ mode, since: 1000 }),
    change: async ({ to }: { to: string }) => {
      mode = to;
      return { from: 'shadow', to, actor: 'a', reason: 'r', forced: false, at: new Date().toISOString() };
    },
  } as unknown as ModeRegistry;
  const model = {
    minuteCounts: async () => [],
    countsBetween: async () => ({ match: 10 }),
    // Each page is held until the test releases it, so the concurrent asks all arrive while the
    // first computation is in flight.
    page: async () => {
      pages += 1;
      await new Promise<void>((resolve) => waiting.push(resolve));
      return { items: [], next: null };
    },
  } as unknown as ReadModel;
  const release = () => {
    for (const resolve of waiting.splice(0)) resolve();
  };
  return { service: createModeService(comparison, registry, model), pages: () => pages, release };
}

describe("the readiness route's cache", () => {
  it('concurrent and repeated asks within the TTL share one computation; a mode change measures afresh', async () => {
    const { service, pages, release } = stand();
    const asks = Array.from({ length: 20 }, () => service.cachedReadiness());
    await pollUntil(async () => pages(), (n) => n > 0, { what: 'the first computation to start', intervalMs: 1, timeoutMs: 5000 });
    release();
    const answers = await Promise.all(asks);
    expect(pages()).toBe(1);
    expect(new Set(answers).size).toBe(1);
    await service.cachedReadiness();
    expect(pages()).toBe(1);
    await service.change({ mode: 'old', reason: 'back', force: false, actor: 'a' });
    const fresh = service.cachedReadiness();
    await pollUntil(async () => pages(), (n) => n === 2, { what: 'a fresh computation after the change', intervalMs: 1, timeoutMs: 5000 });
    release();
    expect((await fresh).mode).toBe('old');
    expect(pages()).toBe(2);
  });
});
