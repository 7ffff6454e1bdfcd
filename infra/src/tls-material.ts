import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A local certificate authority and one server certificate it signed, as PEM files (and PKCS#12 for Java). */
export interface TlsMaterial {
  readonly dir: string;
  /** The CA's certificate: what a client trusts. */
  readonly caFile: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The server's key and certificate chain for a JVM (Kafka's keystore). */
  readonly pkcs12File: string;
  readonly pkcs12Password: string;
  /** A client certificate and key signed by the same CA (for servers that ask for one). */
  readonly clientCertFile: string;
  readonly clientKeyFile: string;
}

function openssl(dir: string, ...args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

/**
 * Generates a throwaway CA, a server certificate for 127.0.0.1 and localhost, and a client
 * certificate, with openssl (no keytool needed: Java reads the PKCS#12 file). For tests and
 * local brokers only; the keys are unencrypted files in `dir`.
 */
export function generateTlsMaterial(dir: string, subject = 'shadowdiff-local'): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const pkcs12Password = randomBytes(12).toString('hex');
  const days = '30';
  openssl(dir, 'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'ca.key', '-out', 'ca.pem', '-days', days, '-subj', `/CN=${subject} test CA`);
  const sign = (name: string, cn: string, extensions: string) => {
    writeFileSync(join(dir, `${name}.ext`), extensions);
    openssl(dir, 'req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`);
    openssl(dir, 'x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-out', `${name}.pem`, '-days', days, '-extfile', `${name}.ext`);
  };
  sign('server', 'localhost', 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  sign('client', `${subject}-client`, 'extendedKeyUsage=clientAuth\n');
  openssl(dir, 'pkcs12', '-export', '-inkey', 'server.key', '-in', 'server.pem', '-certfile', 'ca.pem', '-name', 'server', '-out', 'server.p12', '-passout', `pass:${pkcs12Password}`);
  for (const file of ['server.pem', 'server.key', 'server.p12', 'client.pem', 'client.key']) {
    if (!existsSync(join(dir, file))) throw new Error(`openssl did not write ${file} in ${dir}`);
  }
  return {
    dir,
    caFile: join(dir, 'ca.pem'),
    certFile: join(dir, 'server.pem'),
    keyFile: join(dir, 'server.key'),
    pkcs12File: join(dir, 'server.p12'),
    pkcs12Password,
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
  };
}
