import { rulesYaml, type DiscrepancyClass, type NoiseField } from '@shadowdiff/compare';
import type { ReadModel } from '@shadowdiff/store';
import type { FastifyInstance } from 'fastify';
import type { ClassAnalyses } from './class-analyses.ts';
import { notFound } from './errors.ts';
import { iso } from './query.ts';
import { nameParams, errorSchema } from './schemas.ts';
import { classParams, classResponse, classesResponse, suggestionsResponse } from './schemas-classes.ts';

const errors = { 400: errorSchema, 401: errorSchema, 403: errorSchema, 404: errorSchema, 429: errorSchema };

/** A class as the API shows it: times as ISO-8601. */
function shown(c: DiscrepancyClass) {
  return { ...c, firstSeen: iso(c.firstSeen), lastSeen: iso(c.lastSeen) };
}
const shownNoise = (n: NoiseField) => ({ path: n.atom.path, change: n.atom.change, count: n.count, share: n.share, reason: n.reason, ...(n.suggestion ? { suggestion: n.suggestion } : {}) });

export interface ClassRouteDeps {
  /** The read model of a comparison, or a 404 (the routes' lookup). */
  readonly model: (name: string) => ReadModel;
  /** The shared, briefly cached analyses (class-analyses.ts). */
  readonly analyses: ClassAnalyses;
  readonly rateLimit: { readonly max: number; readonly timeWindow: number };
}

/** `/classes`, `/classes/{id}` and `/suggestions`: what the read model's class counts say (libs/compare/src/classes.ts). */
export function registerClassRoutes(app: FastifyInstance, deps: ClassRouteDeps): void {
  const config = { access: 'read', rateLimit: deps.rateLimit } as const;
  // An unknown comparison is a 404 from the analyses themselves.
  const analyse = (name: string) => deps.analyses.get(name);

  app.get<{ Params: { name: string } }>(
    '/api/v1/comparisons/:name/classes',
    { config, schema: { summary: 'Discrepancy classes: signature, count, trend, likely causes, examples', tags: ['classes'], params: nameParams, response: { 200: classesResponse, ...errors } } },
    async (request) => {
      const a = await analyse(request.params.name);
      return { comparison: request.params.name, pairs: a.pairs, discrepancies: a.discrepancies, uncounted: a.uncounted, classes: a.classes.map(shown), noise: a.noise.map(shownNoise) };
    },
  );

  app.get<{ Params: { name: string; classId: string } }>(
    '/api/v1/comparisons/:name/classes/:classId',
    { config, schema: { summary: 'One discrepancy class with its causes and its newest examples in full', tags: ['classes'], params: classParams, response: { 200: classResponse, ...errors } } },
    async (request) => {
      const { name, classId } = request.params;
      const found = (await analyse(name)).classes.find((c) => c.id === classId);
      if (!found) throw notFound(`class ${classId} of comparison "${name}"`);
      const model = deps.model(name);
      const examples = [];
      for (const pairId of found.examples.slice(0, 3)) {
        const json = await model.get(pairId);
        if (json !== null) examples.push(JSON.parse(json) as object);
      }
      return { comparison: name, class: shown(found), examples };
    },
  );

  app.get<{ Params: { name: string } }>(
    '/api/v1/comparisons/:name/suggestions',
    { config, schema: { summary: 'Likely noise fields and the comparison rules that would absorb them', tags: ['classes'], params: nameParams, response: { 200: suggestionsResponse, ...errors } } },
    async (request) => {
      const a = await analyse(request.params.name);
      return { comparison: request.params.name, pairs: a.pairs, discrepancies: a.discrepancies, suggestions: a.suggestions, yaml: rulesYaml(a.suggestions), resolvedByAll: a.resolvedByAll, noise: a.noise.map(shownNoise) };
    },
  );
}
