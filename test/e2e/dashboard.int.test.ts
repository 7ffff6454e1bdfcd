import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { buildJoiner, type Joiner } from '@shadowdiff/joiner';
import { cleanUpPrefix, createTopicPair, pollUntil, produceRecords, requireTool, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// Debian's chromium, driven by playwright-core (no browser download). CI installs it.
// requireTool: one line naming Chromium and how to install it where it is missing.
const CHROMIUM = requireTool('chromium');
const ARTIFACTS = join(import.meta.dirname, '..', '..', 'test-results');

describe('dashboard in headless Chromium against a running stack', () => {
  const prefix = uniqueId('dash');
  const brokers = inject('brokers');
  const redisUrl = inject('redisUrl');
  const kafka = testKafka(brokers);
  const redis = new Redis(redisUrl);
  let joiner: Joiner;
  let api: Api;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await createTopicPair(kafka, prefix);
    const N = 600;
    const order = (i: number, side: string) => ({
      orderId: `o-${i}`,
      amount: 10 + i,
      status: side === 'new' && i % 20 === 0 ? 'NEW' : 'PAID',
      customer: { tier: side === 'new' && i % 50 === 0 ? 'silver' : 'gold', card: { number: '4111111111111111' } },
    });
    await produceRecords(kafka, `${prefix}.old`, Array.from({ length: N }, (_, i) => ({ key: `o-${i}`, value: JSON.stringify(order(i, 'old')) })));
    await produceRecords(kafka, `${prefix}.new`, Array.from({ length: N }, (_, i) => ({ key: `o-${i}`, value: JSON.stringify(order(i, 'new')) })).filter((_, i) => i % 97 !== 5));
    const config = parseConfig(
      `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
joiner: { groupId: "${prefix}.joiner" }
api: { groupId: "${prefix}.api", protectReads: false, tokens: [ { name: ops, role: operator, value: { env: SD_TOKEN } } ] }
comparisons:
  - name: orders
    old: { topic: ${prefix}.old }
    new: { topic: ${prefix}.new }
    window: 2s
    maxWait: 3s
    redact: ["customer.card.number"]
`,
      'dashboard.yaml',
      { SD_TOKEN: 'ops-token' },
    );
    joiner = buildJoiner({ config, logger: pino({ level: 'silent' }), metricsPort: 0 });
    await joiner.start();
    api = buildApi({ config, logger: pino({ level: 'silent' }) });
    await api.start();
    base = `http://127.0.0.1:${await api.listen(0)}`;
    await pollUntil(
      async () => (await (await fetch(`${base}/api/v1/comparisons/orders/summary`)).json()) as { total: number },
      (s) => s.total === N,
      { what: `${N} verdicts in the API` },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await joiner?.stop();
    await cleanUpPrefix(kafka, redis, prefix);
    redis.disconnect();
  });

  it('shows the numbers the API gives, opens one discrepancy side by side, and is saved as a screenshot', async () => {
    const summary = (await (await fetch(`${base}/api/v1/comparisons/orders/summary`)).json()) as { counts: Record<string, number>; matchRate: number; total: number };
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(base);
    await page.locator('[data-testid=counts] span').first().waitFor();
    expect(await page.locator('[data-testid=match-rate]').textContent()).toBe(`${(summary.matchRate * 100).toFixed(2)}%`);
    expect(await page.locator('[data-testid=total]').textContent()).toBe(summary.total.toLocaleString('en-US'));
    const shown = Object.fromEntries(
      await page.locator('[data-testid=counts] span').evaluateAll((spans) => spans.map((s) => [s.getAttribute('data-kind'), Number(s.getAttribute('data-count'))])),
    );
    expect(shown).toEqual(summary.counts);
    expect(await page.locator('[data-testid=mode]').textContent()).toBe('shadow');
    await expect.poll(() => page.locator('[data-testid=fields] tbody tr').count()).toBeGreaterThan(0);
    expect(await page.locator('[data-testid=fields] tbody tr').first().locator('td').first().textContent()).toBe('status');
    // The latency delta's distribution: every pair in a bucket, a bar per bucket as the API counts them.
    const latency = (await (await fetch(`${base}/api/v1/comparisons/orders/latency`)).json()) as { pairs: number; buckets: { count: number }[] };
    expect(latency.pairs).toBe((summary.counts.match ?? 0) + (summary.counts.mismatch ?? 0));
    await expect.poll(() => page.locator('[data-testid=latency] rect').count()).toBe(31);
    expect(await page.locator('[data-testid=latency] rect').evaluateAll((rects) => rects.map((r) => Number(r.getAttribute('data-count'))))).toEqual(latency.buckets.map((b) => b.count));
    expect(await page.locator('[data-testid=latency-summary]').textContent()).toMatch(new RegExp(`^${latency.pairs.toLocaleString('en-US')} pairs; median -?\\d+( – -?\\d+)? ms, p90 `));

    // The discrepancy classes as the API groups them; a class's row opens its newest example.
    const { classes } = (await (await fetch(`${base}/api/v1/comparisons/orders/classes`)).json()) as { classes: { id: string; count: number; explanation: string; examples: string[] }[] };
    expect(classes.map((c) => c.explanation).sort()).toEqual(['customer.tier: values differ', 'missing_new: the new side never produced these records', 'status: values differ']);
    await expect.poll(() => page.locator('[data-testid=classes] tbody tr').count()).toBe(classes.length);
    expect(await page.locator('[data-testid=classes] tbody tr').evaluateAll((rows) => rows.map((r) => [r.getAttribute('data-class-id'), Number(r.getAttribute('data-count'))]))).toEqual(classes.map((c) => [c.id, c.count]));
    const tierClass = classes.find((c) => c.explanation.startsWith('customer.tier'))!;
    await page.locator(`[data-testid=classes] tbody tr[data-class-id="${tierClass.id}"]`).click();
    await page.locator('[data-testid=pair]').waitFor({ state: 'visible' });
    expect(await page.locator('#pair-title').textContent()).toContain(tierClass.examples[0]);
    expect((await page.locator('#pair-new .diff').allTextContents()).join('')).toContain('"tier": "silver"');

    await page.locator('[data-testid=discrepancies] tbody tr', { hasText: 'mismatch' }).first().click();
    await page.locator('[data-testid=pair]').waitFor({ state: 'visible' });
    const highlighted = await page.locator('#pair-new .diff').allTextContents();
    expect(highlighted.join('')).toMatch(/"status": "NEW"|"tier": "silver"/);
    expect(await page.locator('#pair-old').textContent()).toContain('"number": "***"');

    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard.png'), fullPage: true });
  });

  it("decides promotions: each criterion of the next promotion with its value and pass or fail, a promotion refused with what fails, a change made with the operator's token, and the history", async () => {
    const readiness = (await (await fetch(`${base}/api/v1/comparisons/orders/readiness`)).json()) as { promotion: string; ready: boolean; criteria: { name: string; pass: boolean }[] };
    expect(readiness.promotion).toBe('reverse_shadow');
    const page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    await page.goto(base);
    await page.locator('[data-testid=readiness] tbody tr').first().waitFor();
    const rows = await page.locator('[data-testid=readiness] tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.getAttribute('data-criterion'), tr.getAttribute('data-pass')]));
    expect(rows).toEqual(readiness.criteria.map((c) => [c.name, String(c.pass)]));
    expect(await page.locator('[data-testid=readiness-verdict]').textContent()).toBe(`Promotion to reverse_shadow: ${readiness.ready ? 'ready' : 'not ready'}.`);
    const failing = readiness.criteria.filter((c) => !c.pass).map((c) => c.name);
    expect(failing.length).toBeGreaterThan(0);

    const form = page.locator('[data-testid=mode-change]');
    const result = page.locator('[data-testid=mode-change-result]');
    // A promotion that is not ready: refused, with what fails.
    await form.locator('select[name=mode]').selectOption('reverse_shadow');
    await form.locator('input[name=reason]').fill('too early');
    await form.locator('input[name=token]').fill('ops-token');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => result.textContent()).toMatch(/^Refused: /);
    for (const name of failing) expect(await result.textContent()).toContain(name);
    // A step back without a token: the API wants one.
    await form.locator('select[name=mode]').selectOption('old');
    await form.locator('input[name=reason]').fill('stop comparing');
    await form.locator('button[type=submit]').click();
    await expect.poll(() => result.textContent()).toBe('Refused: an operator token is needed.');
    // With the operator's token: done, shown, and in the history under the token's name, once
    // however fast the button is pressed twice.
    const historyRows = page.locator('[data-testid=history] tbody tr');
    const before = await historyRows.count();
    await form.locator('input[name=token]').fill('ops-token');
    await form.locator('button[type=submit]').dblclick();
    await expect.poll(() => result.textContent()).toBe('Now old.');
    await expect.poll(() => historyRows.count()).toBe(before + 1);
    await expect.poll(() => page.locator('[data-testid=mode]').textContent()).toBe('old');
    const first = page.locator('[data-testid=history] tbody tr').first();
    await expect.poll(() => first.locator('td').allTextContents()).toEqual([expect.any(String), 'shadow', 'old', 'ops', 'stop comparing']);
    expect(((await (await fetch(`${base}/api/v1/comparisons/orders/mode`)).json()) as { mode: string }).mode).toBe('old');
    // The token typed in is not left in the page.
    expect(await form.locator('input[name=token]').inputValue()).toBe('');
    mkdirSync(ARTIFACTS, { recursive: true });
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-promotion.png'), fullPage: true });
  });
});
