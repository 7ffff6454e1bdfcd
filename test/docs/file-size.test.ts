import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

// The rule of docs/architecture.md: a source file under libs/*/src or services/*/src (TypeScript,
// JavaScript, Lua) longer than MAX_LINES says why in the comment block that opens it, on a line
// starting `Size:` (after the comment marks: `// Size:`, ` * Size:`, `-- Size:`, or a line of a
// `--[[ ]]` block). Tests and test helpers are outside the rule.

const MAX_LINES = 300;
const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const EXTENSIONS = /\.(ts|js|lua)$/;

/** Every source file under <dir>/<package>/src, recursively. */
function sources(dir: string): string[] {
  const files: string[] = [];
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true })) {
      const full = `${path}/${entry.name}`;
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(full);
      else if (entry.isFile() && EXTENSIONS.test(entry.name)) files.push(full);
    }
  };
  for (const pkg of readdirSync(`${ROOT}${dir}`, { withFileTypes: true })) {
    const src = `${ROOT}${dir}/${pkg.name}/src`;
    if (pkg.isDirectory() && existsSync(src)) walk(src);
  }
  return files;
}

/** Lines as `wc -l` counts them. */
function lineCount(text: string): number {
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

/** The comment block that opens the file (after a shebang and blank lines), one string per line; [] when code comes first. */
function header(text: string): string[] {
  const lines = text.split('\n');
  let i = 0;
  while (i < lines.length && (lines[i]!.trim() === '' || (i === 0 && lines[i]!.startsWith('#!')))) i += 1;
  const first = lines[i]?.trim() ?? '';
  /** Lines from the opening one to the first that closes the block (`open` begins the opening line). */
  const until = (open: string, close: string): string[] => {
    const block: string[] = [];
    for (let j = i; j < lines.length; j += 1) {
      block.push(lines[j]!);
      const rest = j === i ? lines[j]!.trim().slice(open.length) : lines[j]!;
      if (rest.includes(close)) return block;
    }
    return block;
  };
  const run = (mark: string): string[] => {
    const block: string[] = [];
    for (let j = i; j < lines.length && lines[j]!.trim().startsWith(mark); j += 1) block.push(lines[j]!);
    return block;
  };
  if (first.startsWith('/*')) return until('/*', '*/');
  if (first.startsWith('--[[')) return until('--[[', ']]');
  if (first.startsWith('//')) return run('//');
  if (first.startsWith('--')) return run('--');
  return [];
}

/** The reason a long file gives in its header (`Size: …`), or undefined. */
function sizeReason(text: string): string | undefined {
  for (const line of header(text)) {
    const match = /^\s*(?:\/\*+|\*|\/\/|--\[\[|--)?\s*Size:\s*(\S.*)$/.exec(line);
    if (match && match[1]!.trim().length >= 20) return match[1]!.trim();
  }
  return undefined;
}

describe('source files stay small', () => {
  it(`no file under libs/*/src or services/*/src is over ${MAX_LINES} lines without a Size: reason in its header`, () => {
    const files = [...sources('libs'), ...sources('services')];
    expect(files.length).toBeGreaterThan(50);
    const offenders = files
      .map((file) => ({ file, text: readFileSync(file, 'utf8') }))
      .filter(({ text }) => lineCount(text) > MAX_LINES && sizeReason(text) === undefined)
      .map(({ file, text }) => `${relative(ROOT, file)} (${lineCount(text)} lines)`);
    expect(offenders, 'split these files, or say why not on a `Size:` line of their opening comment').toEqual([]);
  });

  it('finds the reason only in the comment block that opens a file', () => {
    const reason = 'Size: one algorithm over shared tables, read top to bottom';
    expect(sizeReason(`--[[\n  applyX: does x.\n\n  ${reason}\n]]\nlocal a = 1\n`)).toMatch(/^one algorithm/);
    expect(sizeReason(`-- applyX: does x.\n-- ${reason}\nlocal a = 1\n`)).toBeDefined();
    expect(sizeReason(`#!/usr/bin/env node\n\n/**\n * Does x.\n * ${reason}\n */\nexport {};\n`)).toBeDefined();
    expect(sizeReason(`// Does x.\n// ${reason}\nexport {};\n`)).toBeDefined();
    // After code, in a later comment, or too short to be a reason: none.
    expect(sizeReason(`import x from 'x';\n/**\n * ${reason}\n */\n`)).toBeUndefined();
    expect(sizeReason(`/** Does x. */\nexport {};\n// ${reason}\n`)).toBeUndefined();
    expect(sizeReason(`--[[ Does x. ]]\n-- ${reason}\n`)).toBeUndefined();
    expect(sizeReason('// Size: big\nexport {};\n')).toBeUndefined();
  });
});
