import { DEFAULT_MAX_DEPTH, type Json } from '@shadowdiff/compare';

interface LongLike {
  low: number;
  high: number;
  unsigned: boolean;
  toNumber(): number;
  toString(): string;
}

function isLong(value: object): value is LongLike {
  return 'low' in value && 'high' in value && 'unsigned' in value && typeof (value as LongLike).toNumber === 'function';
}

interface ProtobufMessage {
  $type: { toObject(message: unknown, options: object): Record<string, unknown> };
}

function isProtobufMessage(value: object): value is ProtobufMessage {
  const type = (value as Partial<ProtobufMessage>).$type;
  return typeof type === 'object' && type !== null && typeof type.toObject === 'function';
}

/**
 * Turns what a decoder produced into plain JSON values, so that payloads of different formats
 * compare as values: Avro records and Protobuf messages become plain objects, bytes become
 * base64 strings, 64-bit integers become numbers when they are exactly representable (within
 * ±2^53) and decimal strings otherwise. Protobuf fields at their default value are present with it,
 * as a JSON producer would write them.
 */
export function toJson(value: unknown, maxDepth: number = DEFAULT_MAX_DEPTH): Json {
  try {
    return convert(value, maxDepth);
  } catch (error) {
    if (error === TOO_DEEP) throw new DepthExceeded(maxDepth);
    throw error;
  }
}

const TOO_DEEP = Symbol('too deep');

/** Thrown by toJson for a value nesting deeper than its limit (it never recurses past it). */
export class DepthExceeded extends Error {
  readonly maxDepth: number;

  constructor(maxDepth: number) {
    super(`nested deeper than ${maxDepth} levels (maxDepth)`);
    this.maxDepth = maxDepth;
  }
}

function convert(value: unknown, room: number): Json {
  if (value === null || value === undefined) return null;
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return value;
    case 'number':
      // JSON has no NaN or Infinity; kept as text rather than turned into null by JSON.stringify.
      return Number.isFinite(value) ? value : String(value);
    case 'bigint':
      return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
    case 'object':
      break;
    default:
      return String(value);
  }
  const object = value as object;
  if (room <= 0 && !(object instanceof Date) && !Buffer.isBuffer(object) && !(object instanceof Uint8Array) && !isLong(object)) throw TOO_DEEP;
  if (Buffer.isBuffer(object) || object instanceof Uint8Array) return Buffer.from(object as Uint8Array).toString('base64');
  if (Array.isArray(object)) return object.map((v) => convert(v, room - 1));
  if (object instanceof Date) return object.toISOString();
  if (isLong(object)) {
    const n = object.toNumber();
    return Number.isSafeInteger(n) ? n : object.toString();
  }
  if (isProtobufMessage(object)) {
    // The message itself becomes the object: the same level.
    return convert(object.$type.toObject(object, { enums: String, bytes: String, defaults: true, arrays: true, objects: true }), room);
  }
  if (object instanceof Map) {
    const out: Record<string, Json> = {};
    for (const [k, v] of object) out[String(k)] = convert(v, room - 1);
    return out;
  }
  const out: Record<string, Json> = {};
  for (const key of Object.keys(object)) {
    const child = (object as Record<string, unknown>)[key];
    if (child === undefined || typeof child === 'function') continue;
    Object.defineProperty(out, key, { value: convert(child, room - 1), enumerable: true, writable: true, configurable: true });
  }
  return out;
}
