import { deleteKeys, keysUnder, testRedis, uniqueId } from '@shadowdiff/testing';
import { afterAll, describe, expect, it } from 'vitest';
import { createReadModel, type VerdictRecord } from '../src/index.ts';

const redis = testRedis();
const prefix = uniqueId('rm');
afterAll(async () => {
  await deleteKeys(redis, await keysUnder(redis, `${prefix}*`));
  redis.disconnect();
});

const verdict = (i: number, at: number, kind = 'mismatch', paths: string[] = ['amount']): VerdictRecord => ({
  pairId: `p${String(i).padStart(6, '0')}`,
  verdict: kind,
  decidedAt: at,
  json: JSON.stringify({ pairId: `p${String(i).padStart(6, '0')}`, verdict: kind, key: `k${i}` }),
  paths,
});

describe('read model (real Redis, Lua)', () => {
  const ids = async (q: Parameters<ReturnType<typeof createReadModel>['page']>[0], comparison = 'f') =>
    (await createReadModel({ redis, keyPrefix: prefix, comparison }).page(q)).items.map((j) => (JSON.parse(j) as { pairId: string }).pairId);

  it('records each pairId once, counts matches without storing them, and keeps field statistics', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'a' });
    expect(await model.record([verdict(1, 60_000), verdict(2, 61_000, 'match', []), verdict(3, 125_000, 'missing_new', [])])).toBe(3);
    expect(await model.record([verdict(1, 60_000), verdict(2, 61_000, 'match', [])])).toBe(0);
    expect(await model.totals()).toEqual({ mismatch: 1, match: 1, missing_new: 1 });
    expect(await model.get('p000002')).toBeNull();
    expect(JSON.parse((await model.get('p000001')) as string)).toMatchObject({ key: 'k1' });
    expect(await model.minuteCounts(0, 200_000)).toEqual([
      { minute: 60_000, verdict: 'mismatch', count: 1 },
      { minute: 60_000, verdict: 'match', count: 1 },
      { minute: 120_000, verdict: 'missing_new', count: 1 },
    ]);
    expect(await model.fields()).toEqual([{ path: 'amount', count: 1, firstSeen: 60_000, lastSeen: 60_000, examples: ['p000001'] }]);
  });

  it('pages newest first through 1,200 verdicts decided in the same millisecond, with no gap and no repeat while more arrive', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'b' });
    await model.record(Array.from({ length: 1200 }, (_, i) => verdict(i, 5000)));
    const seen: string[] = [];
    let after;
    let arriving = 10_000;
    for (;;) {
      const page = await model.page({ limit: 70, ...(after ? { after } : {}) });
      seen.push(...page.items.map((j) => (JSON.parse(j) as { pairId: string }).pairId));
      // New verdicts keep arriving, newer and at the same millisecond as the ones being paged.
      await model.record([verdict(arriving++, 9000), verdict(arriving++, 5000)]);
      if (!page.next) break;
      after = page.next;
    }
    const original = Array.from({ length: 1200 }, (_, i) => `p${String(i).padStart(6, '0')}`);
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of original) expect(seen).toContain(id);
  });

  it('filters by verdict kind and time, and trims by age and by count', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'c' });
    await model.record([verdict(1, 1000), verdict(2, 2000, 'missing_old', []), verdict(3, 3000), verdict(4, 4000)]);
    const ids = async (q: Parameters<typeof model.page>[0]) => (await model.page(q)).items.map((j) => (JSON.parse(j) as { pairId: string }).pairId);
    expect(await ids({ limit: 10, verdict: 'mismatch' })).toEqual(['p000004', 'p000003', 'p000001']);
    expect(await ids({ limit: 10, since: 2000, until: 3000 })).toEqual(['p000003', 'p000002']);
    expect(await ids({ limit: 10, key: 'k3' })).toEqual(['p000003']);
    expect(await model.trim({ maxAgeMs: 10_000, maxCount: 2, now: 11_500 })).toBe(2);
    expect(await ids({ limit: 10 })).toEqual(['p000004', 'p000003']);
    expect(await ids({ limit: 10, verdict: 'missing_old' })).toEqual([]);
  });

  it('filters by key and by path from a small summary, within a scan budget, resuming from the cursor', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'f' });
    // 3,000 discrepancies; the key "needle" and the path "rare" only on the oldest and a middle one.
    await model.record(
      Array.from({ length: 3000 }, (_, i) => {
        const special = i === 0 || i === 1500;
        return { ...verdict(i, 10_000 + i, 'mismatch', special ? ['amount', 'rare'] : ['amount']), key: special ? 'needle' : `k${i}` };
      }),
    );
    const base = `${prefix}:{f}:rm:`;
    // A key holding the summary's separators and a length prefix is matched exactly.
    await model.record([{ ...verdict(9999, 99_000, 'mismatch', ['x']), key: '3:ab\x1fc' }]);
    expect(await ids({ limit: 10, key: '3:ab\x1fc' })).toEqual(['p009999']);
    expect(await ids({ limit: 10, key: '3:ab' })).toEqual([]);

    expect(await ids({ limit: 10, key: 'needle' })).toEqual(['p001500', 'p000000']);
    expect(await ids({ limit: 10, path: 'rare' })).toEqual(['p001500', 'p000000']);
    expect(await ids({ limit: 10, key: 'needle', path: 'amount' })).toEqual(['p001500', 'p000000']);
    expect(await ids({ limit: 10, key: 'needle', path: 'other' })).toEqual([]);

    // With a budget of 1,000 entries a call stops early and says so; the cursor goes on from there.
    const found: string[] = [];
    let after;
    let calls = 0;
    for (;;) {
      const page = await model.page({ limit: 10, key: 'needle', scanBudget: 1000, ...(after ? { after } : {}) });
      calls += 1;
      found.push(...page.items.map((j) => (JSON.parse(j) as { pairId: string }).pairId));
      if (!page.next) break;
      expect(page.budgetSpent).toBe(true);
      after = page.next;
    }
    expect(found).toEqual(['p001500', 'p000000']);
    expect(calls).toBe(4);

    // A verdict recorded before summaries existed is filtered from its JSON (whose key is "k1500").
    await redis.hdel(`${base}k:meta`, 'p001500');
    expect(await ids({ limit: 10, key: 'needle' })).toEqual(['p000000']);
    expect(await ids({ limit: 10, key: 'k1500' })).toEqual(['p001500']);

    // Retention drops the summaries with the verdicts.
    await model.trim({ maxAgeMs: 1000, maxCount: 100_000, now: 99_500 });
    expect(await redis.hkeys(`${base}k:meta`)).toEqual(['p009999']);
  });

  it('counts pairs by latency-delta bucket per minute, each pairId once; a range takes the minutes it overlaps; retention drops them with the minute', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'lat' });
    const minute = 60_000;
    const pair = (i: number, at: number, delta: number | null, kind = 'match'): VerdictRecord => ({ ...verdict(i, at, kind, kind === 'match' ? [] : ['amount']), latencyDeltaMs: delta });
    await model.record([pair(1, 0, 0), pair(2, 10, 3), pair(3, 20, 3, 'mismatch'), pair(4, minute + 5, -120), pair(5, minute + 6, null, 'missing_new'), pair(6, 2 * minute, 70_000)]);
    // Read twice from Kafka: counted once.
    await model.record([pair(2, 10, 3)]);
    const counts = await model.latencyCounts(0, 3 * minute);
    const nonZero = Object.fromEntries(counts.flatMap((n, b) => (n > 0 ? [[b, n]] : [])));
    expect(nonZero).toEqual({ 15: 1, 17: 2, 8: 1, 30: 1 });
    // Only the first minute.
    expect((await model.latencyCounts(0, 59_999)).reduce((a, b) => a + b, 0)).toBe(3);
    // Age limit 1 minute at 3 minutes: the first minute is wholly past it and goes; the others stay.
    await model.trim({ maxAgeMs: minute, maxCount: 100, now: 3 * minute });
    expect((await model.latencyCounts(0, 3 * minute)).reduce((a, b) => a + b, 0)).toBe(2);
    expect(await redis.hkeys(`${prefix}:{lat}:rm:k:latency`)).not.toContain('0|15');
  });

  it('counts the fields that differ over a range from the summaries, newest first, within a budget that says when it ran out', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'fr' });
    // 1,300 discrepancies, many sharing a millisecond (batches must not skip or repeat ties): every
    // one differs at amount, every third also at currency, every 100th is missing (no path).
    await model.record(
      Array.from({ length: 1300 }, (_, i) => (i % 100 === 99 ? verdict(i, 1000 + Math.floor(i / 7), 'missing_new', []) : verdict(i, 1000 + Math.floor(i / 7), 'mismatch', i % 3 === 0 ? ['amount', 'currency'] : ['amount']))),
    );
    const all = await model.fieldsBetween(0, 10_000);
    expect(all.complete).toBe(true);
    expect(all.scanned).toBe(1300);
    expect(all.fields.map((f) => [f.path, f.count])).toEqual([
      ['amount', 1287],
      ['currency', 429],
    ]);
    expect(all.fields[0]).toMatchObject({ firstSeen: 1000, lastSeen: 1000 + Math.floor(1299 / 7) });
    // A range: i from 700 (at 1100) to 1049 (at 1149), of which 799, 899 and 999 are missing.
    const part = await model.fieldsBetween(1100, 1149);
    expect(part.fields.find((f) => f.path === 'amount')?.count).toBe(350 - 3);
    // The newest 600 only: the budget ran out, and says so.
    const some = await model.fieldsBetween(0, 10_000, { budget: 600 });
    expect([some.complete, some.scanned]).toEqual([false, 600]);
    // A budget that ends exactly at the last one is complete.
    expect((await model.fieldsBetween(0, 10_000, { budget: 1300 })).complete).toBe(true);
    // Distinct paths are capped as the all-time counts are (the rest under _other), and a budget
    // of path occurrences bounds a range of discrepancies with thousands of paths each.
    const capped = await model.fieldsBetween(0, 10_000, { maxPaths: 1 });
    expect(capped.fields.map((f) => [f.path, f.count])).toEqual([['amount', 1287], ['_other', 429]]);
    const few = await model.fieldsBetween(0, 10_000, { pathBudget: 100 });
    expect(few.complete).toBe(false);
    expect(few.scanned).toBeLessThan(100);

    // 1,200 discrepancies decided in one millisecond (whoever writes verdicts chooses decidedAt):
    // the batches of 500 page through the tie without skipping or repeating one.
    const tied = createReadModel({ redis, keyPrefix: prefix, comparison: 'tied' });
    await tied.record(Array.from({ length: 1200 }, (_, i) => verdict(i, 7000, 'mismatch', [`p${i % 3}`])));
    const all3 = await tied.fieldsBetween(0, 10_000);
    expect([all3.complete, all3.scanned, all3.fields.map((f) => f.count)]).toEqual([true, 1200, [400, 400, 400]]);
    const part3 = await tied.fieldsBetween(0, 10_000, { budget: 700 });
    expect([part3.complete, part3.scanned, part3.fields.reduce((n, f) => n + f.count, 0)]).toEqual([false, 700, 700]);
  });

  it('is bounded whatever the match rate: pairIds beyond maxSeen and buckets past maxAge are dropped', async () => {
    const model = createReadModel({ redis, keyPrefix: prefix, comparison: 'd' });
    const minute = 60_000;
    // 5,000 matches over 50 minutes, and one mismatch.
    for (let m = 0; m < 50; m += 1) await model.record(Array.from({ length: 100 }, (_, j) => verdict(m * 100 + j, m * minute + j, 'match', [])));
    await model.record([verdict(99_999, 49 * minute, 'mismatch')]);
    const now = 50 * minute;
    await model.trim({ maxAgeMs: 10 * minute, maxCount: 10, maxSeen: 800, now });
    const base = `${prefix}:{d}:rm:`;
    expect(await redis.zcard(`${base}seen`)).toBe(800);
    // Buckets of minutes wholly before the age limit are gone; the last ten minutes are kept.
    const buckets = await model.minuteCounts(0, now);
    expect(Math.min(...buckets.map((b) => b.minute))).toBe(39 * minute);
    expect(buckets.filter((b) => b.verdict === 'match').map((b) => b.count)).toEqual(Array(11).fill(100));
    expect(await redis.zcard(`${base}k:minutes`)).toBe(11);
    // Totals stay: they are a few numbers.
    expect(await model.totals()).toEqual({ match: 5000, mismatch: 1 });
  });
});
