import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScriptCode, scriptSources } from '../src/index.ts';

const codesLua = readFileSync(new URL('../src/commands/includes/codes.lua', import.meta.url), 'utf8');

describe("the scripts' return codes", () => {
  it('are one table, the same in Lua and in TypeScript', () => {
    const table = /local CODE = \{([^}]*)\}/.exec(codesLua)?.[1] ?? '';
    const lua = Object.fromEntries([...table.matchAll(/([A-Z_]+) = (-\d+)/g)].map((m) => [m[1], Number(m[2])]));
    expect(lua).toEqual({ ...ScriptCode });
  });

  it('are never written as literals in a script', () => {
    for (const { name, lua } of scriptSources()) {
      const body = lua.replace(codesLua, '');
      expect(body, name).not.toMatch(/return\s*\{?\s*-\d|=\s*\{\s*-\d/);
      if (/CODE\./.test(body)) expect(lua, `${name} uses CODE and includes codes.lua`).toContain(codesLua);
    }
  });
});
