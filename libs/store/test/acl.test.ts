import { describe, expect, it } from 'vitest';
import { REDIS_GRANTS, scriptSources, type RedisComponent } from '../src/index.ts';

/** The commands a script calls, from its source with the includes expanded. */
function called(lua: string): string[] {
  return [...new Set([...lua.matchAll(/redis\.p?call\('([A-Za-z]+)'/g)].map((m) => `+${(m[1] as string).toLowerCase()}`))];
}

describe('the Redis ACL grants', () => {
  const scripts = new Map(scriptSources().map((s) => [s.name, s.lua]));

  it.each(Object.keys(REDIS_GRANTS) as RedisComponent[])('%s may run every command its scripts call', (component) => {
    const grant = REDIS_GRANTS[component];
    for (const name of grant.scripts) {
      const lua = scripts.get(name);
      expect(lua, `${name} is a script in libs/store/src/commands`).toBeDefined();
      for (const command of called(lua as string)) expect(grant.commands, `${component} runs ${name}, which calls ${command}`).toContain(command);
    }
  });

  it('every script belongs to a component, so none is left out of the grants', () => {
    const granted = new Set(Object.values(REDIS_GRANTS).flatMap((g) => g.scripts));
    expect([...scripts.keys()].filter((name) => !granted.has(name))).toEqual([]);
  });
});
