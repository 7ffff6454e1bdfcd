import { promisify } from 'node:util';
import zlib from 'node:zlib';
import kafkajs from 'kafkajs';
import lz4 from 'lz4-napi';
import snappy from 'snappy';
import { KafkaError, KafkaErrorCode } from './errors.ts';

/**
 * Record-batch compression for every kafkajs client of the process: gzip, snappy, lz4 and zstd,
 * as Java, Go (librdkafka, sarama, franz-go) and other producers write them. kafkajs ships gzip only
 * and keeps its codecs in one registry per process, so registering here serves the joiner, the
 * API's verdict reader, the demo and the benchmark alike.
 *
 * Choices (docs/operations.md#compression): zstd and gzip come from Node's own zlib (zstd since
 * Node 22.15), which bounds what it inflates (`maxOutputLength`); lz4 from `lz4-napi` and snappy
 * from `snappy` (napi-rs: prebuilt Node-API binaries, so no compiler and no rebuild per Node
 * version). The kafkajs-specific wrappers (`kafkajs-lz4`, `kafkajs-snappy`, `@kafkajs/zstd`) were
 * not taken: the first and last bind native addons built for old Node versions, and none bounds
 * what it inflates.
 *
 * Every decompression is bounded: a batch whose framing declares (or whose output reaches) more
 * than `maxBatchBytes` is refused with SHADOWDIFF_ERR_KAFKA_BATCH_TOO_LARGE before it is inflated,
 * so a decompression bomb on an input topic stops the consumer with a clear error instead of
 * exhausting memory.
 */
export const DEFAULT_MAX_BATCH_BYTES = 32 * 1024 * 1024;

interface Encoder {
  readonly buffer: Buffer;
}

export interface KafkajsCodec {
  compress(encoder: Encoder): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

function tooLarge(codec: string, what: string, maxBatchBytes: number): KafkaError {
  return new KafkaError(
    KafkaErrorCode.BATCH_TOO_LARGE,
    `a ${codec}-compressed record batch ${what}, more than kafka.maxBatchBytes (${maxBatchBytes} bytes): refused before inflating it. ` +
      'Raise kafka.maxBatchBytes if the producer legitimately writes batches this large.',
  );
}

function malformed(codec: string, what: string): KafkaError {
  return new KafkaError(KafkaErrorCode.BATCH_MALFORMED, `a ${codec}-compressed record batch is malformed: ${what}`);
}

function checkOutput(codec: string, output: Buffer, maxBatchBytes: number): Buffer {
  if (output.length > maxBatchBytes) throw tooLarge(codec, `inflated to ${output.length} bytes`, maxBatchBytes);
  return output;
}

const gunzip = promisify(zlib.gunzip);
const gzip = promisify(zlib.gzip);
/** Node's zlib has zstd from 22.15 on; on an older Node, zstd batches stay unreadable (kafkajs says so). */
const HAS_ZSTD = typeof zlib.zstdDecompress === 'function';
const zstdDecompress = HAS_ZSTD ? promisify(zlib.zstdDecompress) : undefined;
const zstdCompress = HAS_ZSTD ? promisify(zlib.zstdCompress) : undefined;

/** zlib stops at maxOutputLength with ERR_BUFFER_TOO_LARGE; that becomes the project's error. */
async function boundedZlib(
  codec: string,
  inflate: (buffer: Buffer, options: { maxOutputLength: number }) => Promise<Buffer>,
  buffer: Buffer,
  maxBatchBytes: number,
): Promise<Buffer> {
  try {
    return await inflate(buffer, { maxOutputLength: maxBatchBytes });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(codec, 'inflates past the bound', maxBatchBytes);
    throw malformed(codec, (error as Error).message);
  }
}

/** Reads a little-endian base-128 varint (snappy's length preamble); null when it is cut short. */
function varint(buffer: Buffer, at: number): number | null {
  let value = 0;
  let scale = 1;
  for (let i = at; i < buffer.length && i < at + 5; i++) {
    const byte = buffer[i]!;
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return value;
    scale *= 128;
  }
  return null;
}

/** snappy-java's stream framing ("xerial"), which Java producers write: magic, version, compatible version. */
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_BYTES = 16;

/**
 * The raw snappy blocks of a batch: one (librdkafka, kafkajs) or a sequence of length-prefixed
 * chunks after the xerial header (the Java client). Each declares its inflated length up front.
 */
function snappyBlocks(buffer: Buffer): Buffer[] {
  if (buffer.length < XERIAL_HEADER_BYTES || !buffer.subarray(0, XERIAL_MAGIC.length).equals(XERIAL_MAGIC)) return [buffer];
  const blocks: Buffer[] = [];
  let at = XERIAL_HEADER_BYTES;
  while (at + 4 <= buffer.length) {
    const size = buffer.readUInt32BE(at);
    at += 4;
    if (at + size > buffer.length) throw malformed('snappy', `a chunk of ${size} bytes runs past the end of the batch`);
    blocks.push(buffer.subarray(at, at + size));
    at += size;
  }
  return blocks;
}

const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK_MAX = [0, 0, 0, 0, 64 * 1024, 256 * 1024, 1024 * 1024, 4 * 1024 * 1024];

/**
 * The most an LZ4 frame sequence can inflate to, read from the frames' headers and block sizes
 * without inflating anything: the content size where a frame declares it, else its block count
 * times its maximum block size.
 */
export function lz4Bound(buffer: Buffer, maxBatchBytes: number): number {
  let total = 0;
  let at = 0;
  while (at < buffer.length) {
    if (at + 7 > buffer.length) throw malformed('lz4', 'a frame header is cut short');
    const magic = buffer.readUInt32LE(at);
    if ((magic & 0xfffffff0) === 0x184d2a50) {
      // A skippable frame: its size follows, nothing in it inflates.
      at += 8 + buffer.readUInt32LE(at + 4);
      continue;
    }
    if (magic !== LZ4_MAGIC) throw malformed('lz4', `not an LZ4 frame (magic 0x${magic.toString(16)})`);
    const flags = buffer[at + 4]!;
    const blockMax = LZ4_BLOCK_MAX[(buffer[at + 5]! >> 4) & 0x07]!;
    if (blockMax === 0) throw malformed('lz4', 'an invalid block size in the frame descriptor');
    const blockChecksum = (flags & 0x10) !== 0;
    const contentSize = (flags & 0x08) !== 0;
    const contentChecksum = (flags & 0x04) !== 0;
    const dictionary = (flags & 0x01) !== 0;
    let declared: number | null = null;
    at += 6;
    if (contentSize) {
      if (at + 8 > buffer.length) throw malformed('lz4', 'a frame header is cut short');
      declared = Number(buffer.readBigUInt64LE(at));
      at += 8;
    }
    if (dictionary) at += 4;
    at += 1; // header checksum
    let blocks = 0;
    for (;;) {
      if (at + 4 > buffer.length) throw malformed('lz4', 'a frame ends without its end mark');
      const word = buffer.readUInt32LE(at);
      at += 4;
      if (word === 0) break;
      const size = word & 0x7fffffff;
      if (size > blockMax) throw malformed('lz4', `a block of ${size} bytes in a frame of ${blockMax}-byte blocks`);
      at += size + (blockChecksum ? 4 : 0);
      blocks += 1;
      // Blocks × block size bounds what the frame inflates to, whatever it declares.
      if (total + blocks * blockMax > maxBatchBytes) {
        throw tooLarge('lz4', `holds ${blocks} blocks of up to ${blockMax} bytes`, maxBatchBytes);
      }
    }
    if (contentChecksum) at += 4;
    total += Math.min(declared ?? Number.POSITIVE_INFINITY, blocks * blockMax);
    if (total > maxBatchBytes) throw tooLarge('lz4', `declares ${total} bytes or more`, maxBatchBytes);
  }
  return total;
}

export interface CompressionCodecSet {
  readonly gzip: KafkajsCodec;
  readonly snappy: KafkajsCodec;
  readonly lz4: KafkajsCodec;
  readonly zstd: KafkajsCodec;
}

/** The four codecs, each refusing a batch that inflates past `maxBatchBytes`. */
export function createCompressionCodecs(maxBatchBytes: number = DEFAULT_MAX_BATCH_BYTES): CompressionCodecSet {
  return {
    gzip: {
      compress: (encoder) => gzip(encoder.buffer),
      decompress: (buffer) => boundedZlib('gzip', gunzip, buffer, maxBatchBytes),
    },
    zstd: {
      compress: (encoder) => (zstdCompress ? zstdCompress(encoder.buffer) : Promise.reject(new Error('zstd needs Node.js 22.15 or later'))),
      decompress: (buffer) =>
        zstdDecompress ? boundedZlib('zstd', zstdDecompress, buffer, maxBatchBytes) : Promise.reject(malformed('zstd', 'reading zstd needs Node.js 22.15 or later')),
    },
    snappy: {
      compress: (encoder) => snappy.compress(encoder.buffer),
      async decompress(buffer) {
        const blocks = snappyBlocks(buffer);
        let declared = 0;
        for (const block of blocks) {
          const length = varint(block, 0);
          if (length === null) throw malformed('snappy', 'a block without its length preamble');
          declared += length;
          if (declared > maxBatchBytes) throw tooLarge('snappy', `declares ${declared} bytes or more`, maxBatchBytes);
        }
        const parts = await Promise.all(blocks.map((block) => snappy.uncompress(block, { asBuffer: true }) as Promise<Buffer>)).catch((error: unknown) => {
          throw malformed('snappy', (error as Error).message);
        });
        return checkOutput('snappy', parts.length === 1 ? parts[0]! : Buffer.concat(parts), maxBatchBytes);
      },
    },
    lz4: {
      compress: (encoder) => lz4.compressFrame(encoder.buffer),
      async decompress(buffer) {
        lz4Bound(buffer, maxBatchBytes);
        const output = await lz4.decompressFrame(buffer).catch((error: unknown) => {
          throw malformed('lz4', (error as Error).message);
        });
        return checkOutput('lz4', output, maxBatchBytes);
      },
    },
  };
}

let registeredBound: number | undefined;

// kafkajs is CommonJS: Node's ESM loader sees its registry only through the default export.
const { CompressionCodecs, CompressionTypes } = kafkajs;

/**
 * Registers the four codecs with kafkajs for every client of the process. kafkajs keeps one codec
 * registry per process, so the bound is per process too: the strictest one asked for applies.
 */
export function registerCompressionCodecs({ maxBatchBytes = DEFAULT_MAX_BATCH_BYTES }: { maxBatchBytes?: number } = {}): void {
  if (registeredBound !== undefined && registeredBound <= maxBatchBytes) return;
  registeredBound = maxBatchBytes;
  const codecs = createCompressionCodecs(maxBatchBytes);
  CompressionCodecs[CompressionTypes.GZIP] = () => codecs.gzip;
  CompressionCodecs[CompressionTypes.Snappy] = () => codecs.snappy;
  CompressionCodecs[CompressionTypes.LZ4] = () => codecs.lz4;
  CompressionCodecs[CompressionTypes.ZSTD] = () => codecs.zstd;
}
