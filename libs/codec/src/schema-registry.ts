import { describeWithoutData } from '@shadowdiff/errors';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { DecimalType } from './avro-decimal.ts';
import { DEFAULT_MAX_DEPTH, type Json } from '@shadowdiff/compare';
import { tooDeep, type Codec, type DecodeResult } from './codec.ts';
import { CodecError, CodecErrorCode } from './errors.ts';
import { DepthExceeded, toJson } from './to-json.ts';

export interface SchemaRegistryCodecOptions {
  /** The registry's Confluent-compatible base URL, e.g. http://127.0.0.1:8081/apis/ccompat/v7 */
  readonly url?: string;
  /** An existing client (shared between the sides of all comparisons, so schemas are cached once). */
  readonly registry?: SchemaRegistry;
  /** Values nesting deeper than this are undecodable (see DEFAULT_MAX_DEPTH). */
  readonly maxDepth?: number;
}

/** Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the encoded payload. */
export const WIRE_HEADER_BYTES = 5;

/**
 * A registry client that decodes Avro decimals to numbers. Schemas are fetched once per id and
 * kept for the life of the process (the client's cache).
 */
export function createRegistryClient(url: string): SchemaRegistry {
  return new SchemaRegistry(
    { host: url, clientId: 'shadowdiff', retry: { retries: 2, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 } },
    { [SchemaType.AVRO]: { logicalTypes: { decimal: DecimalType } } } as never,
  );
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * Decodes Confluent-framed Avro, Protobuf and JSON Schema payloads through the registry. A payload
 * that is not framed, names a schema id the registry does not know, or does not decode with its
 * schema is invalid (an `invalid_*` verdict with the reason). A registry that cannot be asked is not
 * the record's fault: that throws a retriable CodecError, and the record is read again later.
 */
export function createSchemaRegistryCodec({ url, registry, maxDepth = DEFAULT_MAX_DEPTH }: SchemaRegistryCodecOptions): Codec {
  const client = registry ?? (url ? createRegistryClient(url) : undefined);
  if (!client) throw new Error('the schema-registry codec needs schemaRegistry.url');
  return {
    name: 'schema-registry',
    async decode(payload): Promise<DecodeResult> {
      if (payload === null) return { ok: false, reason: 'no value (tombstone)' };
      if (payload.length < WIRE_HEADER_BYTES || payload[0] !== 0) {
        return { ok: false, reason: 'not in Confluent wire format (expected magic byte 0 and a 4-byte schema id)' };
      }
      const schemaId = payload.readUInt32BE(1);
      let decoded: unknown;
      try {
        decoded = await client.decode(payload);
      } catch (error) {
        const status = httpStatus(error);
        if (status === 404) return { ok: false, reason: `schema id ${schemaId} is not in the registry` };
        if (status !== undefined || (error as Error).name === 'ResponseError') {
          throw new CodecError(CodecErrorCode.REGISTRY_UNAVAILABLE, `schema registry did not give schema ${schemaId}: ${(error as Error).message}`, {
            retriable: true,
            cause: error,
          });
        }
        return { ok: false, reason: `does not decode with schema ${schemaId}: ${describeWithoutData(error)}` };
      }
      let value: Json;
      try {
        value = toJson(decoded, maxDepth);
      } catch (error) {
        if (error instanceof DepthExceeded) return tooDeep(maxDepth);
        return { ok: false, reason: `decoded with schema ${schemaId}, but not to a JSON value: ${describeWithoutData(error)}` };
      }
      return { ok: true, value, json: JSON.stringify(value) };
    },
  };
}
