import { readFileSync } from 'node:fs';
import { VERDICT_KINDS } from '@shadowdiff/vocabulary';
import { describe, expect, it } from 'vitest';

// What cannot import @shadowdiff/vocabulary keeps a copy of its lists: these must be the same.
const read = (path: string) => readFileSync(new URL(`../../${path}`, import.meta.url), 'utf8');
const quoted = (list: string) => [...list.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]);

describe('copies of the vocabulary', () => {
  it("the retention script's verdict kinds", () => {
    const list = /local kinds = \{([^}]*)\}/.exec(read('libs/store/src/commands/trimVerdicts-5.lua'))?.[1];
    expect(list, 'trimVerdicts-5.lua declares `local kinds = { … }`').toBeDefined();
    expect(quoted(list as string)).toEqual([...VERDICT_KINDS]);
  });

  it("the dashboard's verdict kinds (a browser script, no imports)", () => {
    const list = /const KINDS = \[([^\]]*)\]/.exec(read('services/api/src/dashboard/app.js'))?.[1];
    expect(list, 'app.js declares `const KINDS = [ … ]`').toBeDefined();
    expect(quoted(list as string)).toEqual([...VERDICT_KINDS]);
  });
});
