import { nameParams } from './schemas.ts';

/** Response schemas of the discrepancy classes (routes-classes.ts); docs/api.md#classes explains every field. */

const time = { type: 'string', format: 'date-time', description: 'ISO-8601 instant' } as const;

export const classParams = {
  type: 'object',
  properties: { name: nameParams.properties.name, classId: { type: 'string', pattern: '^[0-9a-f]{12}$' } },
  required: ['name', 'classId'],
} as const;

const atom = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    path: { type: 'string', description: 'array positions as [*]; empty for a record without a partner' },
    kind: { type: 'string', description: "a difference's kind, renamed, reordered, or a verdict kind (missing_new, …)" },
    change: { type: 'string', description: 'the change class: float_noise, factor:<k>, rounded:<d>, case, …' },
    count: { type: 'integer' },
  },
} as const;

const suggestion = {
  type: 'object',
  properties: {
    rule: { type: 'string', enum: ['ignore', 'timestamps', 'tolerance', 'unordered'] },
    path: { type: 'string' },
    yaml: { type: 'string', description: "the rule as a snippet of the comparison's compare section" },
    because: { type: 'string' },
    differences: { type: 'integer', description: 'discrepancies that differ in what the rule absorbs' },
  },
} as const;

const cause = {
  type: 'object',
  properties: {
    feature: { type: 'string' },
    value: { type: 'string', description: 'the value as JSON text' },
    statement: { type: 'string' },
    classShare: { type: 'number', description: "share of the class's sample with the feature" },
    baselineShare: { type: 'number', description: 'share of the sampled matches with it' },
    lift: { type: 'number' },
    classSample: { type: 'integer' },
    baselineSample: { type: 'integer' },
  },
} as const;

export const classSchema = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    explanation: { type: 'string' },
    atoms: { type: 'array', items: atom },
    count: { type: 'integer' },
    share: { type: 'number', description: 'of all discrepancies' },
    firstSeen: time,
    lastSeen: time,
    trend: { type: 'string', enum: ['new', 'rising', 'steady', 'falling', 'gone'] },
    hourly: { type: 'array', items: { type: 'integer' }, description: 'discrepancies of the class per hour, the last six, oldest first' },
    examples: { type: 'array', items: { type: 'string' }, description: 'pairIds, newest first' },
    causes: { type: 'array', items: cause, description: 'likely causes: hints with their evidence, never certainty' },
    causesNote: { type: 'string', description: 'why causes could not be looked for' },
    suggestion,
  },
} as const;

const noise = {
  type: 'object',
  properties: { path: { type: 'string' }, change: { type: 'string' }, count: { type: 'integer' }, share: { type: 'number', description: 'of the pairs' }, reason: { type: 'string' }, suggestion },
} as const;

export const classesResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    pairs: { type: 'integer' },
    discrepancies: { type: 'integer' },
    uncounted: {
      type: 'object',
      description: 'what the caps kept out (0 and 0 until they are reached): atom occurrences beyond 200 distinct atoms, discrepancies whose signature was beyond 2,000 distinct ones',
      properties: { atoms: { type: 'integer' }, signatures: { type: 'integer' } },
    },
    classes: { type: 'array', items: classSchema },
    noise: { type: 'array', items: noise },
  },
} as const;

export const classResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    class: classSchema,
    examples: { type: 'array', description: 'the newest examples still held, as full verdicts (both values and the diff)', items: { type: 'object', additionalProperties: true } },
  },
} as const;

export const suggestionsResponse = {
  type: 'object',
  properties: {
    comparison: { type: 'string' },
    pairs: { type: 'integer' },
    discrepancies: { type: 'integer' },
    suggestions: { type: 'array', items: suggestion },
    yaml: { type: 'string', description: 'every suggestion as one compare section' },
    resolvedByAll: { type: 'integer', description: 'discrepancies that all the suggestions together would turn into matches' },
    noise: { type: 'array', items: noise },
  },
} as const;
