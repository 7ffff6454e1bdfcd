import { describe, expect, it } from 'vitest';
import { formatPath, matchesPattern, parsePattern, type Segment } from '../src/index.ts';

const matches = (pattern: string, path: Segment[]) => matchesPattern(parsePattern(pattern), path);

describe('path patterns', () => {
  it('match exact paths, positions, any key, any position and any depth', () => {
    expect(matches('a.b', ['a', 'b'])).toBe(true);
    expect(matches('a.b', ['a'])).toBe(false);
    expect(matches('a.b', ['a', 'b', 'c'])).toBe(false);
    expect(matches('items[*].price', ['items', 3, 'price'])).toBe(true);
    expect(matches('items[*].price', ['items', { by: 'sku', key: 'x' }, 'price'])).toBe(true);
    expect(matches('items[*].price', ['items', 'x', 'price'])).toBe(false);
    expect(matches('items[1]', ['items', 1])).toBe(true);
    expect(matches('items[1]', ['items', 2])).toBe(false);
    expect(matches('*.id', ['customer', 'id'])).toBe(true);
    expect(matches('*.id', [0, 'id'])).toBe(false);
    expect(matches('**.updatedAt', ['updatedAt'])).toBe(true);
    expect(matches('**.updatedAt', ['a', 2, 'b', 'updatedAt'])).toBe(true);
    expect(matches('**.updatedAt', ['a', 'updatedAt', 'x'])).toBe(false);
    expect(matches('a.**', ['a', 'b', 'c'])).toBe(true);
  });

  it('refuses what is not a pattern, with the position', () => {
    expect(() => parsePattern('a..b')).toThrow(/not a path pattern \(at character 2\)/);
    expect(() => parsePattern('items[x]')).toThrow(/not a path pattern/);
    expect(() => parsePattern('.a')).toThrow(/not a path pattern/);
    expect(() => parsePattern('')).toThrow(/empty path pattern/);
  });

  it('formats concrete paths readably', () => {
    expect(formatPath(['customer', 'id'])).toBe('customer.id');
    expect(formatPath(['items', 2, 'price'])).toBe('items[2].price');
    expect(formatPath(['items', { by: 'sku', key: 'A-1' }, 'qty'])).toBe('items[sku="A-1"].qty');
    expect(formatPath(['odd key', 'x'])).toBe('["odd key"].x');
    expect(formatPath([])).toBe('');
  });
});
