import { parseConfig } from '@shadowdiff/config';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, stackYaml, testKafka, testRedis, testRedisEndpoint, uniqueId } from '@shadowdiff/testing';
import type { Message } from 'kafkajs';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi, type Api } from '../src/index.ts';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
// The project's Redis: one server, or (integration-ha) the local Redis Cluster.
const redis = testRedis();
const prefix = uniqueId('api');
const T0 = Date.parse('2026-11-20T10:00:00.000Z');
const N = 10_000;
let api: Api;

/** A verdict as the joiner publishes it. Every 10th differs at `amount` as well as `status`. */
function verdict(i: number, kind = 'mismatch', at = T0 + i * 1000) {
  const pairId = i.toString(16).padStart(32, '0');
  const differences = kind === 'mismatch' ? [{ path: 'status', kind: 'changed', old: 'PAID', new: 'NEW' }, ...(i % 10 === 0 ? [{ path: 'amount', kind: 'changed', old: 1, new: 2 }] : [])] : [];
  return {
    schema: 'shadowdiff.verdict.v1',
    comparison: 'orders',
    pairId,
    key: `order-${i}`,
    verdict: kind,
    reason: kind.startsWith('missing') ? 'watermark' : null,
    mode: 'shadow',
    decidedAt: new Date(at).toISOString(),
    old: { topic: 'o', partition: 0, offset: String(i), timestamp: new Date(at).toISOString(), eventTime: new Date(at).toISOString(), value: { status: 'PAID', card: { number: '4111111111111111' } } },
    new: kind === 'missing_new' ? null : { topic: 'n', partition: 0, offset: String(i), timestamp: new Date(at).toISOString(), eventTime: new Date(at).toISOString(), value: { status: 'NEW', card: { number: '4111111111111111' } } },
    differences,
    // A pair's new output came 3 ms after the old, every fourth 150 ms before it.
    latencyDeltaMs: kind === 'missing_new' ? null : i % 4 === 0 ? -150 : 3,
  };
}
const message = (v: ReturnType<typeof verdict>): Message => ({ key: v.key, value: JSON.stringify(v) });
const READ = { authorization: 'Bearer r3ad' };
const get = async (url: string, headers: Record<string, string> = READ) => {
  const response = await api.app.inject({ method: 'GET', url, headers });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> & { items: { pairId: string; key: string; verdict: string; paths: string[] }[]; nextCursor: string | null } };
};

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  await createTopic(admin, `${prefix}.orders.mismatches`, 3);
  await createTopic(admin, `${prefix}.orders.matches`, 3);
  await admin.disconnect();
  const mismatches = Array.from({ length: N }, (_, i) => verdict(i, i % 100 === 7 ? 'missing_new' : 'mismatch'));
  await produceRecords(kafka, `${prefix}.orders.mismatches`, mismatches.map(message), 1000);
  await produceRecords(kafka, `${prefix}.orders.matches`, Array.from({ length: 3000 }, (_, i) => message(verdict(N + i, 'match'))), 1000);
  const config = parseConfig(
    stackYaml(
      { brokers, redisUrl, prefix, redis: testRedisEndpoint() },
      `  - name: orders
    old: { topic: ${prefix}.o }
    new: { topic: ${prefix}.n }
    window: 1m
    redact: ["card.number"]`,
      { api: 'tokens: [ { name: oncall, role: operator, value: { env: SD_OPERATOR_TOKEN } }, { name: viewer, role: read, value: { env: SD_READ_TOKEN } } ]' },
    ),
    'api.yaml',
    { SD_OPERATOR_TOKEN: 's3cret', SD_READ_TOKEN: 'r3ad' },
  );
  api = buildApi({ config, logger: pino({ level: 'silent' }) });
  await api.start();
  await pollUntil(async () => (await get('/api/v1/comparisons')).body, (b) => JSON.stringify(b).includes(`"match":3000`) && JSON.stringify(b).includes(`"mismatch":${N - N / 100}`), {
    what: 'the read model to hold every verdict',
  });
});

afterAll(async () => {
  await api?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

describe('REST API over the read model filled from the verdict topics', () => {
  it('lists comparisons with mode and headline numbers, and summarises with a time series', async () => {
    const list = await get('/api/v1/comparisons');
    expect(list.body).toEqual([
      { name: 'orders', mode: 'shadow', totals: { mismatch: N - N / 100, missing_new: N / 100, match: 3000 }, matchRate: 3000 / (3000 + N - N / 100) },
    ]);
    const summary = await get(`/api/v1/comparisons/orders/summary?since=${new Date(T0).toISOString()}&until=${new Date(T0 + 3_599_999).toISOString()}&bucket=15m`);
    expect(summary.status).toBe(200);
    expect(summary.body.counts).toEqual({ mismatch: 3600 - 36, missing_new: 36 });
    expect((summary.body.series as unknown[]).length).toBe(4);
    expect((summary.body.series as { counts: Record<string, number> }[])[0]?.counts).toEqual({ mismatch: 900 - 9, missing_new: 9 });
  });

  it('pages through 10,000 discrepancies newest first with no gap and no repeat while verdicts keep arriving', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    let arriving = 50_000;
    do {
      const page = await get(`/api/v1/comparisons/orders/discrepancies?limit=250${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.status).toBe(200);
      seen.push(...page.body.items.map((i) => i.pairId));
      cursor = page.body.nextCursor;
      await produceRecords(kafka, `${prefix}.orders.mismatches`, [message(verdict(arriving++, 'mismatch', Date.now())), message(verdict(arriving++, 'mismatch', T0 + 5000))]);
    } while (cursor);
    const original = new Set(Array.from({ length: N }, (_, i) => i.toString(16).padStart(32, '0')));
    expect(new Set(seen).size).toBe(seen.length);
    for (const id of original) expect(seen.includes(id)).toBe(true);
  });

  it('combines filters: verdict, path, key and a time range', async () => {
    const since = new Date(T0 + 100_000).toISOString();
    const until = new Date(T0 + 199_000).toISOString();
    const byPath = await get(`/api/v1/comparisons/orders/discrepancies?path=amount&since=${since}&until=${until}&limit=500`);
    expect(byPath.body.items.map((i) => i.key)).toEqual(Array.from({ length: 10 }, (_, j) => `order-${190 - j * 10}`));
    const missing = await get(`/api/v1/comparisons/orders/discrepancies?verdict=missing_new&since=${since}&until=${until}`);
    expect(missing.body.items.map((i) => i.key)).toEqual(['order-107']);
    const byKey = await get('/api/v1/comparisons/orders/discrepancies?key=order-4242&verdict=mismatch');
    expect(byKey.body.items).toHaveLength(1);
    expect(byKey.body.items[0]).toMatchObject({ key: 'order-4242', verdict: 'mismatch', paths: ['status'] });
  });

  it('returns one verdict with both payloads and the diff, redacted', async () => {
    const id = (4242).toString(16).padStart(32, '0');
    const one = await get(`/api/v1/comparisons/orders/discrepancies/${id}`);
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ pairId: id, old: { value: { status: 'PAID', card: { number: '***' } } }, new: { value: { card: { number: '***' } } } });
    expect(JSON.stringify(one.body)).not.toContain('4111111111111111');
  });

  it("gives the latency delta's distribution over a range by bucket, with the buckets of its quantiles", async () => {
    // Minutes 1 to 59 (the paging test adds verdicts to minute 0).
    const hour = await get(`/api/v1/comparisons/orders/latency?since=${new Date(T0 + 60_000).toISOString()}&until=${new Date(T0 + 3_599_999).toISOString()}`);
    expect(hour.status).toBe(200);
    const body = hour.body as unknown as { pairs: number; buckets: { min: number | null; max: number | null; count: number }[]; quantiles: Record<string, unknown> };
    // 3,540 verdicts, 35 of them missing (no delta), 885 of the pairs 150 ms ahead.
    expect(body.pairs).toBe(3505);
    expect(body.buckets).toHaveLength(31);
    expect(body.buckets.filter((b) => b.count > 0)).toEqual([
      { min: -199, max: -100, count: 885 },
      { min: 2, max: 4, count: 2620 },
    ]);
    expect(body.quantiles).toEqual({ p50: { min: 2, max: 4 }, p90: { min: 2, max: 4 }, p99: { min: 2, max: 4 } });
    // A range with no pair: no quantile.
    const before = await get(`/api/v1/comparisons/orders/latency?since=${new Date(T0 - 7_200_000).toISOString()}&until=${new Date(T0 - 3_600_000).toISOString()}`);
    expect(before.body).toMatchObject({ pairs: 0, quantiles: { p50: null, p90: null, p99: null } });
    expect((await get('/api/v1/comparisons/orders/latency?since=yesterday')).status).toBe(400);
  });

  it('gives per-field statistics', async () => {
    const fields = await get('/api/v1/comparisons/orders/fields');
    const byPath = Object.fromEntries((fields.body.fields as { path: string; count: number; firstSeen: string }[]).map((f) => [f.path, f]));
    expect(byPath.status).toMatchObject({ count: expect.any(Number), examples: expect.any(Array) });
    expect(byPath.amount?.count).toBeGreaterThanOrEqual(N / 10 - N / 100);
    expect(byPath.status?.firstSeen).toBe(new Date(T0).toISOString());
    expect(fields.body).toMatchObject({ since: null, until: null, complete: true });

    // Over a range: minutes 1 to 2 hold i = 60 … 179, 120 verdicts, of which 107 is missing.
    const since = new Date(T0 + 60_000).toISOString();
    const until = new Date(T0 + 179_999).toISOString();
    const ranged = await get(`/api/v1/comparisons/orders/fields?since=${since}&until=${until}`);
    expect(ranged.status).toBe(200);
    expect(ranged.body).toMatchObject({ since, until, complete: true, pairs: 119 });
    const inRange = Object.fromEntries((ranged.body.fields as { path: string; count: number; share: number; examples: string[] }[]).map((f) => [f.path, f]));
    expect(inRange.status).toMatchObject({ count: 119, share: 1 });
    // Every tenth differs at amount too: 60, 70, … 170.
    expect(inRange.amount).toMatchObject({ count: 12, firstSeen: new Date(T0 + 60_000).toISOString(), lastSeen: new Date(T0 + 170_000).toISOString() });
    expect(inRange.amount?.examples[0]).toBe((170).toString(16).padStart(32, '0'));
  });

  it('answers bad requests with 400 and a code, unknown things with 404, and protects changes with the token', async () => {
    const cases = [
      '/api/v1/comparisons/orders/discrepancies?limit=0',
      '/api/v1/comparisons/orders/discrepancies?limit=abc',
      '/api/v1/comparisons/orders/discrepancies?verdict=match',
      '/api/v1/comparisons/orders/discrepancies?since=yesterday',
      '/api/v1/comparisons/orders/discrepancies?cursor=not-a-cursor',
      '/api/v1/comparisons/orders/discrepancies?colour=red',
      `/api/v1/comparisons/orders/summary?since=${new Date(T0 + 10).toISOString()}&until=${new Date(T0).toISOString()}`,
      '/api/v1/comparisons/orders/discrepancies/xyz',
    ];
    for (const url of cases) {
      const response = await get(url);
      expect(response.status, url).toBe(400);
      expect(response.body, url).toMatchObject({ statusCode: 400, code: 'SHADOWDIFF_ERR_API_BAD_REQUEST', error: 'Bad Request', message: expect.any(String) });
    }
    expect((await get('/api/v1/comparisons/nope/summary')).body).toMatchObject({ statusCode: 404, code: 'SHADOWDIFF_ERR_API_NOT_FOUND' });
    expect((await get(`/api/v1/comparisons/orders/discrepancies/${'f'.repeat(32)}`)).status).toBe(404);
    // Reads need a token once tokens are configured; a route that does not exist is a 404 for anyone.
    expect((await get('/api/v1/comparisons', {})).body).toMatchObject({ statusCode: 401, code: 'SHADOWDIFF_ERR_API_UNAUTHORIZED' });
    expect((await get('/api/v1/comparisons', { authorization: 'Bearer wrong' })).body).toMatchObject({ statusCode: 401, code: 'SHADOWDIFF_ERR_API_UNAUTHORIZED' });
    // A refusal carries the security headers too (the auth hook runs after helmet's).
    const refused = await api.app.inject({ method: 'GET', url: '/api/v1/comparisons' });
    expect(refused.statusCode).toBe(401);
    expect(refused.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(refused.headers['x-content-type-options']).toBe('nosniff');
    expect((await api.app.inject({ method: 'POST', url: '/api/v1/comparisons', headers: READ })).json()).toMatchObject({ statusCode: 404, code: 'SHADOWDIFF_ERR_API_NOT_FOUND' });
  });

  it('describes itself in /openapi.json and serves /healthz, /readyz, /metrics and the dashboard', async () => {
    const spec = (await get('/openapi.json')).body as unknown as { openapi: string; paths: Record<string, unknown> };
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths).sort()).toEqual([
      '/api/v1/comparisons',
      '/api/v1/comparisons/{name}/classes',
      '/api/v1/comparisons/{name}/classes/{classId}',
      '/api/v1/comparisons/{name}/dead-letters',
      '/api/v1/comparisons/{name}/discrepancies',
      '/api/v1/comparisons/{name}/discrepancies/{pairId}',
      '/api/v1/comparisons/{name}/fields',
      '/api/v1/comparisons/{name}/latency',
      '/api/v1/comparisons/{name}/mode',
      '/api/v1/comparisons/{name}/mode/history',
      '/api/v1/comparisons/{name}/readiness',
      '/api/v1/comparisons/{name}/suggestions',
      '/api/v1/comparisons/{name}/summary',
    ]);
    // No browsable Swagger UI (it needs inline script and third-party styles): /openapi.json is the description.
    expect((await api.app.inject({ method: 'GET', url: '/docs/' })).statusCode).toBe(404);
    expect((await get('/healthz')).body).toMatchObject({ status: 'ok' });
    const readyz = await pollUntil(async () => get('/readyz'), (r) => r.status === 200, { what: 'readiness' });
    expect(readyz.body).toEqual({ status: 'ready', checks: { redis: true, kafka: true, caughtUp: true, reader: 'consuming' } });
    expect((await api.app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(401);
    expect((await api.app.inject({ method: 'GET', url: '/metrics', headers: READ })).body).toContain('shadowdiff_api_verdicts_ingested_total{comparison="orders"}');
    const page = await api.app.inject({ method: 'GET', url: '/' });
    expect(page.headers['content-type']).toContain('text/html');
  });
});
