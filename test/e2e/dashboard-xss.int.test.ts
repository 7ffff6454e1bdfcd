import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildApi, type Api } from '@shadowdiff/api';
import { loadConfigFile } from '@shadowdiff/config';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, requireTool, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { chromium, type Browser } from 'playwright-core';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// requireTool: one line naming Chromium and how to install it where it is missing.
const CHROMIUM = requireTool('chromium');
const TOKEN = 'viewer-token-0123456789';

// What a writer of a verdict topic could plant, in every field the dashboard shows.
const SCRIPTS = [
  '<img src=x onerror="window.__pwned=1">',
  '<script>window.__pwned=2</script>',
  '"><svg onload="window.__pwned=3">',
  "javascript:window.__pwned=4",
  'red;background:url(http://evil.example/x)',
  '</title><img src=x onerror=window.__pwned=5>',
];

describe('the dashboard renders what a verdict holds as text, never as markup (headless Chromium)', () => {
  const prefix = uniqueId('xss');
  const brokers = inject('brokers');
  const redisUrl = inject('redisUrl');
  const kafka = testKafka(brokers);
  const redis = new Redis(redisUrl);
  let api: Api;
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    const admin = kafka.admin();
    await admin.connect();
    await createTopic(admin, `${prefix}.orders.mismatches`, 1);
    await createTopic(admin, `${prefix}.orders.matches`, 1);
    await admin.disconnect();
    const now = Date.now();
    const hostile = SCRIPTS.map((payload, i) => ({
      schema: 'shadowdiff.verdict.v1',
      comparison: 'orders',
      pairId: (i + 1).toString(16).padStart(32, '0'),
      key: `${payload} key ${i}`,
      verdict: i === 0 ? 'missing_new' : 'mismatch',
      reason: i === 0 ? payload : null,
      mode: 'shadow',
      decidedAt: new Date(now - i * 1000).toISOString(),
      old: { topic: 'o', partition: 0, offset: String(i), timestamp: null, eventTime: null, value: { [payload]: payload, nested: { note: payload } } },
      new: i === 0 ? null : { topic: 'n', partition: 0, offset: String(i), timestamp: null, eventTime: null, value: { [payload]: `${payload}!`, nested: { note: payload } } },
      differences: i === 0 ? [] : [{ path: payload, kind: payload, old: payload, new: `${payload}!` }],
      latencyDeltaMs: 1,
    }));
    await produceRecords(kafka, `${prefix}.orders.mismatches`, hostile.map((v) => ({ key: v.key, value: JSON.stringify(v) })));

    const dir = mkdtempSync(join(tmpdir(), 'sd-xss-'));
    writeFileSync(join(dir, 'viewer-token'), `${TOKEN}\n`);
    writeFileSync(
      join(dir, 'shadowdiff.yaml'),
      `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
api:
  groupId: "${prefix}.api"
  tokens: [ { name: viewer, role: read, value: { file: viewer-token } } ]
comparisons:
  - { name: orders, old: { topic: "${prefix}.o" }, new: { topic: "${prefix}.n" }, window: 1m }
`,
    );
    api = buildApi({ config: loadConfigFile(join(dir, 'shadowdiff.yaml'), {}), logger: pino({ level: 'silent' }) });
    await api.start();
    base = `http://127.0.0.1:${await api.listen(0)}`;
    await pollUntil(
      async () => (await (await fetch(`${base}/api/v1/comparisons`, { headers: { authorization: `Bearer ${TOKEN}` } })).json()) as { totals: Record<string, number> }[],
      (list) => (list[0]?.totals.mismatch ?? 0) + (list[0]?.totals.missing_new ?? 0) === SCRIPTS.length,
      { what: 'the planted verdicts in the read model' },
    );
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
  });

  afterAll(async () => {
    await browser?.close();
    await api?.stop();
    await cleanUpPrefix(kafka, redis, prefix);
    redis.disconnect();
  });

  it('asks for the token, sends it only as a header, and shows planted markup literally with nothing run', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const requests: { url: string; authorization: string | undefined }[] = [];
    page.on('request', (request) => requests.push({ url: request.url(), authorization: request.headers().authorization }));
    const dialogs: string[] = [];
    page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    // Installed by the browser before any page script, outside the page's CSP.
    await page.addInitScript({
      content: "window.__violations = []; document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI));",
    });

    // A token in the address is ignored and removed; the page asks for it instead.
    await page.goto(`${base}/?token=${TOKEN}`);
    await page.locator('[data-testid=login]').waitFor({ state: 'visible' });
    expect(page.url()).toBe(`${base}/`);
    await page.locator('[data-testid=login] input[name=token]').fill(TOKEN);
    await page.locator('[data-testid=login] button').click();
    await expect.poll(() => page.locator('[data-testid=discrepancies] tbody tr').count(), { timeout: 15_000 }).toBe(SCRIPTS.length);

    // Keys and paths are shown as the characters they are.
    const rows = await page.locator('[data-testid=discrepancies] tbody tr').allTextContents();
    for (const [i, payload] of SCRIPTS.entries()) expect(rows.some((r) => r.includes(`${payload} key ${i}`)), payload).toBe(true);
    expect(rows.some((r) => r.includes(SCRIPTS[1] as string))).toBe(true);
    await expect.poll(() => page.locator('[data-testid=fields] tbody tr').count()).toBeGreaterThan(0);
    const fields = await page.locator('[data-testid=fields] tbody td:first-child').allTextContents();
    for (const payload of SCRIPTS.slice(1)) expect(fields).toContain(payload);
    // Every verdict opened side by side: its payload's keys and values are text too.
    // Each one by its own key (rows are newest first), waiting until the pane shows that one.
    for (const [i, payload] of SCRIPTS.entries()) {
      await page.locator('[data-testid=discrepancies] tbody tr', { hasText: `${payload} key ${i}` }).first().click();
      await page.locator('[data-testid=pair]').waitFor({ state: 'visible' });
      await expect.poll(() => page.locator('#pair-title').textContent()).toContain(`${payload} key ${i}`);
    }
    await expect.poll(() => page.locator('#pair-old').textContent()).toContain(JSON.stringify(SCRIPTS[SCRIPTS.length - 1]));

    // No element came from the data: no planted img, script or svg, nothing ran, no dialog, no
    // request off the origin, and the CSP never had to block anything.
    // (Page code as text: the test's TypeScript has no DOM types.)
    const dom = await page.evaluate(`({
      pwned: window.__pwned,
      imgs: document.querySelectorAll('img').length,
      scripts: [...document.querySelectorAll('script')].map((s) => s.getAttribute('src')),
      svgs: [...document.querySelectorAll('svg')].map((s) => s.id),
      violations: window.__violations,
    })`);
    expect(dom).toEqual({ pwned: undefined, imgs: 0, scripts: ['/dashboard/app.js'], svgs: ['chart', 'latency'], violations: [] });
    expect(dialogs).toEqual([]);
    for (const r of requests) expect(r.url.startsWith(`${base}/`), r.url).toBe(true);

    // The token travels as a header of API requests only, never in a URL after the first load.
    const apiRequests = requests.filter((r) => r.url.startsWith(`${base}/api/v1/`));
    expect(apiRequests.length).toBeGreaterThan(0);
    expect(apiRequests.filter((r) => r.authorization === `Bearer ${TOKEN}`).length).toBeGreaterThan(0);
    for (const r of requests.slice(1)) expect(r.url).not.toContain(TOKEN);
    expect(page.url()).not.toContain(TOKEN);
    await context.close();
  });

  it('is served with a CSP that allows no inline script, nosniff, no framing and no referrer', async () => {
    const response = await fetch(`${base}/`);
    expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('referrer-policy')).toBe('no-referrer');
    expect(await response.text()).not.toMatch(/<script>|\sstyle="|\son[a-z]+=/i);
  });
});
