import type { Codec, DecodeResult } from '@shadowdiff/codec';
import type { Json } from '@shadowdiff/compare';
import type { ComparisonConfig, EventTimeSource, KeySource } from '@shadowdiff/config';
import type { ApplyRecord } from '@shadowdiff/store';
import type { IHeaders, KafkaMessage } from 'kafkajs';

/**
 * A record as the joiner read it: what the pairing store takes, and what the joiner needs to
 * compare it with a partner read in the same flush without parsing the blob again.
 */
export interface ReadRecord extends ApplyRecord {
  /** Kafka timestamp, ms. */
  readonly ts: number;
  /** Wall-clock arrival at the joiner, ms. */
  readonly at: number;
  /** The decoded value (absent for an invalid record). */
  readonly value?: Json;
}

/**
 * Turns one Kafka message of one side into what the pairing store takes. Bad input becomes an
 * invalid record, never a throw; it throws (or rejects) only when the schema registry cannot be
 * asked (retriable: the record is read again). Synchronous unless the codec has to fetch a schema.
 */
export type RecordReader = (message: KafkaMessage, arrivedAt: number) => ReadRecord | Promise<ReadRecord>;

function header(headers: IHeaders | undefined, name: string): string | undefined {
  const raw = headers?.[name];
  const first = Array.isArray(raw) ? raw[0] : raw;
  return first === undefined ? undefined : first.toString();
}

/** Reads a dotted path (`order.id`) from a decoded value. */
function field(value: Json, path: string): Json | undefined {
  let current: Json | undefined = value;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = current[part];
  }
  return current;
}

function keyOf(source: KeySource, message: KafkaMessage, decoded: DecodeResult): string | undefined {
  switch (source.from) {
    case 'message-key':
      return message.key === null ? undefined : message.key.toString('utf8');
    case 'header':
      return header(message.headers, source.name);
    case 'field': {
      if (!decoded.ok) return undefined;
      const value = field(decoded.value, source.path);
      return typeof value === 'string' || typeof value === 'number' ? String(value) : undefined;
    }
  }
}

/** Milliseconds from epoch milliseconds (number or digits) or an ISO-8601 string. */
function toMillis(value: Json | undefined): number | undefined {
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value !== 'string' || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const parsed = Date.parse(value);
  return Number.isNaN(parsed) ? undefined : parsed;
}

function eventTimeOf(source: EventTimeSource, message: KafkaMessage, decoded: DecodeResult): number | undefined {
  switch (source.from) {
    case 'kafka-timestamp':
      return Number(message.timestamp);
    case 'header':
      return toMillis(header(message.headers, source.name));
    case 'field':
      return decoded.ok ? toMillis(field(decoded.value, source.path)) : undefined;
  }
}

function describeKey(source: KeySource): string {
  if (source.from === 'message-key') return 'no message key';
  if (source.from === 'header') return `no header "${source.name}"`;
  return `no string or number at field "${source.path}"`;
}

function describeEventTime(source: EventTimeSource): string {
  if (source.from === 'header') return `no event time in header "${source.name}"`;
  if (source.from === 'field') return `no event time at field "${source.path}"`;
  return 'no Kafka timestamp';
}

export function createRecordReader(comparison: ComparisonConfig, codec: Codec): RecordReader {
  const keySource = comparison.key;
  const eventTimeSource = comparison.eventTime;

  const maxBytes = comparison.maxRecordBytes;

  function read(message: KafkaMessage, arrivedAt: number, decoded: DecodeResult): ReadRecord {
    const key = keyOf(keySource, message, decoded);
    const kafkaTs = Number(message.timestamp);
    const eventTime = eventTimeOf(eventTimeSource, message, decoded);
    let problem: string | undefined;
    if (!decoded.ok) problem = decoded.reason;
    else if (key === undefined) problem = describeKey(keySource);
    else if (eventTime === undefined) problem = describeEventTime(eventTimeSource);
    if (problem !== undefined || !decoded.ok || key === undefined || eventTime === undefined) {
      const blob = JSON.stringify({ k: key ?? null, ts: kafkaTs, et: eventTime ?? kafkaTs, at: arrivedAt, x: problem });
      return { offset: message.offset, kind: 'invalid', key: key ?? '', eventTime: eventTime ?? kafkaTs, blob, ts: kafkaTs, at: arrivedAt };
    }
    // The decoded JSON text goes into the blob as it came: no re-encoding of the payload.
    const blob = `{"k":${JSON.stringify(key)},"ts":${kafkaTs},"et":${eventTime},"at":${arrivedAt},"v":${decoded.json}}`;
    return { offset: message.offset, kind: 'record', key, eventTime, blob, ts: kafkaTs, at: arrivedAt, value: decoded.value };
  }

  return (message, arrivedAt) => {
    const size = message.value?.length ?? 0;
    if (size > maxBytes) {
      const kafkaTs = Number(message.timestamp);
      const key = keySource.from === 'message-key' ? (message.key?.toString('utf8') ?? null) : keySource.from === 'header' ? (header(message.headers, keySource.name) ?? null) : null;
      const blob = JSON.stringify({ k: key, ts: kafkaTs, et: kafkaTs, at: arrivedAt, x: `oversized: ${size} bytes, more than maxRecordBytes ${maxBytes}` });
      return { offset: message.offset, kind: 'invalid', key: key ?? '', eventTime: kafkaTs, blob, ts: kafkaTs, at: arrivedAt };
    }
    const result = codec.decode(message.value);
    return result instanceof Promise ? result.then((decoded) => read(message, arrivedAt, decoded)) : read(message, arrivedAt, result);
  };
}
