import lz4 from 'lz4-napi';
import snappy from 'snappy';
import { describe, expect, it } from 'vitest';
import { createCompressionCodecs, KafkaErrorCode, lz4Bound } from '../src/index.ts';

const text = Buffer.from(JSON.stringify(Array.from({ length: 500 }, (_, i) => ({ id: `order-${i}`, amount: i * 1.5, items: ['a', 'b'] }))));
const BOUND = 1024 * 1024;
const codecs = createCompressionCodecs(BOUND);
const names = ['gzip', 'snappy', 'lz4', 'zstd'] as const;

/** snappy-java's stream framing, as a Java producer writes it: magic, versions, then length-prefixed raw chunks. */
function xerial(chunks: readonly Uint8Array[]): Buffer {
  const header = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1]);
  const parts: Uint8Array[] = [header];
  for (const chunk of chunks) {
    const size = Buffer.alloc(4);
    size.writeUInt32BE(chunk.length);
    parts.push(size, chunk);
  }
  return Buffer.concat(parts);
}

describe('compression codecs', () => {
  it.each(names)('%s: what it compresses inflates back to the same bytes', async (name) => {
    const packed = await codecs[name].compress({ buffer: text });
    expect(packed.length).toBeLessThan(text.length);
    expect((await codecs[name].decompress(packed)).equals(text)).toBe(true);
  });

  it('snappy: reads the framing Java producers write (xerial chunks) as well as raw blocks', async () => {
    const half = text.length >> 1;
    const framed = xerial([snappy.compressSync(text.subarray(0, half)), snappy.compressSync(text.subarray(half))]);
    expect((await codecs.snappy.decompress(framed)).equals(text)).toBe(true);
  });

  it.each(names)('%s: a batch that would inflate past the bound is refused, not inflated', async (name) => {
    const bomb = await codecs[name].compress({ buffer: Buffer.alloc(BOUND * 4) });
    expect(bomb.length).toBeLessThan(BOUND / 4);
    await expect(codecs[name].decompress(bomb)).rejects.toMatchObject({ code: KafkaErrorCode.BATCH_TOO_LARGE, retriable: false });
  });

  it('snappy: a chunk whose declared length passes the bound is refused before anything is inflated', async () => {
    // A lying preamble: 2 GiB declared in five varint bytes, followed by nothing.
    const liar = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x08]);
    await expect(codecs.snappy.decompress(liar)).rejects.toMatchObject({ code: KafkaErrorCode.BATCH_TOO_LARGE });
    await expect(codecs.snappy.decompress(xerial([liar]))).rejects.toMatchObject({ code: KafkaErrorCode.BATCH_TOO_LARGE });
  });

  it('lz4: the bound is read from the frame (block count × block size, or the declared content size)', () => {
    const frame = lz4.compressFrameSync(text);
    const bound = lz4Bound(frame, BOUND);
    expect(bound).toBeGreaterThanOrEqual(text.length);
    expect(bound).toBeLessThanOrEqual(4 * 1024 * 1024);
  });

  it('lz4: a cut or foreign frame is malformed, with the reason', async () => {
    const frame = lz4.compressFrameSync(text);
    await expect(codecs.lz4.decompress(frame.subarray(0, frame.length - 6))).rejects.toMatchObject({
      code: KafkaErrorCode.BATCH_MALFORMED,
      message: expect.stringContaining('end mark'),
    });
    await expect(codecs.lz4.decompress(Buffer.from('not lz4 at all'))).rejects.toMatchObject({ code: KafkaErrorCode.BATCH_MALFORMED });
  });

  it('lz4: a frame that declares a small content size is still bounded by its blocks', () => {
    const frame = lz4.compressFrameSync(Buffer.alloc(BOUND * 4));
    expect(frame[4]! & 0x08).toBe(0);
    const size = Buffer.alloc(8);
    size.writeBigUInt64LE(1n);
    // The same blocks behind a header that claims one byte of content.
    const liar = Buffer.concat([frame.subarray(0, 4), Buffer.from([frame[4]! | 0x08, frame[5]!]), size, Buffer.from([0]), frame.subarray(7)]);
    expect(() => lz4Bound(liar, BOUND)).toThrow(expect.objectContaining({ code: KafkaErrorCode.BATCH_TOO_LARGE }));
  });

  it.each(['gzip', 'zstd', 'snappy'] as const)('%s: a corrupt batch is malformed, not retriable (the consumer stops rather than retrying it forever)', async (name) => {
    const packed = Buffer.from(await codecs[name].compress({ buffer: text }));
    for (let i = 12; i < packed.length - 8; i += 7) packed[i] = packed[i]! ^ 0x5a;
    await expect(codecs[name].decompress(packed)).rejects.toMatchObject({ code: KafkaErrorCode.BATCH_MALFORMED, retriable: false });
  });
});
