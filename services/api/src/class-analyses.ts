import { analyseClasses, type Analysis } from '@shadowdiff/compare';
import type { ReadModel } from '@shadowdiff/store';
import { notFound } from './errors.ts';

/** An analysis with the counts it was made from. */
export type ClassAnalysis = Analysis & { readonly pairs: number; readonly discrepancies: number };

/**
 * The discrepancy classes of each comparison, analysed at most once per `ttlMs` however many
 * readers ask (the dashboard every 5 s, /classes, /suggestions, each Prometheus scrape): one read
 * of the class keys and one analysis, shared, and concurrent askers wait for the same one.
 */
export function createClassAnalyses(models: ReadonlyMap<string, ReadModel>, ttlMs = 5000, now = () => Date.now()) {
  const cache = new Map<string, { at: number; value: Promise<ClassAnalysis> }>();
  return {
    get(name: string): Promise<ClassAnalysis> {
      const hit = cache.get(name);
      if (hit && now() - hit.at < ttlMs) return hit.value;
      const model = models.get(name);
      if (!model) return Promise.reject(notFound(`comparison "${name}"`));
      const value = model.classInput().then((input) => ({ ...analyseClasses(input), pairs: input.pairs, discrepancies: input.discrepancies }));
      cache.set(name, { at: now(), value });
      // A failure is not kept: the next asker tries again.
      value.catch(() => {
        if (cache.get(name)?.value === value) cache.delete(name);
      });
      return value;
    },
  };
}

export type ClassAnalyses = ReturnType<typeof createClassAnalyses>;
