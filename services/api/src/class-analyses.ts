import { analyseClasses, type Analysis } from '@shadowdiff/compare';
import type { ReadModel } from '@shadowdiff/store';
import { notFound } from './errors.ts';

/** An analysis with the counts it was made from. */
export type ClassAnalysis = Analysis & { readonly pairs: number; readonly discrepancies: number };

/**
 * The discrepancy classes of each comparison, analysed at most once per `ttlMs` (counted from
 * when the last analysis finished) however many
 * readers ask (the dashboard every 5 s, /classes, /suggestions, each Prometheus scrape): one read
 * of the class keys and one analysis, shared, and concurrent askers wait for the same one.
 */
export function createClassAnalyses(models: ReadonlyMap<string, ReadModel>, ttlMs = 5000, now = () => Date.now()) {
  const cache = new Map<string, { at: number | null; value: Promise<ClassAnalysis> }>();
  return {
    get(name: string): Promise<ClassAnalysis> {
      const hit = cache.get(name);
      // One read at a time: a read still running is shared whatever its age (a slow Redis is not asked again meanwhile).
      if (hit && (hit.at === null || now() - hit.at < ttlMs)) return hit.value;
      const model = models.get(name);
      if (!model) return Promise.reject(notFound(`comparison "${name}"`));
      const value = model.classInput().then((input) => ({ ...analyseClasses(input), pairs: input.pairs, discrepancies: input.discrepancies }));
      const entry: { at: number | null; value: Promise<ClassAnalysis> } = { at: null, value };
      cache.set(name, entry);
      value.then(
        () => {
          entry.at = now();
        },
        // A failure is not kept: the next asker tries again.
        () => {
          if (cache.get(name) === entry) cache.delete(name);
        },
      );
      return value;
    },
  };
}

export type ClassAnalyses = ReturnType<typeof createClassAnalyses>;
