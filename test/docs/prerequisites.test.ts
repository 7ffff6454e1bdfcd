import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TOOLS, requireTool, type Tool } from '@shadowdiff/testing';
import { describe, expect, it } from 'vitest';

const README = readFileSync(join(import.meta.dirname, '..', '..', 'README.md'), 'utf8');

describe('the tools the tests drive', () => {
  it('a missing one fails with one line naming it and how to install it', () => {
    for (const tool of Object.keys(TOOLS) as Tool[]) {
      let message = '';
      try {
        requireTool(tool, { PATH: '/nonexistent', CHROMIUM_PATH: '/nonexistent/chromium' });
      } catch (error) {
        message = (error as Error).stack ?? '';
      }
      expect(message, tool).toMatch(new RegExp(`^${tool} is not installed.*: .*install`));
      expect(message.split('\n'), tool).toHaveLength(1);
    }
  });

  it('the README lists each of them beside the test command', () => {
    for (const tool of Object.keys(TOOLS)) expect(README, tool).toContain(tool);
  });
});
