import type { ComparisonConfig } from '@shadowdiff/config';
import type { ReadModel } from '@shadowdiff/store';
import type { Logger } from 'pino';
import type { Counter } from 'prom-client';
import { countSince, type ModeService } from './mode-service.ts';

/**
 * Guarded rollback: in reverse_shadow, when the mismatch or the missing rate over the sliding
 * window (since entering the mode, at most `rollback.window`) passes its limit on at least
 * `rollback.minPairs` pairs, the mode goes back to shadow by itself — clients get the old
 * consumer's results again — and the history records the figures.
 */
export async function checkRollback(
  comparison: ComparisonConfig,
  modes: ModeService,
  model: ReadModel,
  { logger, counter, now = Date.now() }: { logger: Logger; counter: Counter<'comparison'>; now?: number },
): Promise<boolean> {
  const rule = comparison.rollback;
  if (!rule.enabled) return false;
  const state = await modes.get();
  if (state.mode !== 'reverse_shadow') return false;
  const since = Math.max(state.since ?? 0, now - rule.window);
  const { pairs, mismatches, missing } = await countSince(model, since, now);
  if (pairs < rule.minPairs) return false;
  const mismatchRate = mismatches / pairs;
  const missingRate = missing / (pairs + missing);
  const breaches = [
    mismatchRate > rule.maxMismatchRate ? `mismatch rate ${(mismatchRate * 100).toFixed(2)}% > ${(rule.maxMismatchRate * 100).toFixed(2)}%` : null,
    missingRate > rule.maxMissingRate ? `missing rate ${(missingRate * 100).toFixed(2)}% > ${(rule.maxMissingRate * 100).toFixed(2)}%` : null,
  ].filter((b): b is string => b !== null);
  if (breaches.length === 0) return false;
  const reason = `automatic rollback: ${breaches.join(', ')} over ${pairs} pairs since ${new Date(since).toISOString()}`;
  await modes.rollback({ reason, figures: { pairs, mismatches, missing, mismatchRate, missingRate } });
  counter.inc({ comparison: comparison.name });
  logger.warn({ event: 'api.mode_rolled_back', comparison: comparison.name, pairs, mismatchRate, missingRate }, reason);
  return true;
}

/**
 * The guard's pass over every comparison, as the API runs it on a timer: a pass still running
 * makes the next one a no-op, and a failure is logged, never thrown.
 */
export function createRollbackGuard(
  comparisons: readonly ComparisonConfig[],
  modes: ReadonlyMap<string, ModeService>,
  models: ReadonlyMap<string, ReadModel>,
  { logger, counter }: { logger: Logger; counter: Counter<'comparison'> },
): () => Promise<void> {
  let guarding = false;
  return async () => {
    if (guarding) return;
    guarding = true;
    try {
      for (const c of comparisons) {
        await checkRollback(c, modes.get(c.name) as ModeService, models.get(c.name) as ReadModel, { logger, counter });
      }
    } catch (error) {
      logger.warn({ err: error }, 'rollback guard');
    } finally {
      guarding = false;
    }
  };
}
