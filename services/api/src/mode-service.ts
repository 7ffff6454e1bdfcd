import { MISSING_KINDS } from '@shadowdiff/vocabulary';
import type { ComparisonConfig } from '@shadowdiff/config';
import {
  StoreErrorCode,
  isAllowedTransition,
  isPromotion,
  isStoreError,
  type MigrationMode,
  type ModeChange,
  type ModeRegistry,
  type ReadModel,
} from '@shadowdiff/store';
import { ApiError, ApiErrorCode } from './errors.ts';
import { evaluateReadiness, type Criterion } from './readiness.ts';

const MISSING = MISSING_KINDS;

export interface Readiness {
  readonly comparison: string;
  readonly mode: MigrationMode;
  /** The promotion these criteria gate (the next mode forward), or null from `new`. */
  readonly promotion: MigrationMode | null;
  readonly since: string | null;
  readonly ready: boolean;
  readonly confidence: number;
  readonly criteria: readonly Criterion[];
}

const NEXT: Record<MigrationMode, MigrationMode | null> = { old: 'shadow', shadow: 'reverse_shadow', reverse_shadow: 'new', new: null };

/** Exact counts of one comparison's verdicts decided in [since, now]: pairs, mismatches, missing. */
export async function countSince(model: ReadModel, since: number, now = Date.now()) {
  const counts = await model.countsBetween(since, now);
  const mismatches = counts.mismatch ?? 0;
  return { pairs: (counts.match ?? 0) + mismatches, mismatches, missing: MISSING.reduce((n, k) => n + (counts[k] ?? 0), 0) };
}

/** How long the readiness route's answer is reused, ms. */
export const READINESS_TTL_MS = 2000;

/** Mode reads, changes and readiness of one comparison, with the rules of the method. */
export function createModeService(comparison: ComparisonConfig, registry: ModeRegistry, model: ReadModel) {
  async function readiness(now = Date.now()): Promise<Readiness> {
    const state = await registry.get();
    // Never changed through the API: measure from the first verdict recorded.
    const firstMinute = (await model.minuteCounts(0, now))[0]?.minute ?? null;
    const since = state.since ?? firstMinute;
    const counts = since === null ? { pairs: 0, mismatches: 0, missing: 0 } : await countSince(model, since, now);
    const fields: Record<string, number> = {};
    const wanted = Object.keys(comparison.readiness.fields);
    if (wanted.length > 0 && since !== null) {
      let after;
      do {
        const page = await model.page({ verdict: 'mismatch', since, until: now, limit: 500, ...(after ? { after } : {}) });
        for (const json of page.items) {
          const paths = new Set(((JSON.parse(json) as { differences?: { path: string }[] }).differences ?? []).map((d) => d.path));
          for (const path of wanted) if (paths.has(path)) fields[path] = (fields[path] ?? 0) + 1;
        }
        after = page.next;
      } while (after);
    }
    const result = evaluateReadiness(comparison.readiness, { ...counts, timeInModeMs: since === null ? null : now - since, fields });
    return {
      comparison: comparison.name,
      mode: state.mode,
      promotion: NEXT[state.mode],
      since: since === null ? null : new Date(since).toISOString(),
      confidence: comparison.readiness.confidence,
      ...result,
    };
  }

  async function change({ mode, reason, force, actor }: { mode: MigrationMode; reason: string; force: boolean; actor: string }): Promise<ModeChange> {
    const { mode: from } = await registry.get();
    if (from === mode) throw new ApiError(ApiErrorCode.TRANSITION_REFUSED, `${comparison.name} is already in ${mode}`);
    if (!isAllowedTransition(from, mode) && !force) {
      throw new ApiError(ApiErrorCode.TRANSITION_REFUSED, `${from} → ${mode} is not a step of the migration; give force: true to make it anyway`);
    }
    if (isPromotion(from, mode) && !force) {
      const gate = await readiness();
      if (!gate.ready) {
        const failing = gate.criteria.filter((c) => !c.pass);
        throw new ApiError(ApiErrorCode.NOT_READY, `${from} → ${mode} refused: ${failing.map((c) => c.name).join(', ')} not met`, { criteria: gate.criteria });
      }
    }
    try {
      const changed = await registry.change({ from, to: mode, actor, reason, forced: force && (!isAllowedTransition(from, mode) || isPromotion(from, mode)) });
      cached = undefined;
      return changed;
    } catch (error) {
      if (isStoreError(error) && error.code === StoreErrorCode.MODE_CONFLICT) throw new ApiError(ApiErrorCode.TRANSITION_REFUSED, error.message);
      throw error;
    }
  }

  /** reverse_shadow → shadow, always allowed: what the guard does when the new consumer misbehaves. */
  async function rollback({ reason, figures }: { reason: string; figures: Record<string, number> }): Promise<ModeChange> {
    const changed = await registry.change({ from: 'reverse_shadow', to: 'shadow', actor: 'auto-rollback', reason, forced: false, figures });
    cached = undefined;
    return changed;
  }

  // Readiness pages through the mismatches since the mode began when field criteria are set:
  // what the readiness route shows is computed at most once per READINESS_TTL_MS, concurrent
  // asks sharing one computation. A mode change computes it afresh.
  let cached: { at: number; result: Promise<Readiness> } | undefined;
  function cachedReadiness(): Promise<Readiness> {
    const now = Date.now();
    if (!cached || now - cached.at > READINESS_TTL_MS) {
      const result = readiness(now);
      cached = { at: now, result };
      result.catch(() => {
        if (cached?.result === result) cached = undefined;
      });
    }
    return cached.result;
  }

  return { readiness, cachedReadiness, change, rollback, get: () => registry.get(), history: (limit: number) => registry.history(limit) };
}

export type ModeService = ReturnType<typeof createModeService>;
