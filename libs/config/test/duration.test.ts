import { describe, expect, it } from 'vitest';
import { parseDuration } from '../src/index.ts';

describe('parseDuration', () => {
  it.each([
    ['500ms', 500],
    ['30s', 30_000],
    ['1.5s', 1500],
    ['10m', 600_000],
    ['1h', 3_600_000],
    ['2d', 172_800_000],
  ])('%s is %d ms', (text, ms) => expect(parseDuration(text)).toBe(ms));

  it.each(['30', '', 's', '10 minutes', '-1s', '1w'])('refuses %j', (text) => expect(parseDuration(text)).toBeUndefined());
});
