import { DISCREPANCY_KINDS, MODES, PAIR_ID_FORMAT } from '@shadowdiff/vocabulary';
/** JSON schemas of the routes: Fastify validates with them, and /openapi.json is generated from them. */
export const NON_MATCH_VERDICTS = DISCREPANCY_KINDS;

export const errorSchema = {
  type: 'object',
  properties: {
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
    criteria: { type: 'array', items: { type: 'object', additionalProperties: true } },
  },
  required: ['statusCode', 'code', 'error', 'message'],
} as const;

export const nameParams = {
  type: 'object',
  properties: { name: { type: 'string', pattern: '^[a-z0-9][a-z0-9._-]{0,99}$' } },
  required: ['name'],
} as const;

const time = { type: 'string', format: 'date-time', description: 'ISO-8601 instant' } as const;

export const summaryQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { ...time, description: 'start (default: 24 hours before until)' },
    until: { ...time, description: 'end (default: now)' },
    bucket: { type: 'string', enum: ['1m', '5m', '15m', '1h', '1d'], description: 'width of the time-series buckets (default: chosen from the range)' },
  },
} as const;

export const rangeQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    since: { ...time, description: 'start (default: 24 hours before until)' },
    until: { ...time, description: 'end (default: now)' },
  },
} as const;

const latencyRange = {
  type: 'object',
  properties: {
    min: { type: ['integer', 'null'], description: 'least delta in the bucket, ms (null: unbounded)' },
    max: { type: ['integer', 'null'], description: 'greatest delta in the bucket, ms (null: unbounded)' },
  },
} as const;

export const latencyResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    since: time,
    until: time,
    pairs: { type: 'integer', description: 'pairs counted (match + mismatch with both Kafka timestamps)' },
    buckets: {
      type: 'array',
      description: 'every bucket in order, from the new output most ahead of the old to most behind; 0 ms has its own',
      items: { type: 'object', properties: { ...latencyRange.properties, count: { type: 'integer' } } },
    },
    quantiles: {
      type: 'object',
      description: 'the bucket holding each quantile; null before any pair',
      properties: { p50: { ...latencyRange, type: ['object', 'null'] }, p90: { ...latencyRange, type: ['object', 'null'] }, p99: { ...latencyRange, type: ['object', 'null'] } },
    },
  },
} as const;

export const discrepanciesQuery = {
  type: 'object',
  additionalProperties: false,
  properties: {
    verdict: { type: 'string', enum: [...NON_MATCH_VERDICTS] },
    path: { type: 'string', minLength: 1, maxLength: 500, description: 'only verdicts that differ at this exact path' },
    key: { type: 'string', minLength: 1, maxLength: 1000, description: 'only verdicts of this correlation key' },
    since: time,
    until: time,
    limit: { type: 'integer', minimum: 1, maximum: 500, default: 50 },
    cursor: { type: 'string', minLength: 1, maxLength: 1000, description: 'nextCursor of the previous page' },
  },
} as const;

export const pairParams = {
  type: 'object',
  properties: { name: nameParams.properties.name, pairId: { type: 'string', pattern: PAIR_ID_FORMAT.source } },
  required: ['name', 'pairId'],
} as const;

const counts = { type: 'object', additionalProperties: { type: 'integer' } } as const;

export const comparisonSummary = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    mode: { type: 'string' },
    totals: counts,
    matchRate: { type: ['number', 'null'] },
  },
} as const;

export const summaryResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    since: time,
    until: time,
    bucket: { type: 'string' },
    counts,
    total: { type: 'integer' },
    matchRate: { type: ['number', 'null'], description: 'match / (match + mismatch); null before any pair' },
    series: { type: 'array', items: { type: 'object', properties: { start: time, counts } } },
  },
} as const;

export const discrepancyItem = {
  type: 'object',
  properties: {
    pairId: { type: 'string' },
    key: { type: ['string', 'null'] },
    verdict: { type: 'string' },
    reason: { type: ['string', 'null'] },
    decidedAt: time,
    paths: { type: 'array', items: { type: 'string' } },
  },
} as const;

export const discrepanciesResponse = {
  type: 'object',
  properties: { items: { type: 'array', items: discrepancyItem }, nextCursor: { type: ['string', 'null'] } },
} as const;

export const fieldsResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    since: { ...time, type: ['string', 'null'], description: 'start of the range counted; null: all time' },
    until: { ...time, type: ['string', 'null'], description: 'end of the range counted; null: all time' },
    complete: { type: 'boolean', description: 'false when a range held more discrepancies than one request counts (100,000): the counts are of its newest' },
    pairs: { type: 'integer', description: 'match + mismatch verdicts (of the range): what a share is of' },
    fields: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          path: { type: 'string' },
          count: { type: 'integer' },
          share: { type: 'number' },
          firstSeen: time,
          lastSeen: time,
          examples: { type: 'array', items: { type: 'string' } },
        },
      },
    },
  },
} as const;

const mode = { type: 'string', enum: MODES } as const;

export const modeResponse = {
  type: 'object',
  properties: { comparison: { type: 'string' }, mode, source: { type: 'string', enum: ['redis', 'config'] }, since: { type: ['string', 'null'] } },
} as const;

export const modeBody = {
  type: 'object',
  additionalProperties: false,
  required: ['mode', 'reason'],
  properties: {
    mode,
    reason: { type: 'string', minLength: 1, maxLength: 1000 },
    force: { type: 'boolean', default: false, description: 'make a transition that is not a step of the migration, or a promotion whose criteria fail' },
  },
} as const;

const change = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    from: mode,
    to: mode,
    at: { type: 'string' },
    actor: { type: 'string' },
    reason: { type: 'string' },
    forced: { type: 'boolean' },
    figures: { type: 'object', additionalProperties: { type: 'number' } },
  },
} as const;

export const modeChangeResponse = { type: 'object', properties: { comparison: { type: 'string' }, mode, change } } as const;
export const modeHistoryResponse = { type: 'object', properties: { comparison: { type: 'string' }, history: { type: 'array', items: change } } } as const;

export const readinessResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    mode,
    promotion: { type: ['string', 'null'] },
    since: { type: ['string', 'null'] },
    ready: { type: 'boolean' },
    confidence: { type: 'number' },
    criteria: {
      type: 'array',
      items: {
        type: 'object',
        properties: {
          name: { type: 'string' },
          limit: { type: 'number' },
          value: { type: ['number', 'null'] },
          upperBound: { type: ['number', 'null'] },
          pass: { type: 'boolean' },
        },
      },
    },
  },
} as const;

export const deadLettersResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    total: { type: 'integer' },
    items: {
      type: 'array',
      items: {
        type: 'object',
        properties: { pairId: { type: 'string' }, topic: { type: 'string' }, error: { type: 'string' }, at: { type: 'string' }, verdict: { type: 'string' } },
      },
    },
  },
} as const;
