import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, ConfigErrorCode, loadConfigFile, parseConfig } from '../src/index.ts';

const VALID = `
kafka: { brokers: ["127.0.0.1:9092"] }
comparisons:
  - name: payments
    old: { topic: payments.v1, codec: json }
    new: { topic: payments.v2, codec: json }
    window: 30s
`;

function problemsOf(text: string): ConfigError {
  try {
    parseConfig(text, 'shadowdiff.yaml');
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected the config to be refused');
}

describe('configuration', () => {
  it('fills the documented defaults and freezes the result', () => {
    const config = parseConfig(VALID, 'shadowdiff.yaml');
    const comparison = config.comparisons[0]!;
    expect(comparison.window).toBe(30_000);
    expect(comparison.grace).toBe(0);
    expect(comparison.maxWait).toBe(600_000);
    expect(comparison.key).toEqual({ from: 'message-key' });
    expect(comparison.eventTime).toEqual({ from: 'kafka-timestamp' });
    expect(comparison.matches).toEqual({ emit: 'all' });
    expect(config.redis.url).toBe('redis://127.0.0.1:6379');
    expect(config.topics.prefix).toBe('shadowdiff');
    expect(Object.isFrozen(config.comparisons[0])).toBe(true);
  });

  it('lets environment variables override connection settings only', () => {
    const config = parseConfig(VALID, 'shadowdiff.yaml', {
      KAFKA_BROKERS: 'k1:9092, k2:9092',
      REDIS_URL: 'redis://cache:6380',
      SCHEMA_REGISTRY_URL: 'http://registry:8081',
    });
    expect(config.kafka.brokers).toEqual(['k1:9092', 'k2:9092']);
    expect(config.redis.url).toBe('redis://cache:6380');
    expect(config.schemaRegistry?.url).toBe('http://registry:8081');
  });

  it('names the file, the path, the line, what was expected and what was found for a missing topic', () => {
    const error = problemsOf(VALID.replace('old: { topic: payments.v1, codec: json }', 'old: { codec: json }'));
    expect(error.code).toBe(ConfigErrorCode.INVALID);
    expect(error.problems).toEqual([
      { path: 'comparisons[0].old.topic', line: 5, expected: 'a string', found: 'nothing (the key is missing)' },
    ]);
    expect(error.message).toContain('shadowdiff.yaml:5: comparisons[0].old.topic: expected a string, found nothing (the key is missing)');
  });

  it('refuses an unknown codec and lists the known ones', () => {
    const error = problemsOf(VALID.replace('new: { topic: payments.v2, codec: json }', 'new: { topic: payments.v2, codec: avro }'));
    expect(error.problems).toEqual([
      { path: 'comparisons[0].new.codec', line: 6, expected: 'one of "json", "string", "bytes", "schema-registry"', found: '"avro"' },
    ]);
  });

  it('refuses a window that is not a duration', () => {
    for (const [window, found] of [
      ['thirty seconds', '"thirty seconds"'],
      ['30', 'number 30'],
      ['"30"', '"30"'],
    ] as const) {
      const error = problemsOf(VALID.replace('window: 30s', `window: ${window}`));
      expect(error.problems).toHaveLength(1);
      expect(error.problems[0]).toMatchObject({ path: 'comparisons[0].window', line: 7, found });
      expect(error.problems[0]!.expected).toContain('a duration such as "500ms", "30s"');
    }
  });

  it('refuses unknown keys instead of ignoring them', () => {
    const error = problemsOf(VALID.replace('window: 30s', 'window: 30s\n    windw: 10s'));
    expect(error.problems).toEqual([
      { path: 'comparisons[0].windw', line: 8, expected: 'no such key (it is not part of the configuration)', found: '"windw"' },
    ]);
  });

  it('refuses an unknown key source and points at `from`', () => {
    const error = problemsOf(VALID.replace('window: 30s', 'window: 30s\n    key: { from: cookie }'));
    expect(error.problems).toEqual([
      { path: 'comparisons[0].key.from', line: 8, expected: 'one of "message-key", "header", "field"', found: '"cookie"' },
    ]);
  });

  it('reports every problem at once', () => {
    const text = VALID.replace('codec: json }\n    new', 'codec: jsn }\n    new').replace('window: 30s', 'window: 1x');
    const error = problemsOf(text);
    expect(error.problems.map((p) => p.path)).toEqual(['comparisons[0].old.codec', 'comparisons[0].window']);
  });

  it('refuses two comparisons with one name, and one topic on both sides', () => {
    const text = `${VALID}
  - name: payments
    old: { topic: a }
    new: { topic: a }
    window: 1s
`;
    const error = problemsOf(text);
    expect(error.problems).toEqual([
      { path: 'comparisons[1].name', line: 9, expected: 'a name no other comparison has', found: '"payments"' },
      { path: 'comparisons[1].new.topic', line: 11, expected: 'a topic other than old.topic', found: '"a"' },
    ]);
  });

  it('reads comparison rules, and reports a bad rule with its path', () => {
    const rules = `
    compare:
      ignore: ["metadata.traceId", "**.updatedAt"]
      tolerance: { amount: { absolute: 0.01 }, fxRate: { relative: 1e-9 } }
      unordered: { items: { by: sku }, tags: multiset }
      nullEqualsMissing: true
      strings: { "customer.email": { trim: true, case: insensitive } }
      timestamps: { "**.at": { tolerance: 2s } }
      rename: { customer_id: customerId }`;
    const compare = parseConfig(VALID + rules, 'shadowdiff.yaml').comparisons[0]!.compare;
    expect(compare.tolerance).toEqual({ amount: { absolute: 0.01 }, fxRate: { relative: 1e-9 } });
    expect(compare.unordered).toEqual({ items: { by: 'sku' }, tags: 'multiset' });
    expect(compare.timestamps).toEqual({ '**.at': { tolerance: 2000, epochUnit: 'ms' } });

    const bad = problemsOf(
      `${VALID}    compare:
      ignore: ["ok", "a..b"]
      tolerance: { "items[x]": { absolute: 1 }, amount: { absolute: -1 }, fee: {} }
      unordered: { items: sorted }
      rename: { "items[*].x": y }
`,
    );
    expect(bad.problems.map((p) => [p.path, p.expected, p.found])).toEqual([
      ['comparisons[0].compare.ignore[1]', 'a path pattern such as a.b, items[*].price, **.updatedAt', '"a..b"'],
      ['comparisons[0].compare.tolerance.amount.absolute', expect.stringContaining('>=0'), 'number -1'],
      ['comparisons[0].compare.tolerance.fee', 'absolute and/or relative', 'a mapping'],
      ['comparisons[0].compare.tolerance["items[x]"]', 'a path pattern such as a.b, items[*].price, **.updatedAt', '"items[x]"'],
      ['comparisons[0].compare.unordered.items', '"multiset" or { by: <field> }', '"sorted"'],
      ['comparisons[0].compare.rename["items[*].x"]', 'a dotted path of keys, without * or [..]', '"items[*].x"'],
    ]);
  });

  it('needs the registry URL for the schema-registry codec, and resolves normaliser modules next to the config', () => {
    const registry = VALID.replace('new: { topic: payments.v2, codec: json }', 'new: { topic: payments.v2, codec: schema-registry }');
    expect(problemsOf(registry).problems).toEqual([
      {
        path: 'comparisons[0].new.codec',
        line: 6,
        expected: 'schemaRegistry.url (or SCHEMA_REGISTRY_URL) to be set for codec schema-registry',
        found: '"schema-registry"',
      },
    ]);
    expect(parseConfig(registry, 'x.yaml', { SCHEMA_REGISTRY_URL: 'http://r:8081' }).comparisons[0]!.new.codec).toBe('schema-registry');

    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-normalize-'));
    writeFileSync(join(dir, 'old.mjs'), 'export default (v) => v;\n');
    const text = `${VALID}    compare: { normalize: { old: ./old.mjs, new: ./missing.mjs } }\n`;
    let error: unknown;
    try {
      parseConfig(text, join(dir, 'shadowdiff.yaml'));
    } catch (e) {
      error = e;
    }
    expect((error as ConfigError).problems.map((p) => [p.path, p.found])).toEqual([
      ['comparisons[0].compare.normalize.new', JSON.stringify(join(dir, 'missing.mjs'))],
    ]);
    writeFileSync(join(dir, 'shadowdiff.yaml'), text.replace('./missing.mjs', './old.mjs'));
    expect(loadConfigFile(join(dir, 'shadowdiff.yaml'), {}).comparisons[0]!.compare.normalize).toEqual({
      old: join(dir, 'old.mjs'),
      new: join(dir, 'old.mjs'),
    });
    // A config written elsewhere (replay's derived one) resolves against the directory it names.
    const elsewhere = mkdtempSync(join(tmpdir(), 'shadowdiff-derived-'));
    writeFileSync(join(elsewhere, 'derived.yaml'), text.replace('./missing.mjs', './old.mjs'));
    expect(loadConfigFile(join(elsewhere, 'derived.yaml'), { SHADOWDIFF_CONFIG_DIR: dir }).comparisons[0]!.compare.normalize).toEqual({
      old: join(dir, 'old.mjs'),
      new: join(dir, 'old.mjs'),
    });
    expect(() => loadConfigFile(join(elsewhere, 'derived.yaml'), {})).toThrow(ConfigError);
  });

  it('refuses YAML that is not well-formed, with its line', () => {
    const error = problemsOf('comparisons:\n  - name: x\n    old: { topic: [unclosed\n');
    expect(error.code).toBe(ConfigErrorCode.SYNTAX);
    expect(error.problems[0]?.expected).toBe('well-formed YAML');
    expect(error.problems[0]?.line).toBeGreaterThanOrEqual(3);
  });

  it('refuses a config without comparisons', () => {
    const error = problemsOf('kafka: { brokers: ["x:1"] }\n');
    expect(error.problems).toEqual([{ path: 'comparisons', line: 1, expected: 'a list', found: 'nothing (the key is missing)' }]);
  });

  it('loads a file and names it when it cannot be read', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shadowdiff-config-'));
    const file = join(dir, 'shadowdiff.yaml');
    writeFileSync(file, VALID);
    expect(loadConfigFile(file, {}).comparisons[0]?.name).toBe('payments');
    const missing = join(dir, 'nope.yaml');
    expect(() => loadConfigFile(missing, {})).toThrow(expect.objectContaining({ code: ConfigErrorCode.NOT_FOUND, file: missing }));
  });
});
