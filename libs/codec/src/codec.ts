import type { Json } from '@shadowdiff/compare';

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

const jsonCodec: SyncCodec = {
  name: 'json',
  decode(payload) {
    if (payload === null) return TOMBSTONE;
    const text = payload.toString('utf8');
    try {
      return { ok: true, value: JSON.parse(text) as Json, json: text };
    } catch (error) {
      return { ok: false, reason: `not JSON: ${(error as Error).message}` };
    }
  },
};

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

const PLAIN: Record<Exclude<CodecName, 'schema-registry'>, SyncCodec> = { json: jsonCodec, string: stringCodec, bytes: bytesCodec };

/** The codecs that need nothing but the payload. */
export function createCodec(name: Exclude<CodecName, 'schema-registry'>): SyncCodec {
  return PLAIN[name];
}
