import type { ComparisonConfig } from '@shadowdiff/config';
import { LATENCY_BUCKETS, type DeadLetters, type MigrationMode, type ReadModel } from '@shadowdiff/store';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { ApiError, ApiErrorCode, notFound } from './errors.ts';
import type { ModeService } from './mode-service.ts';
import {
  comparisonSummary,
  deadLettersResponse,
  discrepanciesQuery,
  discrepanciesResponse,
  errorSchema,
  fieldsResponse,
  latencyResponse,
  modeBody,
  modeChangeResponse,
  modeHistoryResponse,
  modeResponse,
  nameParams,
  readinessResponse,
  pairParams,
  rangeQuery,
  summaryQuery,
  summaryResponse,
} from './schemas.ts';

export interface RouteDeps {
  readonly comparisons: ReadonlyMap<string, ComparisonConfig>;
  readonly models: ReadonlyMap<string, ReadModel>;
  readonly modes: ReadonlyMap<string, ModeService>;
  readonly deadLetters: ReadonlyMap<string, DeadLetters>;
  /** Per client, on the reads that scan the read model. */
  readonly rateLimit: { readonly max: number; readonly timeWindow: number };
}

const BUCKETS: Record<string, number> = { '1m': 60_000, '5m': 300_000, '15m': 900_000, '1h': 3_600_000, '1d': 86_400_000 };
const DAY = 86_400_000;
const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 429: errorSchema };

function matchRate(counts: Record<string, number>): number | null {
  const match = counts.match ?? 0;
  const paired = match + (counts.mismatch ?? 0);
  return paired === 0 ? null : match / paired;
}

function bucketFor(rangeMs: number): string {
  if (rangeMs <= 2 * 3_600_000) return '1m';
  if (rangeMs <= 12 * 3_600_000) return '5m';
  if (rangeMs <= 2 * DAY) return '15m';
  if (rangeMs <= 14 * DAY) return '1h';
  return '1d';
}

/**
 * An instant of the query. The schema's date-time takes a leap second (`23:59:60`), which Date
 * does not: it stands for the last moment of its minute. Anything else Date cannot place is a 400.
 */
export function instant(text: string, name: string): number {
  let ms = Date.parse(text);
  if (Number.isNaN(ms)) {
    const leap = /^(.*T\d{2}:\d{2}):60(?:\.\d+)?(.*)$/.exec(text);
    if (leap) ms = Date.parse(`${leap[1]}:59.999${leap[2]}`);
  }
  if (!Number.isFinite(ms)) throw new ApiError(ApiErrorCode.BAD_REQUEST, `querystring/${name} is not an instant this API can use`);
  return ms;
}

/** A count of the query: the schema bounds it; spellings such as Infinity that coerce past it are refused here. */
export function count(value: number, name: string, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw new ApiError(ApiErrorCode.BAD_REQUEST, `querystring/${name} must be an integer from 1 to ${max}`);
  return value;
}

function range(query: { since?: string; until?: string }, defaultSpanMs: number | null) {
  const until = query.until ? instant(query.until, 'until') : Date.now();
  const since = query.since ? instant(query.since, 'since') : defaultSpanMs === null ? 0 : until - defaultSpanMs;
  if (since > until) throw new ApiError(ApiErrorCode.BAD_REQUEST, 'querystring/since must not be after querystring/until');
  return { since, until };
}

export function registerRoutes(app: FastifyInstance, deps: RouteDeps): void {
  const read = { access: 'read' } as const;
  // The reads whose cost grows with what the read model holds: limited per client.
  const expensive = { access: 'read', rateLimit: deps.rateLimit } as const;
  const lookup = (name: string) => {
    const comparison = deps.comparisons.get(name);
    const model = deps.models.get(name);
    const modes = deps.modes.get(name);
    if (!comparison || !model || !modes) throw notFound(`comparison "${name}"`);
    return { comparison, model, modes };
  };

  app.get(
    '/api/v1/comparisons',
    { config: read, schema: { summary: 'Every comparison with its mode and headline numbers', tags: ['comparisons'], response: { 200: { type: 'array', items: comparisonSummary }, ...errors } } },
    async () =>
      Promise.all(
        [...deps.comparisons.values()].map(async (c) => {
          const totals = await lookup(c.name).model.totals();
          return { name: c.name, mode: (await lookup(c.name).modes.get()).mode, totals, matchRate: matchRate(totals) };
        }),
      ),
  );

  app.get<{ Params: { name: string }; Querystring: { since?: string; until?: string; bucket?: string } }>(
    '/api/v1/comparisons/:name/summary',
    { config: expensive, schema: { summary: 'Counts by verdict, match rate and a time series', tags: ['comparisons'], params: nameParams, querystring: summaryQuery, response: { 200: summaryResponse, ...errors } } },
    async (request) => {
      const { model } = lookup(request.params.name);
      const { since, until } = range(request.query, DAY);
      const bucket = request.query.bucket ?? bucketFor(until - since);
      const width = BUCKETS[bucket] as number;
      const counts: Record<string, number> = {};
      const series = new Map<number, Record<string, number>>();
      for (const { minute, verdict, count } of await model.minuteCounts(since, until)) {
        counts[verdict] = (counts[verdict] ?? 0) + count;
        const start = minute - (minute % width);
        const slot = series.get(start) ?? {};
        slot[verdict] = (slot[verdict] ?? 0) + count;
        series.set(start, slot);
      }
      return {
        comparison: request.params.name,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        bucket,
        counts,
        total: Object.values(counts).reduce((a, b) => a + b, 0),
        matchRate: matchRate(counts),
        series: [...series].sort(([a], [b]) => a - b).map(([start, c]) => ({ start: new Date(start).toISOString(), counts: c })),
      };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { since?: string; until?: string } }>(
    '/api/v1/comparisons/:name/latency',
    {
      config: expensive,
      schema: {
        summary: "The latency delta's distribution: how much later the new output came than the old, per pair, by bucket",
        tags: ['comparisons'],
        params: nameParams,
        querystring: rangeQuery,
        response: { 200: latencyResponse, ...errors },
      },
    },
    async (request) => {
      const { model } = lookup(request.params.name);
      const { since, until } = range(request.query, DAY);
      const counts = await model.latencyCounts(since, until);
      const pairs = counts.reduce((a, b) => a + b, 0);
      const quantile = (q: number) => {
        if (pairs === 0) return null;
        let seen = 0;
        const i = counts.findIndex((n) => (seen += n) >= q * pairs);
        return LATENCY_BUCKETS[i] ?? null;
      };
      return {
        comparison: request.params.name,
        since: new Date(since).toISOString(),
        until: new Date(until).toISOString(),
        pairs,
        buckets: LATENCY_BUCKETS.map((b, i) => ({ ...b, count: counts[i] ?? 0 })),
        quantiles: { p50: quantile(0.5), p90: quantile(0.9), p99: quantile(0.99) },
      };
    },
  );

  app.get<{
    Params: { name: string };
    Querystring: { verdict?: string; path?: string; key?: string; since?: string; until?: string; limit: number; cursor?: string };
  }>(
    '/api/v1/comparisons/:name/discrepancies',
    {
      config: expensive,
      schema: {
        summary: 'Discrepancies, newest first, with filters that combine and cursor pagination',
        tags: ['discrepancies'],
        params: nameParams,
        querystring: discrepanciesQuery,
        response: { 200: discrepanciesResponse, ...errors },
      },
    },
    async (request) => {
      const { model } = lookup(request.params.name);
      const { since, until } = range(request.query, null);
      const { verdict, path, key, cursor } = request.query;
      const limit = count(request.query.limit, 'limit', 500);
      const after = cursor ? decodeCursor(cursor) : undefined;
      const page = await model.page({ limit, since, until, ...(verdict ? { verdict } : {}), ...(after ? { after } : {}), ...(key ? { key } : {}), ...(path ? { path } : {}) });
      return {
        items: page.items.map((json) => {
          const v = JSON.parse(json) as { pairId: string; key: string | null; verdict: string; reason: string | null; decidedAt: string; differences?: { path: string }[] };
          return { pairId: v.pairId, key: v.key, verdict: v.verdict, reason: v.reason, decidedAt: v.decidedAt, paths: [...new Set((v.differences ?? []).map((d) => d.path))] };
        }),
        nextCursor: page.next ? encodeCursor(page.next) : null,
      };
    },
  );

  app.get<{ Params: { name: string; pairId: string } }>(
    '/api/v1/comparisons/:name/discrepancies/:pairId',
    { config: read, schema: { summary: 'One verdict with both payloads and the diff', tags: ['discrepancies'], params: pairParams, response: { ...errors } } },
    async (request, reply) => {
      const { model } = lookup(request.params.name);
      const json = await model.get(request.params.pairId);
      if (json === null) throw notFound(`discrepancy ${request.params.pairId}`);
      return reply.type('application/json').send(json);
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/comparisons/:name/fields',
    { config: expensive, schema: { summary: 'Per differing field path: count, share of pairs, first and last seen, examples', tags: ['comparisons'], params: nameParams, response: { 200: fieldsResponse, ...errors } } },
    async (request) => {
      const { model } = lookup(request.params.name);
      const [fields, totals] = await Promise.all([model.fields(), model.totals()]);
      const pairs = (totals.match ?? 0) + (totals.mismatch ?? 0);
      return {
        comparison: request.params.name,
        pairs,
        fields: fields.map((f) => ({
          path: f.path,
          count: f.count,
          share: pairs === 0 ? 0 : f.count / pairs,
          firstSeen: new Date(f.firstSeen).toISOString(),
          lastSeen: new Date(f.lastSeen).toISOString(),
          examples: f.examples,
        })),
      };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/comparisons/:name/mode',
    { config: read, schema: { summary: "The comparison's current mode", tags: ['mode'], params: nameParams, response: { 200: modeResponse, ...errors } } },
    async (request) => {
      const { comparison, modes } = lookup(request.params.name);
      const state = await modes.get();
      return { comparison: comparison.name, mode: state.mode, source: state.source, since: state.since === null ? null : new Date(state.since).toISOString() };
    },
  );

  app.put<{ Params: { name: string }; Body: { mode: MigrationMode; reason: string; force: boolean } }>(
    '/api/v1/comparisons/:name/mode',
    {
      config: { access: 'operator' },
      schema: {
        summary: 'Change the mode: one step forward or back; promotions need the readiness criteria (or force)',
        tags: ['mode'],
        security: [{ bearer: [] }],
        params: nameParams,
        body: modeBody,
        response: { 200: modeChangeResponse, ...errors },
      },
    },
    async (request) => {
      const { comparison, modes } = lookup(request.params.name);
      const { mode, reason, force } = request.body;
      // The actor is who authenticated, never what the caller says it is.
      const change = await modes.change({ mode, reason, force, actor: request.principal?.name ?? 'anonymous' });
      return { comparison: comparison.name, mode: change.to, change };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number } }>(
    '/api/v1/comparisons/:name/mode/history',
    {
      config: read,
      schema: {
        summary: 'Who changed the mode, when, why',
        tags: ['mode'],
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: { 200: modeHistoryResponse, ...errors },
      },
    },
    async (request) => {
      const { comparison, modes } = lookup(request.params.name);
      return { comparison: comparison.name, history: await modes.history(count(request.query.limit, 'limit', 1000)) };
    },
  );

  app.get<{ Params: { name: string }; Querystring: { limit: number } }>(
    '/api/v1/comparisons/:name/dead-letters',
    {
      config: expensive,
      schema: {
        summary: 'Verdicts the broker refused for good (too large, keyless on a compacted topic), newest first',
        tags: ['comparisons'],
        params: nameParams,
        querystring: { type: 'object', additionalProperties: false, properties: { limit: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } } },
        response: { 200: deadLettersResponse, ...errors },
      },
    },
    async (request) => {
      const { comparison } = lookup(request.params.name);
      const list = deps.deadLetters.get(comparison.name) as DeadLetters;
      return { comparison: comparison.name, ...(await list.list(count(request.query.limit, 'limit', 1000))) };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/comparisons/:name/readiness',
    { config: expensive, schema: { summary: 'The promotion criteria, each with its measured value and pass/fail', tags: ['mode'], params: nameParams, response: { 200: readinessResponse, ...errors } } },
    async (request) => lookup(request.params.name).modes.cachedReadiness(),
  );
}
