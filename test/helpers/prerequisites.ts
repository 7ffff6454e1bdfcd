/**
 * The tools outside npm that some tests drive. A test that needs one calls `requireTool` first, so
 * that a machine without it gets one line naming the tool and how to install it, not a stack trace
 * from deep inside a library.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export const TOOLS = {
  chromium: { install: 'apt-get install chromium (Debian), or set CHROMIUM_PATH to a Chromium or Chrome binary', env: 'CHROMIUM_PATH', path: '/usr/bin/chromium' },
  kcat: { install: 'apt-get install kcat (Debian), brew install kcat (macOS)' },
  promtool: { install: 'apt-get install prometheus (Debian), or get it from https://prometheus.io/download/' },
  prometheus: { install: 'apt-get install prometheus (Debian), or get it from https://prometheus.io/download/' },
} as const satisfies Record<string, { install: string; env?: string; path?: string }>;

export type Tool = keyof typeof TOOLS;

function executable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Where the tool is, or an error of one line naming it and how to install it. */
export function requireTool(tool: Tool, env: NodeJS.ProcessEnv = process.env): string {
  const spec: { install: string; env?: string; path?: string } = TOOLS[tool];
  const given = spec.env === undefined ? undefined : env[spec.env];
  const candidates = given !== undefined ? [given] : [...(env.PATH ?? '').split(delimiter).filter((d) => d !== '').map((dir) => join(dir, tool)), ...(spec.path ? [spec.path] : [])];
  const found = candidates.find((file) => isAbsolute(file) && executable(file));
  if (found === undefined) {
    const error = new Error(`${tool} is not installed${given !== undefined ? ` at ${spec.env}=${given}` : ''}: ${spec.install}`);
    error.stack = error.message;
    throw error;
  }
  return found;
}
