import { spawn } from 'node:child_process';
import { requireTool } from './prerequisites.ts';

/**
 * Produces `key\tvalue` lines with kcat (librdkafka: the producer of most Go, Python and C
 * services), compressed with `codec` (none, gzip, snappy, lz4, zstd), many records to a batch,
 * every one acknowledged by all in-sync replicas.
 */
export function kcatProduce(brokers: string, topic: string, codec: string, lines: readonly string[]): Promise<void> {
  const kcat = requireTool('kcat');
  return new Promise((resolve, reject) => {
    const child = spawn(
      kcat,
      ['-P', '-b', brokers, '-t', topic, '-K', '\t', '-z', codec, '-X', 'linger.ms=100', '-X', 'batch.num.messages=10000', '-X', 'acks=all', '-X', 'message.max.bytes=4000000'],
      { stdio: ['pipe', 'ignore', 'pipe'] },
    );
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`kcat exited ${code}: ${stderr}`))));
    child.stdin.end(lines.map((l) => `${l}\n`).join(''));
  });
}
