import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The repository root (infra/src/ is two levels down). */
export const REPO_ROOT = resolve(import.meta.dirname, '..', '..');

/** Where local infrastructure keeps jars, data, logs and pid files: `.work/` (git-ignored). */
export function workDir(...parts: string[]): string {
  const dir = join(process.env.SHADOWDIFF_WORK_DIR ?? join(REPO_ROOT, '.work'), ...parts);
  mkdirSync(dir, { recursive: true });
  return dir;
}
