import { readFileSync } from 'node:fs';
import { connect } from 'node:net';
import { fileURLToPath } from 'node:url';
import { buildApi, type Api } from '@shadowdiff/api';
import { parseConfig } from '@shadowdiff/config';
import { cleanUpPrefix, testKafka, uniqueId } from '@shadowdiff/testing';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

// A black-box abuse run: the real API on a real socket over the real Redis, hostile requests
// written byte by byte (so that absolute-form targets, odd encodings and malformed requests reach
// the server as sent). Every answer must carry a documented code, none may be a 5xx, and nothing
// may change without an operator token.
const OPERATOR = 'op-7f3a9c1e5b2d4f60';
const READER = 'rd-0a1b2c3d4e5f6a7b';
const DOCUMENTED = new Set([...readFileSync(fileURLToPath(new URL('../../docs/errors.md', import.meta.url)), 'utf8').matchAll(/`(SHADOWDIFF_ERR_[A-Z_]+)`/g)].map((m) => m[1]));

interface Answer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly body: string;
}

/** Sends one request exactly as written and reads the answer to the end (connection: close). */
function raw(port: number, request: string | Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error('no answer within 10 s')));
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const status = Number((head[0] ?? '').split(' ')[1]);
      const headers = Object.fromEntries(head.slice(1).map((line) => [line.slice(0, line.indexOf(':')).toLowerCase(), line.slice(line.indexOf(':') + 1).trim()]));
      let body = text.slice(split + 4);
      if (headers['transfer-encoding'] === 'chunked') {
        let out = '';
        for (let rest = body; ; ) {
          const eol = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, eol), 16);
          if (!(size > 0)) break;
          out += rest.slice(eol + 2, eol + 2 + size);
          rest = rest.slice(eol + 2 + size + 2);
        }
        body = out;
      }
      resolve({ status, headers, body });
    });
    socket.write(request);
  });
}

function request(method: string, target: string, { headers = {}, body }: { headers?: Record<string, string>; body?: string } = {}): string {
  const lines = [`${method} ${target} HTTP/1.1`, ...Object.entries({ host: '127.0.0.1', connection: 'close', ...headers }).map(([k, v]) => `${k}: ${v}`)];
  if (body !== undefined) lines.push(`content-length: ${Buffer.byteLength(body)}`);
  return `${lines.join('\r\n')}\r\n\r\n${body ?? ''}`;
}

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

describe('the API under a few hundred hostile requests (real socket, real Redis)', () => {
  const prefix = uniqueId('abuse');
  const redisUrl = inject('redisUrl');
  const redis = new Redis(redisUrl);
  let api: Api;
  let port: number;
  const answers: { what: string; answer: Answer }[] = [];
  const send = async (what: string, text: string | Buffer) => {
    const answer = await raw(port, text);
    answers.push({ what, answer });
    return answer;
  };
  const mode = async (name: string) => JSON.parse((await raw(port, request('GET', `/api/v1/comparisons/${name}/mode`, { headers: bearer(READER) }))).body) as { mode: string };
  const history = async (name: string) =>
    (JSON.parse((await raw(port, request('GET', `/api/v1/comparisons/${name}/mode/history`, { headers: bearer(READER) }))).body) as { history: { actor: string }[] }).history;

  beforeAll(async () => {
    const config = parseConfig(
      `
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
topics: { prefix: "${prefix}" }
api:
  tokens:
    - { name: oncall, role: operator, value: { env: OPERATOR } }
    - { name: viewer, role: read, value: { env: READER } }
  rateLimit: { max: 100000, window: 1m }
comparisons:
  - { name: x, old: { topic: "${prefix}.a" }, new: { topic: "${prefix}.b" }, window: 10s, mode: shadow }
  - { name: y, old: { topic: "${prefix}.c" }, new: { topic: "${prefix}.d" }, window: 10s, mode: old }
`,
      'abuse.yaml',
      { OPERATOR, READER },
    );
    api = buildApi({ config, readVerdicts: false, logger: pino({ level: 'silent' }) });
    await api.start();
    port = await api.listen(0);
  });

  afterAll(async () => {
    await api?.stop();
    await cleanUpPrefix(testKafka(inject('brokers')), redis, prefix);
    redis.disconnect();
  });

  it('lets no spelling of the mode route, no method and no forged credential change the mode', async () => {
    const body = JSON.stringify({ mode: 'new', reason: 'hand traffic to the candidate', force: true });
    const json = { 'content-type': 'application/json' };
    const targets = [
      '/api/v1/comparisons/x/mode',
      '/%61pi/v1/comparisons/x/mode',
      '/ap%69/v1/comparisons/x/mode',
      '/%61%70%69/%76%31/comparisons/x/mode',
      '/api/v1/comparisons/%78/mode',
      '/api/v1/comparisons/x/mod%65',
      '/api/v1/comparisons/x/mode/',
      '/api/v1/comparisons/x/mode;jsessionid=1',
      '/api/v1/comparisons/x/mode?force=true',
      '/api/v1/comparisons/x/mode%00',
      '/api/v1/comparisons/x/mode%2f',
      '/api%2fv1/comparisons/x/mode',
      '/%2561pi/v1/comparisons/x/mode',
      '//api/v1/comparisons/x/mode',
      '/api//v1/comparisons/x/mode',
      '/api/v1/./comparisons/x/mode',
      '/api/v1/comparisons/../comparisons/x/mode',
      '/API/V1/comparisons/x/mode',
      '/api/v1/comparisons/X/mode',
      'http://127.0.0.1/api/v1/comparisons/x/mode',
      'http://localhost:1/api/v1/comparisons/x/mode',
      'http://evil.example/api/v1/comparisons/x/mode',
      'HTTP://127.0.0.1/%61pi/v1/comparisons/x/mode',
    ];
    const credentials: Record<string, string>[] = [
      {},
      { authorization: 'Bearer ' },
      { authorization: 'Bearer wrong-token' },
      { authorization: `Bearer ${READER}` },
      { authorization: `bearer ${READER}` },
      { authorization: `Bearer ${OPERATOR.slice(0, -1)}` },
      { authorization: `Bearer ${OPERATOR}x` },
      { authorization: `Bearer  ${OPERATOR.toUpperCase()}` },
      { authorization: `Basic ${Buffer.from(`oncall:${OPERATOR}`).toString('base64')}` },
      { authorization: OPERATOR },
      { 'x-api-token': OPERATOR },
      { cookie: `token=${OPERATOR}` },
    ];
    for (const target of targets) {
      for (const method of ['PUT', 'POST', 'PATCH', 'DELETE']) {
        for (const headers of credentials) {
          const answer = await send(`${method} ${target} ${JSON.stringify(headers)}`, request(method, target, { headers: { ...json, ...headers }, body }));
          expect(answer.status, `${method} ${target}`).toBeGreaterThanOrEqual(400);
        }
      }
    }
    // Two Authorization headers, one of them the operator's: refused, not "any one will do".
    const doubled = await send('two authorization headers', `PUT /api/v1/comparisons/x/mode HTTP/1.1\r\nhost: 127.0.0.1\r\nconnection: close\r\ncontent-type: application/json\r\nauthorization: Bearer ${READER}\r\nauthorization: Bearer ${OPERATOR}\r\ncontent-length: ${body.length}\r\n\r\n${body}`);
    expect(doubled.status).toBeGreaterThanOrEqual(400);
    expect(await mode('x')).toMatchObject({ mode: 'shadow' });
    expect(await history('x')).toEqual([]);

    // The operator token, through the spellings the router takes for the route, does change it, as "oncall".
    for (const target of ['/%61pi/v1/comparisons/x/mode', 'http://127.0.0.1/api/v1/comparisons/x/mode']) {
      const back = await send(`operator ${target}`, request('PUT', target, { headers: { ...json, ...bearer(OPERATOR) }, body: JSON.stringify({ mode: (await mode('x')).mode === 'shadow' ? 'reverse_shadow' : 'shadow', reason: 'ok', force: true }) }));
      expect(back.status, `${target}: ${back.body}`).toBe(200);
    }
    expect((await history('x')).map((h) => h.actor)).toEqual(['oncall', 'oncall']);
  });

  it('answers hostile parameters, bodies, headers and malformed requests with a documented 4xx', async () => {
    const reads = ['/api/v1/comparisons/x/summary', '/api/v1/comparisons/x/discrepancies', '/api/v1/comparisons/x/mode/history', '/api/v1/comparisons/x/dead-letters'];
    const values = ['2016-12-31T23:59:60Z', '2016-12-31T23:59:60.5Z', 'Infinity', '-Infinity', 'NaN', '1e309', '-1', '0', '1.5', '0x10', '%20%205', '5,6', '999999999999999999999', '9999-99-99', '2020-02-30T00:00:00Z', '275760-09-13T00:00:00.001Z', '%00', '%', '%E0%A4%A', 'a'.repeat(5000), '[]', '{}', 'true', 'null', '<script>'];
    const names = ['since', 'until', 'limit', 'cursor', 'verdict', 'bucket', 'key', 'path', '__proto__', 'constructor'];
    for (const path of reads) {
      for (const name of names) {
        for (const value of values) {
          await send(`${path}?${name}=${value.slice(0, 20)}`, request('GET', `${path}?${name}=${value}`, { headers: bearer(READER) }));
        }
      }
      await send(`${path} repeated`, request('GET', `${path}?limit=1&limit=2&since=2020-01-01T00:00:00Z&since=x`, { headers: bearer(READER) }));
      await send(`${path} array`, request('GET', `${path}?limit[]=1&limit[0]=2`, { headers: bearer(READER) }));
    }
    for (const target of ['/api/v1/comparisons/x/discrepancies/' + 'f'.repeat(32), '/api/v1/comparisons/x/discrepancies/../../y/mode', `/api/v1/comparisons/${'a'.repeat(400)}/summary`, '/api/v1/comparisons/%2e%2e/summary', '/api/v1/comparisons/x/discrepancies/%0d%0aSet-Cookie:%20a=b']) {
      await send(target, request('GET', target, { headers: bearer(READER) }));
    }

    const bodies: [string, string | undefined][] = [
      ['application/json', '{bad'],
      ['application/json', ''],
      ['application/json', 'null'],
      ['application/json', '[]'],
      ['application/json', '"shadow"'],
      ['application/json', '{"__proto__":{"mode":"new"},"mode":"old","reason":"r"}'],
      ['application/json', '{"constructor":{"prototype":{"x":1}},"mode":"old","reason":"r"}'],
      ['application/json', '{"mode":"nuevo","reason":"r"}'],
      ['application/json', '{"mode":"old","reason":""}'],
      ['application/json', JSON.stringify({ mode: 'old', reason: 'r'.repeat(2000) })],
      ['application/json', '{"mode":"old","reason":"r","force":"yes"}'],
      ['application/json', '{"mode":"old","reason":"r","actor":"mallory"}'],
      ['application/json', JSON.stringify({ mode: 'old', reason: 'x'.repeat(40_000) })],
      ['application/json; charset=utf-7', '{"mode":"old","reason":"r"}'],
      ['text/plain', '{"mode":"old","reason":"r"}'],
      ['application/x-www-form-urlencoded', 'mode=old&reason=r'],
      ['multipart/form-data; boundary=x', '--x\r\ncontent-disposition: form-data; name="mode"\r\n\r\nold\r\n--x--'],
      ['application/xml', '<mode>old</mode>'],
      ['', '{"mode":"old","reason":"r"}'],
      ['application/json', undefined],
    ];
    for (const [type, body] of bodies) {
      await send(`PUT body ${type} ${String(body).slice(0, 40)}`, request('PUT', '/api/v1/comparisons/x/mode', { headers: { ...(type ? { 'content-type': type } : {}), ...bearer(OPERATOR) }, ...(body === undefined ? {} : { body }) }));
    }

    for (const host of ['evil.example', '127.0.0.1.evil.example', 'localhost.evil.example', 'evil.example:8080', '', 'localhost@evil.example', '127.0.0.1:80@evil']) {
      const answer = await send(`host ${host}`, request('GET', '/api/v1/comparisons', { headers: { ...bearer(READER), host } }));
      expect(answer.status, host).toBe(403);
    }
    await send('two hosts', `GET /api/v1/comparisons HTTP/1.1\r\nhost: 127.0.0.1\r\nhost: evil.example\r\nconnection: close\r\nauthorization: Bearer ${READER}\r\n\r\n`);
    await send('huge header', request('GET', '/api/v1/comparisons', { headers: { ...bearer(READER), 'x-filler': 'f'.repeat(20_000) } }));
    for (const line of ['GARBAGE\r\n\r\n', 'GET /api/v1/comparisons HTTP/9.9\r\nhost: 127.0.0.1\r\n\r\n', 'GET /api/v1/comparisons HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-length: -1\r\n\r\n', 'GET /api/v1/comparisons HTTP/1.1\r\nhost: 127.0.0.1\r\ntransfer-encoding: chunked\r\ncontent-length: 3\r\n\r\nabc']) {
      await send(`malformed ${JSON.stringify(line.slice(0, 30))}`, line);
    }

    expect(answers.length).toBeGreaterThan(1500);
    const bad = answers.filter(({ answer }) => {
      if (answer.status >= 500 || !(answer.status >= 200)) return true;
      if (answer.status < 400) return false;
      try {
        const parsed = JSON.parse(answer.body) as { statusCode?: number; code?: string; error?: string; message?: string };
        return !(parsed.statusCode === answer.status && typeof parsed.code === 'string' && DOCUMENTED.has(parsed.code) && typeof parsed.error === 'string' && typeof parsed.message === 'string');
      } catch {
        return true;
      }
    });
    expect(bad.map(({ what, answer }) => `${what} → ${answer.status} ${answer.body.slice(0, 120)}`)).toEqual([]);
    // Nothing internal in any answer.
    for (const { what, answer } of answers) expect(answer.body, what).not.toMatch(/ioredis|ReplyError|at .*\.ts:\d+|ECONNREFUSED|FST_ERR/);
    // None of the bodies was a change the API took (a UTF-7 "JSON" body is refused, not read as UTF-8).
    expect(answers.filter((a) => a.what.startsWith('PUT body') && a.answer.status < 400).map((a) => a.what)).toEqual([]);
    expect(await mode('x')).toMatchObject({ mode: 'shadow' });
  });

  it('settles concurrent mode changes: one operator change wins, every other answer is a documented refusal', async () => {
    const change = (headers: Record<string, string>) =>
      raw(port, request('PUT', '/api/v1/comparisons/y/mode', { headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ mode: 'shadow', reason: 'race' }) }));
    const all = await Promise.all([...Array.from({ length: 20 }, () => change(bearer(OPERATOR))), ...Array.from({ length: 20 }, () => change(bearer(READER))), ...Array.from({ length: 20 }, () => change({}))]);
    const statuses = all.map((a) => a.status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(1);
    expect(statuses.slice(0, 20).filter((s) => s === 409)).toHaveLength(19);
    expect(statuses.slice(20, 40)).toEqual(Array(20).fill(403));
    expect(statuses.slice(40)).toEqual(Array(20).fill(401));
    for (const a of all.filter((x) => x.status !== 200)) expect(DOCUMENTED.has((JSON.parse(a.body) as { code: string }).code)).toBe(true);
    expect(await mode('y')).toMatchObject({ mode: 'shadow' });
    expect((await history('y')).map((h) => h.actor)).toEqual(['oncall']);
  });
});

describe('per-client rate limit on the expensive reads', () => {
  it('answers 429 with a documented code and retry-after past api.rateLimit, and leaves cheap reads alone', async () => {
    const prefix = uniqueId('rate');
    const redisUrl = inject('redisUrl');
    const config = parseConfig(
      `
redis: { url: "${redisUrl}", keyPrefix: "${prefix}" }
api: { rateLimit: { max: 3, window: 1m } }
comparisons:
  - { name: x, old: { topic: a }, new: { topic: b }, window: 10s }
`,
      'rate.yaml',
    );
    const api = buildApi({ config, readVerdicts: false, logger: pino({ level: 'silent' }) });
    await api.start();
    try {
      const port = await api.listen(0);
      const statuses: number[] = [];
      let last: Answer | undefined;
      for (let i = 0; i < 5; i += 1) {
        last = await raw(port, request('GET', '/api/v1/comparisons/x/discrepancies'));
        statuses.push(last.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429, 429]);
      expect(JSON.parse(last?.body ?? '{}')).toMatchObject({ statusCode: 429, code: 'SHADOWDIFF_ERR_API_RATE_LIMITED', error: 'Too Many Requests' });
      expect(Number(last?.headers['retry-after'])).toBeGreaterThan(0);
      expect((await raw(port, request('GET', '/api/v1/comparisons/x/mode'))).status).toBe(200);
    } finally {
      await api.stop();
    }
  });
});
