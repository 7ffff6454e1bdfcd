import type { ConnectionOptions } from 'node:tls';
import type { TlsOption } from './schema.ts';

/**
 * Node's TLS options from a connection's `tls`/`ssl` setting, for kafkajs, ioredis and fetch
 * agents alike; undefined when the connection is plain.
 */
export function tlsConnectionOptions(tls: TlsOption): ConnectionOptions | undefined {
  if (tls === undefined) return undefined;
  if (tls === true) return { rejectUnauthorized: true };
  return {
    rejectUnauthorized: tls.rejectUnauthorized,
    ...(tls.ca ? { ca: tls.ca.reveal() } : {}),
    ...(tls.cert ? { cert: tls.cert.reveal() } : {}),
    ...(tls.key ? { key: tls.key.reveal() } : {}),
    ...(tls.passphrase ? { passphrase: tls.passphrase.reveal() } : {}),
    ...(tls.servername ? { servername: tls.servername } : {}),
  };
}
