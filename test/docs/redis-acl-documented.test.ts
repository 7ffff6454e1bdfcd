import { readFileSync } from 'node:fs';
import { REDIS_GRANTS, aclRules, type RedisComponent } from '@shadowdiff/store';
import { describe, expect, it } from 'vitest';

const doc = readFileSync(new URL('../../docs/security.md', import.meta.url), 'utf8');

describe('docs/security.md gives the ACL the code and the tests use', () => {
  it.each(Object.keys(REDIS_GRANTS) as RedisComponent[])('the %s user', (component) => {
    const documented = doc.split('\n').filter((line) => line.startsWith(`ACL SETUSER shadowdiff-${component} `));
    expect(documented).toEqual([`ACL SETUSER shadowdiff-${component} on >… ${aclRules(component, 'sd').join(' ')}`]);
  });

  it('no pattern of the API or the library reaches the pending records', () => {
    for (const component of ['api', 'client'] as const) {
      for (const rule of aclRules(component, 'sd').filter((r) => r.includes('~'))) {
        expect(rule, rule).not.toMatch(/~sd:\*|pending/);
      }
    }
  });
});
