import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ScriptCode, StoreErrorCode, comparisonKeys, isStoreError, scriptSources } from '../src/index.ts';
import { applyKeys, type ApplyHead } from '../src/commands/apply-head.ts';
import { applyPredicted } from '../src/commands/applyPredicted.ts';
import { applyRecords, type ApplyRecordsInput } from '../src/commands/applyRecords.ts';
import type { ScriptProtocol } from '../src/commands/protocol.ts';

const commands = new URL('../src/commands/', import.meta.url);
/** Modules of commands/ that are no script's protocol: what several share. */
const SHARED = new Set(['protocol.ts', 'apply-head.ts', 'shared-keys.ts']);

const head: ApplyHead = { keys: comparisonKeys('p', 'c'), live: [10, 9, 8], now: 1000, horizonMs: 60_000, expireLimit: 100, duplicates: 'first', epoch: 'e', ttlMs: 5000 };

describe("the scripts' protocols", () => {
  it('are one module per script, beside its .lua, agreeing with it on the name and the number of keys', async () => {
    const sources = scriptSources();
    for (const { name, numberOfKeys } of sources) {
      const module = (await import(new URL(`${name}.ts`, commands).href)) as Record<string, unknown>;
      const protocol = module[name] as ScriptProtocol<unknown, unknown> | undefined;
      expect(protocol?.name, `commands/${name}.ts exports the protocol ${name}`).toBe(name);
      expect(protocol?.numberOfKeys, name).toBe(numberOfKeys);
    }
    const modules = readdirSync(commands).filter((f) => f.endsWith('.ts') && !SHARED.has(f));
    expect(modules.map((f) => f.slice(0, -3)).sort()).toEqual(sources.map((s) => s.name).sort());
  });

  it('give both apply scripts the same 24 keys of one slot, and the same head', () => {
    const keys = applyKeys(head);
    expect(keys).toHaveLength(24);
    expect(new Set(keys).size).toBe(24);
    expect(new Set(keys.map((k) => /\{[^}]*\}/.exec(k)?.[0]))).toEqual(new Set(['{c}']));
    const layout = { args: ['x'], outcomes: [] };
    expect(applyPredicted.keys({ ...head, layout })).toEqual(applyRecords.keys({ ...head, segments: [], hints: [], parkedHints: [], withBlobs: true }));
    const heads = [applyPredicted.args({ ...head, layout }).slice(0, 6), applyRecords.args({ ...head, segments: [], hints: [], parkedHints: [], withBlobs: true }).slice(0, 6)];
    expect(heads[0]).toEqual([1000, 60_000, 100, 'first', 'e', 5000]);
    expect(heads[1]).toEqual(heads[0]);
    for (const name of ['applyRecords', 'applyPredicted']) {
      const lua = scriptSources().find((s) => s.name === name)!.lua;
      expect(lua, name).toContain("if redis.call('GET', KEYS[24]) ~= ARGV[5] then return { CODE.STATE_LOST } end");
    }
  });

  describe('applyRecords', () => {
    const input: ApplyRecordsInput = {
      ...head,
      segments: [
        { side: 'old', topic: 'o', partition: 0, records: [{ offset: '5', kind: 'record', key: 'a', eventTime: 1, blob: 'A' }] },
        {
          side: 'new',
          topic: 'n',
          partition: 1,
          after: '6',
          records: [
            { offset: '7', kind: 'record', key: 'a', eventTime: 2, blob: 'B' },
            { offset: '8', kind: 'invalid', key: 'b', eventTime: 3, blob: 'C' },
          ],
        },
      ],
      hints: [{ old: 0, new: 1, verdict: 'V' }],
      parkedHints: [],
      withBlobs: false,
    };

    it("lays out the head, the segments, the records (hinted blobs left out) and the hints, 1-based as Lua counts", () => {
      expect(applyRecords.args(input)).toEqual([
        ...[1000, 60_000, 100, 'first', 'e', 5000, 2, 3, 1, 0],
        ...['old', 'o', 0, 1, '', 'new', 'n', 1, 2, '6'],
        ...['5', 'r', 'a', 1, '', '7', 'r', 'a', 2, '', '8', 'i', 'b', 3, 'C'],
        ...[1, 2, 'V'],
      ]);
      expect(applyRecords.args({ ...input, withBlobs: true }).filter((a) => a === 'A' || a === 'B')).toEqual(['A', 'B']);
    });

    it('reads the hints taken, the counts per segment and the decisions', () => {
      const counts = [[1, 0, 1, 0, 0, 0, 0, 0], [2, 0, 1, 0, 0, 1, 0, 0]].flat();
      const reply = applyRecords.reply(['1', ...counts, 'n/1/8', 'invalid\x1e\x1e1000\x1e\x1en/1/8\nC'], input);
      expect(reply).toEqual({
        needBlobs: false,
        segments: [
          { applied: 1, skipped: 0, paired: 1, parked: 0, duplicate: 0, invalid: 0, missing: 0, late: 0 },
          { applied: 2, skipped: 0, paired: 1, parked: 0, duplicate: 0, invalid: 1, missing: 0, late: 0 },
        ],
        decisions: [{ id: 'n/1/8', kind: 'invalid', reason: null, decidedAt: 1000, old: null, new: { topic: 'n', partition: 1, offset: '8', blob: 'C' } }],
        hintsTaken: [true],
        parkedHintsTaken: [],
      });
    });

    it('reads NEED_BLOBS as a request, and any other code as its error', () => {
      expect(applyRecords.reply([ScriptCode.NEED_BLOBS], input)).toEqual({ needBlobs: true });
      const refused = (() => {
        try {
          applyRecords.reply([ScriptCode.GAP], input);
        } catch (error) {
          return error;
        }
        return undefined;
      })();
      expect(isStoreError(refused) && refused.code).toBe(StoreErrorCode.GAP);
    });
  });

  it('read applyPredicted\'s "ok" as its decisions and NEED_GENERAL as null', () => {
    const input = { ...head, layout: { args: [], outcomes: [] } };
    expect(applyPredicted.reply(['ok'], input)).toEqual([]);
    expect(applyPredicted.reply([ScriptCode.NEED_GENERAL], input)).toBeNull();
    expect(() => applyPredicted.reply([ScriptCode.STATE_LOST], input)).toThrow(/epoch/);
  });
});
