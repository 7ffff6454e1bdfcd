import { invalidBlob, recordBlob } from '@shadowdiff/vocabulary';
import { describeWithoutData } from '@shadowdiff/errors';
import { isRegistryRefusal, type Codec, type DecodeResult } from '@shadowdiff/codec';
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

/** Milliseconds from epoch milliseconds (number or digits) or an ISO-8601 string; NaN when it is neither. */
function toMillis(value: Json | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return Number.NaN;
  if (/^-?\d+$/.test(value)) return Number(value);
  return Date.parse(value);
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

/** Dates are valid within ±8.64e15 ms of the epoch (ECMAScript); past that, no date exists. */
const LAST_DATE_MS = 8.64e15;

function describeSource(source: EventTimeSource): string {
  if (source.from === 'header') return `in header "${source.name}"`;
  if (source.from === 'field') return `at field "${source.path}"`;
  return '(Kafka timestamp)';
}

/**
 * Why an event time cannot be a real time, or null when it can: negative, not a number or a date,
 * or further ahead of the wall clock than maxClockSkew (the usual cause: seconds, milliseconds and
 * microseconds mixed up between producers).
 */
export function clockProblem(source: EventTimeSource, time: number, now: number, maxClockSkewMs: number, quote = true): string | null {
  const where = describeSource(source);
  if (Number.isNaN(time)) return `event time ${where} is not a time (epoch milliseconds or ISO-8601)`;
  if (time < 0) return quote ? `event time ${where} is negative (${time})` : `event time ${where} is negative`;
  if (time > now + maxClockSkewMs) {
    const ahead = time - now;
    const hint = time > LAST_DATE_MS ? '; microseconds or nanoseconds read as milliseconds?' : ahead > 1000 * 365 * 86_400_000 ? '; microseconds read as milliseconds?' : '';
    // A field the comparison redacts is not quoted, not even as a time.
    if (!quote) return `event time ${where} is ahead of the wall clock by more than maxClockSkew ${maxClockSkewMs} ms${hint}`;
    return `event time ${where} is ${time} ms since the epoch, ${Math.round(ahead / 1000)} s ahead of the wall clock (more than maxClockSkew ${maxClockSkewMs} ms)${hint}`;
  }
  return null;
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

/** A record that cannot take part, with what was known of it and why. */
function invalid(message: KafkaMessage, arrivedAt: number, key: string | undefined, reason: string): ReadRecord {
  const kafkaTs = Number(message.timestamp);
  const blob = invalidBlob({ key: key ?? null, ts: kafkaTs, at: arrivedAt, reason });
  return { offset: message.offset, kind: 'invalid', key: key ?? '', eventTime: kafkaTs, blob, ts: kafkaTs, at: arrivedAt };
}

/** The key where it does not depend on the payload (for records whose payload is not read). */
function keyWithoutPayload(source: KeySource, message: KafkaMessage): string | undefined {
  if (source.from === 'message-key') return message.key?.toString('utf8');
  if (source.from === 'header') return header(message.headers, source.name);
  return undefined;
}

/**
 * What a reader lets through instead of calling the record invalid: a retriable failure (the
 * schema registry cannot be asked now) and a registry that refuses the joiner's credentials or
 * certificate (the joiner stops). Neither is the record's fault.
 */
function isRetriable(error: unknown): boolean {
  return (error as { retriable?: unknown } | null)?.retriable === true || isRegistryRefusal(error);
}

export function createRecordReader(comparison: ComparisonConfig, codec: Codec): RecordReader {
  const keySource = comparison.key;
  const eventTimeSource = comparison.eventTime;
  const maxBytes = comparison.maxRecordBytes;
  const maxClockSkew = comparison.maxClockSkew;
  // An event time read from the payload is quoted in a reason only when nothing is redacted.
  const quoteTimes = !(eventTimeSource.from === 'field' && comparison.redact.length > 0);

  function read(message: KafkaMessage, arrivedAt: number, decoded: DecodeResult): ReadRecord {
    const key = keyOf(keySource, message, decoded);
    if (!decoded.ok) return invalid(message, arrivedAt, key, decoded.reason);
    if (key === undefined) return invalid(message, arrivedAt, key, describeKey(keySource));
    const eventTime = eventTimeOf(eventTimeSource, message, decoded);
    if (eventTime === undefined) return invalid(message, arrivedAt, key, describeEventTime(eventTimeSource));
    const problem = clockProblem(eventTimeSource, eventTime, arrivedAt, maxClockSkew, quoteTimes);
    if (problem !== null) return invalid(message, arrivedAt, key, problem);
    const kafkaTs = Number(message.timestamp);
    // The decoded JSON text goes into the blob as it came: no re-encoding of the payload.
    const blob = recordBlob({ key, ts: kafkaTs, et: eventTime, at: arrivedAt, valueJson: decoded.json });
    return { offset: message.offset, kind: 'record', key, eventTime, blob, ts: kafkaTs, at: arrivedAt, value: decoded.value };
  }

  /** Whatever a record holds, reading it fails only that record (a bug included), never the batch. */
  function readSafely(message: KafkaMessage, arrivedAt: number, decoded: DecodeResult): ReadRecord {
    try {
      return read(message, arrivedAt, decoded);
    } catch (error) {
      return invalid(message, arrivedAt, keyWithoutPayload(keySource, message), `could not be read: ${describeWithoutData(error)}`);
    }
  }

  return (message, arrivedAt) => {
    const size = message.value?.length ?? 0;
    if (size > maxBytes) {
      return invalid(message, arrivedAt, keyWithoutPayload(keySource, message), `oversized: ${size} bytes, more than maxRecordBytes ${maxBytes}`);
    }
    let result: DecodeResult | Promise<DecodeResult>;
    try {
      result = codec.decode(message.value);
    } catch (error) {
      if (isRetriable(error)) throw error;
      return invalid(message, arrivedAt, keyWithoutPayload(keySource, message), `could not be decoded: ${describeWithoutData(error)}`);
    }
    if (!(result instanceof Promise)) return readSafely(message, arrivedAt, result);
    return result.then(
      (decoded) => readSafely(message, arrivedAt, decoded),
      (error: unknown) => {
        if (isRetriable(error)) throw error;
        return invalid(message, arrivedAt, keyWithoutPayload(keySource, message), `could not be decoded: ${describeWithoutData(error)}`);
      },
    );
  };
}
