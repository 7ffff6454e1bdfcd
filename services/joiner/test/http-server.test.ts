import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createJoinerHttpServer, type JoinerHealth } from '../src/http-server.ts';

let close: (() => Promise<void>) | undefined;
afterEach(async () => close?.());

describe("the joiner's /healthz", () => {
  it.each<[JoinerHealth, number]>([
    ['ok', 200],
    ['starting', 503],
    ['restarting', 503],
    ['stopping', 503],
    ['failed', 503],
  ])('%s answers %i', async (health, status) => {
    const server = createJoinerHttpServer(new Registry(), () => health);
    close = () => server.close();
    const port = await server.listen(0, '127.0.0.1');
    const response = await fetch(`http://127.0.0.1:${port}/healthz`);
    expect([response.status, await response.json()]).toEqual([status, { status: health }]);
  });
});
