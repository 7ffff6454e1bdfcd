import { parseConfig } from '@shadowdiff/config';
import { cleanUpPrefix, createTopic, pollUntil, produceRecords, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { buildApi, type Api } from '../src/index.ts';

const brokers = inject('brokers');
const redisUrl = inject('redisUrl');
const kafka = testKafka(brokers);
const redis = new Redis(redisUrl);
const prefix = uniqueId('modes');
const AUTH = { authorization: 'Bearer t0ken' };
let api: Api;
let next = 0;

/** Publishes verdicts as the joiner would, decided now. */
async function verdicts(comparison: string, kinds: Record<string, number>): Promise<void> {
  const messages = Object.entries(kinds).flatMap(([kind, n]) =>
    Array.from({ length: n }, () => {
      const pairId = (next++).toString(16).padStart(32, '0');
      const v = { schema: 'shadowdiff.verdict.v1', comparison, pairId, key: `k${next}`, verdict: kind, reason: null, mode: 'shadow', decidedAt: new Date().toISOString(), old: null, new: null, differences: kind === 'mismatch' ? [{ path: 'amount', kind: 'changed', old: 1, new: 2 }] : [], latencyDeltaMs: null };
      return { topic: `${prefix}.${comparison}.${kind === 'match' ? 'matches' : 'mismatches'}`, message: { key: v.key, value: JSON.stringify(v) } };
    }),
  );
  for (const topic of new Set(messages.map((m) => m.topic))) {
    await produceRecords(kafka, topic, messages.filter((m) => m.topic === topic).map((m) => m.message));
  }
}

async function put(name: string, body: object, headers: Record<string, string> = AUTH) {
  const response = await api.app.inject({ method: 'PUT', url: `/api/v1/comparisons/${name}/mode`, payload: body, headers });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}
const get = async (url: string) => (await api.app.inject({ method: 'GET', url, headers: { authorization: 'Bearer w4tch' } })).json() as Record<string, unknown>;
const total = async (name: string) => ((await get(`/api/v1/comparisons/${name}/summary`)) as { total: number }).total;

beforeAll(async () => {
  const admin = kafka.admin();
  await admin.connect();
  for (const c of ['steps', 'guarded']) for (const t of ['matches', 'mismatches']) await createTopic(admin, `${prefix}.${c}.${t}`, 1);
  await admin.disconnect();
  const comparison = (name: string, mode: string) => `
  - name: ${name}
    old: { topic: ${prefix}.${name}.o }
    new: { topic: ${prefix}.${name}.n }
    window: 1m
    mode: ${mode}
    readiness: { minPairs: 100, minTimeInMode: 0s, maxMismatchRate: 0.05, maxMissingRate: 0.05 }
    rollback: { window: 5m, minPairs: 50, maxMismatchRate: 0.1, maxMissingRate: 0.1 }`;
  const config = parseConfig(
    `
kafka: { brokers: ["${brokers}"] }
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
api:
  groupId: "${prefix}.api"
  tokens: [ { name: ana, role: operator, value: { env: SD_TOKEN } }, { name: watcher, role: read, value: { env: SD_READ } } ]
comparisons:${comparison('steps', 'old')}${comparison('guarded', 'shadow')}
`,
    'modes.yaml',
    { SD_TOKEN: 't0ken', SD_READ: 'w4tch' },
  );
  api = buildApi({ config, logger: pino({ level: 'silent' }), rollbackIntervalMs: 300 });
  await api.start();
});

afterAll(async () => {
  await api?.stop();
  await cleanUpPrefix(kafka, redis, prefix);
  redis.disconnect();
});

describe('modes through the REST API', () => {
  it('walks every allowed transition, refuses every other one without force, and gates promotions on readiness', async () => {
    const refused = async (to: string) => {
      const r = await put('steps', { mode: to, reason: 'trying' });
      expect(r.status, to).toBe(409);
      expect(r.body.code, to).toBe('SHADOWDIFF_ERR_API_TRANSITION_REFUSED');
    };
    expect((await put('steps', { mode: 'shadow', reason: 'go' }, {})).status).toBe(401);
    // A read token may look, not change; a body naming an actor is refused (the actor is the token's name).
    expect((await put('steps', { mode: 'shadow', reason: 'go' }, { authorization: 'Bearer w4tch' })).body).toMatchObject({ statusCode: 403, code: 'SHADOWDIFF_ERR_API_FORBIDDEN' });
    expect((await put('steps', { mode: 'shadow', reason: 'go', actor: 'mallory' })).status).toBe(400);
    // old: only shadow
    await refused('reverse_shadow');
    await refused('new');
    expect((await put('steps', { mode: 'shadow', reason: 'start comparing' })).status).toBe(200);
    // shadow → reverse_shadow is a promotion: no pairs yet, refused with the failing criteria
    const early = await put('steps', { mode: 'reverse_shadow', reason: 'too early' });
    expect(early.status).toBe(409);
    expect(early.body).toMatchObject({ code: 'SHADOWDIFF_ERR_API_NOT_READY', criteria: expect.arrayContaining([expect.objectContaining({ name: 'minPairs', pass: false })]) });
    await refused('new');
    await verdicts('steps', { match: 200 });
    await pollUntil(() => total('steps'), (n) => n >= 200, { what: '200 verdicts' });
    const readiness = (await get('/api/v1/comparisons/steps/readiness')) as { ready: boolean; promotion: string };
    expect(readiness).toMatchObject({ ready: true, promotion: 'reverse_shadow' });
    expect((await put('steps', { mode: 'reverse_shadow', reason: 'criteria pass' })).status).toBe(200);
    await refused('old');
    // reverse_shadow → new is a promotion too
    await verdicts('steps', { match: 150 });
    await pollUntil(() => total('steps'), (n) => n >= 350, { what: '350 verdicts' });
    expect((await put('steps', { mode: 'new', reason: 'done' })).status).toBe(200);
    await refused('shadow');
    await refused('old');
    expect((await put('steps', { mode: 'reverse_shadow', reason: 'step back' })).status).toBe(200);
    expect((await put('steps', { mode: 'shadow', reason: 'rollback' })).status).toBe(200);
    expect((await put('steps', { mode: 'old', reason: 'give up' })).status).toBe(200);
    await refused('old'); // already there
    // force makes what is not a step
    const forced = await put('steps', { mode: 'new', reason: 'emergency', force: true });
    expect(forced).toMatchObject({ status: 200, body: { mode: 'new', change: { from: 'old', to: 'new', forced: true } } });

    const history = (await get('/api/v1/comparisons/steps/mode/history')) as { history: { from: string; to: string; actor: string; reason: string }[] };
    expect(history.history.map((h) => `${h.from}>${h.to}`).reverse()).toEqual([
      'old>shadow',
      'shadow>reverse_shadow',
      'reverse_shadow>new',
      'new>reverse_shadow',
      'reverse_shadow>shadow',
      'shadow>old',
      'old>new',
    ]);
    expect(history.history.at(-1)).toMatchObject({ actor: 'ana', reason: 'start comparing' });
    expect(await get('/api/v1/comparisons/steps/mode')).toMatchObject({ mode: 'new', source: 'redis' });
  });

  it('rolls reverse_shadow back to shadow by itself when real verdicts show too many mismatches', async () => {
    await verdicts('guarded', { match: 200 });
    await pollUntil(() => total('guarded'), (n) => n >= 200, { what: '200 verdicts' });
    expect((await put('guarded', { mode: 'reverse_shadow', reason: 'promote' })).status).toBe(200);
    await verdicts('guarded', { match: 70, mismatch: 30 });
    const mode = await pollUntil(async () => ((await get('/api/v1/comparisons/guarded/mode')) as { mode: string }).mode, (m) => m === 'shadow', {
      what: 'the automatic rollback',
    });
    expect(mode).toBe('shadow');
    const history = (await get('/api/v1/comparisons/guarded/mode/history')) as { history: { actor: string; reason: string; figures: Record<string, number> }[] };
    expect(history.history[0]).toMatchObject({ actor: 'auto-rollback', reason: expect.stringContaining('mismatch rate'), figures: expect.objectContaining({ mismatches: 30 }) });
    const metrics = (await api.app.inject({ method: 'GET', url: '/metrics', headers: { authorization: 'Bearer w4tch' } })).body;
    expect(metrics).toContain('shadowdiff_mode_rollbacks_total{comparison="guarded"} 1');
  });
});
