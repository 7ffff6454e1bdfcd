import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { httpStatusOfCode } from '@shadowdiff/errors';
import { JoinerErrorCode } from './errors.ts';

export interface JoinerHttpServer {
  /** The port actually bound (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  close(): Promise<void>;
}

/** What /healthz says: only `ok` answers 200. */
export type JoinerHealth = 'ok' | 'starting' | 'restarting' | 'stopping' | 'failed';

/** `/metrics` (Prometheus text format) and `/healthz`; nothing else. */
export function createJoinerHttpServer(registry: Registry, health: () => JoinerHealth): JoinerHttpServer {
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET' && req.url === '/metrics') {
      registry
        .metrics()
        .then((body) => {
          res.writeHead(200, { 'content-type': registry.contentType });
          res.end(body);
        })
        .catch((error: unknown) => {
          res.writeHead(500, { 'content-type': 'text/plain' });
          res.end(String(error));
        });
      return;
    }
    if (req.method === 'GET' && req.url === '/healthz') {
      const status = health();
      res.writeHead(status === 'ok' ? 200 : 503, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ status }));
      return;
    }
    const status = httpStatusOfCode(JoinerErrorCode.NOT_FOUND) ?? 404;
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ statusCode: status, code: JoinerErrorCode.NOT_FOUND, error: 'Not Found', message: `${req.url} is not served here` }));
  });
  return {
    listen: (port, host = '127.0.0.1') =>
      new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(port, host, () => resolve((server.address() as AddressInfo).port));
      }),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
