import { describeWithoutData } from '@shadowdiff/errors';
import { DEFAULT_MAX_DEPTH, exceedsDepth, type Json } from '@shadowdiff/compare';

export type CodecName = 'json' | 'string' | 'bytes' | 'schema-registry';

/** A decoded payload: the value to compare and its JSON text to store (never re-encoded for json). */
export interface Decoded {
  readonly ok: true;
  readonly value: Json;
  readonly json: string;
}

/** An undecodable payload: becomes an `invalid_*` verdict carrying `reason`, never a crash. */
export interface Undecodable {
  readonly ok: false;
  readonly reason: string;
}

export type DecodeResult = Decoded | Undecodable;

export interface Codec {
  readonly name: CodecName;
  /** Synchronous for the plain codecs; the schema-registry codec may have to fetch a schema first. */
  decode(payload: Buffer | null): DecodeResult | Promise<DecodeResult>;
}

const TOMBSTONE: Undecodable = { ok: false, reason: 'no value (tombstone)' };

/** A codec that decodes from the payload alone, synchronously. */
export interface SyncCodec extends Codec {
  decode(payload: Buffer | null): DecodeResult;
}

/** Why a decoded value is refused: it nests deeper than the comparison's maxDepth. */
export function tooDeep(maxDepth: number): Undecodable {
  return { ok: false, reason: `nested deeper than ${maxDepth} levels (maxDepth)` };
}

/** V8's JSON.parse message without the excerpts of the payload it quotes (they may be secrets). */
/** Where the text stops being JSON, never what it says there (the reason is stored and emitted). */
function syntaxError(error: Error): string {
  return describeWithoutData(error);
}

function jsonCodec(maxDepth: number): SyncCodec {
  return {
    name: 'json',
    decode(payload) {
      if (payload === null) return TOMBSTONE;
      const text = payload.toString('utf8');
      let value: Json;
      try {
        value = JSON.parse(text) as Json;
      } catch (error) {
        return { ok: false, reason: `not JSON: ${syntaxError(error as Error)}` };
      }
      // A text shorter than twice the limit cannot nest past it (every level opens and closes).
      if (text.length > 2 * maxDepth && exceedsDepth(value, maxDepth)) return tooDeep(maxDepth);
      return { ok: true, value, json: text };
    },
  };
}

const stringCodec: SyncCodec = {
  name: 'string',
  decode(payload) {
    if (payload === null) return TOMBSTONE;
    const value = payload.toString('utf8');
    return { ok: true, value, json: JSON.stringify(value) };
  },
};

const bytesCodec: SyncCodec = {
  name: 'bytes',
  decode(payload) {
    if (payload === null) return TOMBSTONE;
    const value = payload.toString('base64');
    return { ok: true, value, json: JSON.stringify(value) };
  },
};

export interface CodecOptions {
  /** Values nesting deeper than this are undecodable (see DEFAULT_MAX_DEPTH). */
  readonly maxDepth?: number;
}

/** The codecs that need nothing but the payload. */
export function createCodec(name: Exclude<CodecName, 'schema-registry'>, { maxDepth = DEFAULT_MAX_DEPTH }: CodecOptions = {}): SyncCodec {
  if (name === 'json') return jsonCodec(maxDepth);
  return name === 'string' ? stringCodec : bytesCodec;
}
