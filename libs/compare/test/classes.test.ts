import { parseConfig } from '@shadowdiff/config';
import { describe, expect, it } from 'vitest';
import { analyseClasses, causesOf, diff, featuresOf, rulesYaml, signatureOf, suggestionFor, type AtomStats, type ClassInput, type Json, type SampleEntry } from '../src/index.ts';

const NOW = Date.parse('2026-12-04T12:30:00Z');

/** What the read model would hold after these verdicts (the Lua's counting, done in memory). */
function model(verdicts: { pairId: string; verdict: string; old: Json | null; new: Json | null }[]): ClassInput {
  const atoms = new Map<string, AtomStats & { examples: string[] }>();
  const signatures = new Map<string, number>();
  const samples = new Map<string, SampleEntry[]>();
  const baseline: SampleEntry[] = [];
  let pairs = 0;
  let discrepancies = 0;
  for (const v of verdicts) {
    const input = { verdict: v.verdict, decidedAt: NOW, old: v.old === null ? null : { value: v.old }, new: v.new === null ? null : { value: v.new }, differences: v.old !== null && v.new !== null ? diff(v.old, v.new) : [] };
    const found = signatureOf(input);
    if (v.verdict === 'match' || v.verdict === 'mismatch') pairs += 1;
    const entry = { pairId: v.pairId, atoms: found.map((a) => a.id), features: featuresOf(v.old ?? v.new) };
    if (v.verdict === 'match' || found.every((a) => a.change === 'generated_id' || a.change === 'timestamp')) baseline.push(entry);
    if (found.length === 0) continue;
    discrepancies += 1;
    signatures.set(found.map((a) => a.id).join(','), (signatures.get(found.map((a) => a.id).join(',')) ?? 0) + 1);
    for (const a of found) {
      const s = atoms.get(a.id) ?? { atom: { id: a.id, path: a.path, kind: a.kind, change: a.change }, count: 0, firstSeen: NOW, lastSeen: NOW, examples: [], hours: new Map([[NOW - (NOW % 3_600_000), 0]]) };
      const measure = Math.max(s.measure ?? -1, a.measure ?? -1);
      atoms.set(a.id, { ...s, count: s.count + 1, examples: [v.pairId, ...s.examples].slice(0, 5), ...(measure >= 0 ? { measure } : {}) });
      samples.set(a.id, [entry, ...(samples.get(a.id) ?? [])].slice(0, 50));
    }
  }
  return { pairs, discrepancies, atoms, signatures, samples, baseline, now: NOW };
}

const order = (i: number) => ({ id: `o-${String(i).padStart(4, '0')}`, tier: i % 7 === 0 ? 'gold' : 'standard', lines: Array.from({ length: 1 + (i % 3) }, () => 1), points: 10, amount: 5, region: 'eu' });

describe('discrepancy classes', () => {
  it('two independent bugs on one record stay two classes; one bug touching two fields is one', () => {
    const verdicts = Array.from({ length: 200 }, (_, i) => {
      const o = order(i);
      const n: Record<string, Json> = { ...o };
      if (o.tier === 'gold') n.points = 5; // bug 1: gold loses double points
      if (o.lines.length === 3) {
        n.amount = 500; // bug 2: amounts in cents on three-line orders, and the region with them
        n.region = 'EU';
      }
      const changed = JSON.stringify(n) !== JSON.stringify(o);
      return { pairId: `p${i}`, verdict: changed ? 'mismatch' : 'match', old: o, new: n };
    });
    const { classes } = analyseClasses(model(verdicts));
    expect(classes.map((c) => c.atoms.map((a) => `${a.path} ${a.change}`).sort().join(' + '))).toEqual(['amount factor:100 + region case', 'points factor:0.5']);
    const [cents, gold] = classes;
    expect(cents!.count).toBe(verdicts.filter((_, i) => i % 3 === 2).length);
    expect(cents!.causes[0]).toMatchObject({ statement: 'lines.length = 3', classShare: 1, baselineShare: 0 });
    expect(gold!.causes[0]).toMatchObject({ statement: 'tier = "gold"', classShare: 1, baselineShare: 0 });
    // The text's ending says no more than the text: not offered beside it.
    expect(gold!.causes.some((c) => c.feature === 'tier[-2:]')).toBe(false);
    expect(cents!.share + gold!.share).toBeGreaterThan(1); // a record with both counts in both
  });

  it('flags generated values in most pairs as noise, suggests rules for noise and absorbable classes, and counts what all of them resolve', () => {
    const verdicts = Array.from({ length: 100 }, (_, i) => {
      const o = { id: `o-${i}`, score: 0.5 + i / 1000 + 0.000987654321, requestId: `8c0f6c2e-3f7a-4f0e-9a57-${String(i).padStart(12, '0')}`, at: '2026-12-04T12:29:00.000Z', total: 12.3, sku: 'a' };
      const n = { ...o, score: 0.1 + i / 1000 + 0.000123456789, requestId: `0d5e8f9a-1b2c-4d3e-8f4a-${String(i).padStart(12, '0')}`, at: '2026-12-04T12:29:00.400Z', total: i % 4 === 0 ? 12.3 + 1e-12 : 12.3, sku: i % 5 === 0 ? 'A' : 'a' };
      return { pairId: `p${i}`, verdict: 'mismatch', old: o, new: n };
    });
    const analysis = analyseClasses(model(verdicts));
    expect(analysis.noise.map((n) => [n.atom.path, n.suggestion?.rule])).toEqual(expect.arrayContaining([['requestId', 'ignore'], ['at', 'timestamps'], ['score', 'ignore']]));
    expect(analysis.classes.map((c) => c.atoms[0]!.change).sort()).toEqual(['case', 'float_noise']);
    expect(analysis.suggestions.map((s) => s.rule).sort()).toEqual(['ignore', 'ignore', 'timestamps', 'tolerance']);
    // Only the case change stays: every record without it is resolved.
    expect(analysis.resolvedByAll).toBe(verdicts.filter((_, i) => i % 5 !== 0).length);
    expect(rulesYaml(analysis.suggestions)).toBe('compare:\n  ignore: ["requestId", "score"]\n  timestamps:\n    "at": { tolerance: 1s }\n  tolerance:\n    "total": { relative: 1e-9 }\n');
  });

  it('a class too small, or no matches sampled, gives no causes and says why', () => {
    const few = model([{ pairId: 'a', verdict: 'missing_new', old: { id: 'x77' }, new: null }, ...Array.from({ length: 10 }, (_, i) => ({ pairId: `m${i}`, verdict: 'match', old: { id: `y${i}` }, new: { id: `y${i}` } }))]);
    expect(analyseClasses(few).classes[0]).toMatchObject({ causes: [], causesNote: expect.stringContaining('records of this class') });
    const none = model(Array.from({ length: 10 }, (_, i) => ({ pairId: `n${i}`, verdict: 'missing_new', old: { id: `x${i}` }, new: null })));
    expect(analyseClasses(none).classes[0]!.causesNote).toContain('matches');
  });

  it('a cause needs most of the class: a value a few members share is no cause', () => {
    const members = Array.from({ length: 20 }, (_, i) => ({ pairId: `c${i}`, atoms: ['x'], features: { colour: i < 10 ? '"red"' : `"c${i}"` } }));
    const base = Array.from({ length: 20 }, (_, i) => ({ pairId: `b${i}`, atoms: [], features: { colour: `"b${i}"` } }));
    expect(causesOf(members, base)).toEqual([]);
  });
});

/** The stats of one atom as the read model would hold them. */
function stats(path: string, change: string, measure?: number, kind = 'changed'): AtomStats {
  return { atom: { id: `${path}-${change}`, path, kind, change }, count: 10, firstSeen: NOW, lastSeen: NOW, examples: [], hours: new Map(), ...(measure === undefined ? {} : { measure }) };
}

/** A comparison whose compare section is `yaml`, through the config's own loader (its checks included). */
const configWith = (yaml: string) =>
  parseConfig(`kafka: { brokers: ["k:9092"] }\nredis: { url: "redis://r:6379" }\ncomparisons:\n  - name: c\n    old: { topic: a }\n    new: { topic: b }\n    window: 5s\n${yaml.split('\n').map((l) => `    ${l}`).join('\n')}`, 'suggested.yaml');

describe('suggested rules', () => {
  it('name only plain paths: a wildcard, a quoted key or a path that could not be read gets no rule', () => {
    for (const path of ['**', '*', 'a.*', '?', '["a b"]', '["**"]', 'items[sku=*].qty', `${'a'.repeat(200)}…`]) expect(suggestionFor(stats(path, 'generated_id')), path).toBeUndefined();
    const hostile = signatureOf({ verdict: 'mismatch', decidedAt: NOW, old: null, new: null, differences: [{ path: '**', kind: 'changed', old: '8c0f6c2e-3f7a-4f0e-9a57-1c2d3e4f5a6b', new: '0d5e8f9a-1b2c-4d3e-8f4a-5b6c7d8e9f0a' }] });
    expect(hostile.map((a) => a.path)).toEqual(['?']);
  });

  it('give epoch seconds their unit, round to half a unit when that covers what was seen, and quote every key', () => {
    expect(suggestionFor(stats('ts', 'timestamp:s', 1500))?.yaml).toBe('compare:\n  timestamps:\n    "ts": { tolerance: 5s, epochUnit: s }\n');
    expect(suggestionFor(stats('qty', 'rounded:0', 0.4))?.yaml).toBe('compare:\n  tolerance:\n    "qty": { absolute: 0.5 }\n');
    // The measure is in units of the place: 0.9 of a cent is truncation, a whole cent.
    expect(suggestionFor(stats('price', 'rounded:2', 0.9))?.yaml).toBe('compare:\n  tolerance:\n    "price": { absolute: 0.01 }\n');
    // A key with a hyphen is written plain, as the pattern syntax takes it.
    expect(suggestionFor(stats('headers["x-request-id"]', 'generated_id'))?.yaml).toBe('compare:\n  ignore: ["headers.x-request-id"]\n');
    expect(suggestionFor(stats('null', 'float_noise'))?.yaml).toBe('compare:\n  tolerance:\n    "null": { relative: 1e-9 }\n');
  });

  it('merge two rules on one path into one entry, and the config accepts what they write', () => {
    const all = [suggestionFor(stats('subtotal', 'float_noise'))!, suggestionFor(stats('subtotal', 'rounded:2', 0.004))!, suggestionFor(stats('ts', 'timestamp:s', 10))!, suggestionFor(stats('ts', 'timestamp:s', 400, 'type_changed'))!, suggestionFor(stats('null', 'generated_id'))!, suggestionFor(stats('lines[*].tags', 'order_only', undefined, 'reordered'))!];
    const yaml = rulesYaml(all);
    expect(yaml).toBe('compare:\n  ignore: ["null"]\n  timestamps:\n    "ts": { tolerance: 1s, epochUnit: s }\n  tolerance:\n    "subtotal": { relative: 1e-9, absolute: 0.005 }\n  unordered:\n    "lines[*].tags": multiset\n');
    const config = configWith(yaml);
    expect(config.comparisons[0]!.compare).toMatchObject({ ignore: ['null'], tolerance: { subtotal: { relative: 1e-9, absolute: 0.005 } }, unordered: { 'lines[*].tags': 'multiset' } });
  });
});
