import { certificateProblem, describeWithoutData } from '@shadowdiff/errors';
import type { Agent as HttpAgent } from 'node:http';
import { Agent as HttpsAgent } from 'node:https';
import type { ConnectionOptions } from 'node:tls';
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

/** How to reach a registry that wants credentials or a private CA (`schemaRegistry.auth` and `.tls`). */
export interface RegistryAccess {
  /** HTTP basic authentication (Confluent Cloud: an API key and secret). */
  readonly auth?: { readonly username: string; readonly password: string } | undefined;
  /** Node's TLS options for an https:// registry: a CA, a client certificate and key. */
  readonly tls?: ConnectionOptions | undefined;
}

/**
 * A registry client that decodes Avro decimals to numbers. Schemas are fetched once per id and
 * kept for the life of the process (the client's cache).
 */
export function createRegistryClient(url: string, { auth, tls }: RegistryAccess = {}): SchemaRegistry {
  const agent = tls && url.startsWith('https:') ? new HttpsAgent({ ...tls, keepAlive: true }) : undefined;
  return new SchemaRegistry(
    {
      host: url,
      clientId: 'shadowdiff',
      retry: { retries: 2, initialRetryTimeInSecs: 0.2, maxRetryTimeInSecs: 2 },
      ...(auth ? { auth: { username: auth.username, password: auth.password } } : {}),
      // mappersmith passes the agent to Node's request, which takes an https.Agent for https URLs.
      ...(agent ? { agent: agent as unknown as HttpAgent } : {}),
    },
    { [SchemaType.AVRO]: { logicalTypes: { decimal: DecimalType } } } as never,
  );
}

function httpStatus(error: unknown): number | undefined {
  const status = (error as { status?: unknown } | null)?.status;
  return typeof status === 'number' ? status : undefined;
}

/**
 * What a registry failure means when retrying cannot mend it: refused credentials (401/403) or a
 * certificate that is not trusted. Undefined for the rest (a registry that is down for now).
 */
export function registryRefusal(error: unknown, url: string): CodecError | undefined {
  const status = httpStatus(error);
  if (status === 401 || status === 403) {
    return new CodecError(
      CodecErrorCode.REGISTRY_UNAUTHORIZED,
      `the schema registry at ${url} refused ${status === 401 ? 'the credentials' : 'access'} (HTTP ${status}): check schemaRegistry.auth`,
      { cause: error },
    );
  }
  // mappersmith turns a failed connection into a "status 400" whose message is Node's: the
  // certificate problem is known by its words there.
  const certificate = certificateProblem(error);
  if (certificate) {
    return new CodecError(CodecErrorCode.REGISTRY_TLS_FAILED, `the schema registry at ${url} has a certificate that is not trusted (${certificate}): check schemaRegistry.tls.ca`, {
      cause: error,
    });
  }
  return undefined;
}

/** Whether an error is a registry's refusal of the service itself (credentials, certificate): the service stops. */
export function isRegistryRefusal(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === CodecErrorCode.REGISTRY_UNAUTHORIZED || code === CodecErrorCode.REGISTRY_TLS_FAILED;
}

/**
 * Asks the registry once before a service starts (the latest version of a subject nobody has:
 * 404 when access is fine): refused credentials or an untrusted certificate stop start-up with a
 * non-retriable error; a registry that does not answer now is left to the decoding, which retries.
 */
export async function checkRegistryAccess(registry: SchemaRegistry, url: string): Promise<void> {
  try {
    await registry.getLatestSchemaId('shadowdiff-access-check');
  } catch (error) {
    const refusal = registryRefusal(error, url);
    if (refusal) throw refusal;
  }
}

/**
 * Decodes Confluent-framed Avro, Protobuf and JSON Schema payloads through the registry. A payload
 * that is not framed, names a schema id the registry does not know, or does not decode with its
 * schema is invalid (an `invalid_*` verdict with the reason). A registry that cannot be asked is not
 * the record's fault: that throws a retriable CodecError, and the record is read again later.
 */
export function createSchemaRegistryCodec({ url, registry, maxDepth = DEFAULT_MAX_DEPTH }: SchemaRegistryCodecOptions): Codec {
  const client = registry ?? (url ? createRegistryClient(url) : undefined);
  if (!client) throw new CodecError(CodecErrorCode.REGISTRY_NOT_CONFIGURED, 'the schema-registry codec needs schemaRegistry.url');
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
        // Not the record's fault and not for retrying: the service stops (see the joiner).
        const refusal = registryRefusal(error, url ?? 'schemaRegistry.url');
        if (refusal) throw refusal;
        if (status !== undefined || (error as Error).name === 'ResponseError') {
          throw new CodecError(CodecErrorCode.REGISTRY_UNAVAILABLE, `schema registry did not give schema ${schemaId}: ${(error as Error).message}`, {
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
