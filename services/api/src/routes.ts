import type { ComparisonConfig } from '@shadowdiff/config';
import { LATENCY_BUCKETS, type DeadLetters, type MigrationMode, type ReadModel } from '@shadowdiff/store';
import type { FastifyInstance } from 'fastify';
import { decodeCursor, encodeCursor } from './cursor.ts';
import { notFound } from './errors.ts';
import { BUCKETS, DAY, bucketFor, count, iso, matchRate, range } from './query.ts';
import type { ModeService } from './mode-service.ts';
import { registerClassRoutes } from './routes-classes.ts';
import type { ClassAnalyses } from './class-analyses.ts';
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

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 409: errorSchema, 429: errorSchema };

export interface RouteDeps {
  readonly comparisons: ReadonlyMap<string, ComparisonConfig>;
  readonly models: ReadonlyMap<string, ReadModel>;
  readonly modes: ReadonlyMap<string, ModeService>;
  readonly deadLetters: ReadonlyMap<string, DeadLetters>;
  readonly analyses: ClassAnalyses;
  /** Per client, on the reads that scan the read model. */
  readonly rateLimit: { readonly max: number; readonly timeWindow: number };
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
  registerClassRoutes(app, { model: (name) => lookup(name).model, analyses: deps.analyses, rateLimit: deps.rateLimit });

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

  app.get<{ Params: { name: string }; Querystring: { since?: string; until?: string } }>(
    '/api/v1/comparisons/:name/fields',
    {
      config: expensive,
      schema: {
        summary: 'Per differing field path: count, share of pairs, first and last seen, examples; all time, or over a range',
        tags: ['comparisons'],
        params: nameParams,
        querystring: { ...rangeQuery, properties: { since: { ...rangeQuery.properties.since, description: 'start (default: all time, unless until is given)' }, until: rangeQuery.properties.until } },
        response: { 200: fieldsResponse, ...errors },
      },
    },
    async (request) => {
      const { model } = lookup(request.params.name);
      if (request.query.since === undefined && request.query.until === undefined) {
        const [fields, totals] = await Promise.all([model.fields(), model.totals()]);
        const pairs = (totals.match ?? 0) + (totals.mismatch ?? 0);
        return {
          comparison: request.params.name,
          since: null,
          until: null,
          complete: true,
          pairs,
          fields: fields.map((f) => ({ ...f, share: pairs === 0 ? 0 : f.count / pairs, firstSeen: iso(f.firstSeen), lastSeen: iso(f.lastSeen) })),
        };
      }
      // A range: counted from the discrepancies it holds (within the retention), at most FIELDS_SCAN_BUDGET of them.
      const { since, until } = range(request.query, null);
      const [found, counts] = await Promise.all([model.fieldsBetween(since, until), model.countsBetween(since, until)]);
      const pairs = (counts.match ?? 0) + (counts.mismatch ?? 0);
      return {
        comparison: request.params.name,
        since: iso(since),
        until: iso(until),
        complete: found.complete,
        pairs,
        fields: found.fields.map((f) => ({ ...f, share: pairs === 0 ? 0 : f.count / pairs, firstSeen: iso(f.firstSeen), lastSeen: iso(f.lastSeen) })),
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
