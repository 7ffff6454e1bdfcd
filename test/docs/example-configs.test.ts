import { fileURLToPath } from 'node:url';
import { loadConfigFile } from '@shadowdiff/config';
import { describe, expect, it } from 'vitest';

describe('example configurations shipped with the repository', () => {
  it('shadowdiff.docker.yaml is valid', () => {
    const file = fileURLToPath(new URL('../../shadowdiff.docker.yaml', import.meta.url));
    expect(loadConfigFile(file, {}).comparisons.map((c) => c.name)).toEqual(['orders']);
  });
});
