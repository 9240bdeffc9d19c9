/** functions/http.ts: the edge every function shares (headers, error mapping, auth per route, bounded JSON). */
import {
  type HttpEvent,
  type HttpRequest,
  httpFunction,
  MAX_BODY_BYTES,
  MAX_JSON_DEPTH,
  MAX_STRING_LENGTH,
  type RouteHandler,
  SECURITY_HEADERS,
} from '../../functions/http';
import { ROUTES, routeKey } from '../../functions/routes';
import { ValidationError } from '../../lib/errors';
import { type Logger, silentLogger } from '../../lib/log';
import type { TokenSource } from '../../lib/ports';

const ADMIN = 'am_admin_unit_0123456789abcdef';
const INGEST = 'am_ingest_unit_0123456789abcde';
const tokens: TokenSource = { tokens: async () => ({ admin: [ADMIN], ingest: [INGEST] }) };

function setup(override: Partial<Record<string, RouteHandler>> = {}) {
  const seen: HttpRequest[] = [];
  const lines: string[] = [];
  const log: Logger = {
    info: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
    warn: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
    error: (msg, fields) => lines.push(JSON.stringify({ msg, ...fields })),
  };
  const echo: RouteHandler = async (request) => {
    seen.push(request);
    return { status: 200, body: { ok: true } };
  };
  const handlers = (name: 'api' | 'ingest') =>
    Object.fromEntries(
      ROUTES.filter((r) => r.function === name).map((r) => [routeKey(r), override[routeKey(r)] ?? echo]),
    );
  return {
    api: httpFunction('api', handlers('api'), { tokens, log }),
    ingest: httpFunction('ingest', handlers('ingest'), { tokens, log }),
    seen,
    lines,
  };
}

function event(routeKey: string, options: { token?: string; body?: string; headers?: Record<string, string> } = {}) {
  const [method = 'GET', path = '/'] = routeKey.split(' ');
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  if (options.token) headers.Authorization = `Bearer ${options.token}`;
  return {
    version: '2.0',
    routeKey,
    rawPath: path,
    rawQueryString: '',
    headers,
    requestContext: { http: { method, path } },
    body: options.body,
    isBase64Encoded: false,
  } as unknown as HttpEvent;
}

const json = (res: { body?: string }) => JSON.parse(res.body ?? 'null');

describe('httpFunction', () => {
  it('refuses to build a function with a route of the table unhandled', () => {
    expect(() => httpFunction('ingest', {}, { tokens, log: silentLogger })).toThrow(/no handler/);
  });

  it('adds the security headers to answers and errors, and never a CORS wildcard', async () => {
    const { api } = setup();
    for (const res of [
      await api(event('GET /healthz')),
      await api(event('GET /v1/config')),
      await api(event('GET /nope')),
      await api(event('PUT /v1/config/server', { token: ADMIN, body: '{' })),
    ]) {
      expect(res.headers).toMatchObject(SECURITY_HEADERS);
      expect(Object.keys(res.headers ?? {}).map((k) => k.toLowerCase())).not.toContain('access-control-allow-origin');
    }
  });

  it('answers 401 with a WWW-Authenticate challenge, 403 for the wrong role, and the error shape', async () => {
    const { api, ingest } = setup();
    const anonymous = await api(event('GET /v1/config'));
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.headers?.['www-authenticate']).toBe('Bearer realm="alertmail"');
    expect(json(anonymous)).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String), details: [] } });
    const wrongRole = await api(event('GET /v1/config', { token: INGEST }));
    expect(wrongRole.statusCode).toBe(403);
    expect(json(wrongRole).error.code).toBe('FORBIDDEN');
    expect((await ingest(event('POST /v1/alerts', { token: ADMIN, body: '{}' }))).statusCode).toBe(200);
    expect((await ingest(event('POST /v1/alerts', { token: INGEST, body: '{}' }))).statusCode).toBe(200);
  });

  it('checks the token before it reads the body', async () => {
    const { api } = setup();
    const res = await api(event('PUT /v1/config/server', { body: 'not json', headers: { 'content-type': 'x/y' } }));
    expect(res.statusCode).toBe(401);
  });

  it('passes parsed JSON and the role to the handler', async () => {
    const { api, seen } = setup();
    await api(event('PATCH /v1/config', { token: ADMIN, body: '{"enabled":false}' }));
    expect(seen[0]?.body).toEqual({ enabled: false });
    expect(seen[0]?.role).toBe('admin');
  });

  it.each([
    ['missing', undefined],
    ['text/plain on a config route', 'text/plain'],
    ['form encoded', 'application/x-www-form-urlencoded'],
    ['multipart', 'multipart/form-data; boundary=x'],
    ['a look-alike', 'application/jsonx'],
    ['a non-UTF-8 charset', 'application/json; charset=utf-16'],
  ])('answers 415 naming content-type when the content type is %s', async (_name, type) => {
    const { api } = setup();
    const headers: Record<string, string> = type === undefined ? {} : { 'content-type': type };
    const ev = event('PATCH /v1/config', { token: ADMIN, body: '{"enabled":true}' });
    ev.headers = { authorization: `Bearer ${ADMIN}`, ...headers };
    const res = await api(ev);
    expect(res.statusCode).toBe(415);
    expect(json(res).error.details).toEqual([{ field: 'content-type', message: expect.any(String) }]);
  });

  it('accepts application/json with a UTF-8 charset, +json types, and text/plain on ingest (SNS)', async () => {
    const { api, ingest } = setup();
    const body = '{"enabled":true}';
    for (const type of ['application/json; charset=UTF-8', 'Application/JSON', 'application/merge-patch+json']) {
      const res = await api(event('PATCH /v1/config', { token: ADMIN, body, headers: { 'content-type': type } }));
      expect(res.statusCode).toBe(200);
    }
    const sns = await ingest(
      event('POST /v1/alerts', { token: INGEST, body, headers: { 'content-type': 'text/plain' } }),
    );
    expect(sns.statusCode).toBe(200);
  });

  it('answers 413 past the body cap', async () => {
    const { api } = setup();
    const body = JSON.stringify({ a: 'x'.repeat(MAX_BODY_BYTES) });
    const res = await api(event('PUT /v1/config/server', { token: ADMIN, body }));
    expect(res.statusCode).toBe(413);
    expect(json(res).error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: [{ field: '(body)' }] });
  });

  it('bounds nesting depth', async () => {
    const { api } = setup();
    const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
    expect(
      (await api(event('PUT /v1/config/conditions', { token: ADMIN, body: deep(MAX_JSON_DEPTH) }))).statusCode,
    ).toBe(200);
    const res = await api(event('PUT /v1/config/conditions', { token: ADMIN, body: deep(MAX_JSON_DEPTH + 1) }));
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details[0].field).toBe('(body)');
  });

  it.each([
    ['a string past the cap', { server: { host: 'x'.repeat(MAX_STRING_LENGTH + 1) } }, 'server.host'],
    ['a key past the cap', { labels: { ['k'.repeat(1025)]: 'v' } }, 'labels.'],
    ['a lone surrogate', { alerts: [{ labels: { a: 'x\ud800y' } }] }, 'alerts[0].labels.a'],
    ['a lone surrogate in a key', { '\udc00': 1 }, '"?"'],
    ['a __proto__ key', JSON.parse('{"a":{"__proto__":{"polluted":true}}}'), 'a.__proto__'],
  ])('refuses %s with a 400 naming the field', async (_name, value, field) => {
    const { api } = setup();
    const res = await api(event('PUT /v1/config/server', { token: ADMIN, body: JSON.stringify(value) }));
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details[0].field).toContain(field);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('keeps constructor and prototype keys as plain data', async () => {
    const { api, seen } = setup();
    const res = await api(
      event('PUT /v1/config/conditions', { token: ADMIN, body: '{"constructor":{"prototype":{"x":1}}}' }),
    );
    expect(res.statusCode).toBe(200);
    expect(seen[0]?.body).toEqual({ constructor: { prototype: { x: 1 } } });
  });

  it('answers invalid JSON with a position, quoting none of the body', async () => {
    const { api } = setup();
    const secret = 'hunter2-very-secret-password';
    const res = await api(event('PUT /v1/config/server', { token: ADMIN, body: `{"password": ${secret}}` }));
    expect(res.statusCode).toBe(400);
    expect(res.body).not.toContain('hunter2');
    expect(json(res).error).toMatchObject({ code: 'VALIDATION_FAILED', details: [{ field: '(body)' }] });
  });

  it('refuses a path parameter that is not valid percent-encoding (400 naming it)', async () => {
    const { api, seen } = setup();
    const ev = event('DELETE /v1/config/recipients/{address}', { token: ADMIN });
    ev.pathParameters = { address: '%E0%A4%A' };
    const res = await api(ev);
    expect(res.statusCode).toBe(400);
    expect(json(res).error.details).toEqual([{ field: 'address', message: expect.any(String) }]);
    ev.pathParameters = { address: 'a%40example.com' };
    expect((await api(ev)).statusCode).toBe(200);
    expect(seen[0]?.pathParameters.address).toBe('a%40example.com');
  });

  it('maps core errors to their status and unknown failures to a 500 without internals or logged messages', async () => {
    const secret = 'smtp-password-in-an-error';
    const { api, lines } = setup({
      'PATCH /v1/config': async () => {
        throw new ValidationError('bad', [{ field: 'enabled', message: 'must be a boolean' }]);
      },
      'PUT /v1/config/server': async () => {
        throw new Error(`boom ${secret}`);
      },
    });
    const bad = await api(event('PATCH /v1/config', { token: ADMIN, body: '{}' }));
    expect(bad.statusCode).toBe(400);
    expect(json(bad)).toEqual({
      error: {
        code: 'VALIDATION_FAILED',
        message: 'bad',
        details: [{ field: 'enabled', message: 'must be a boolean' }],
      },
    });
    const boom = await api(event('PUT /v1/config/server', { token: ADMIN, body: '{}' }));
    expect(boom.statusCode).toBe(500);
    expect(json(boom).error.code).toBe('INTERNAL');
    expect(boom.body).not.toContain(secret);
    expect(lines.join('\n')).not.toContain(secret);
    expect(lines.join('\n')).toContain('unexpected error');
  });

  it('answers 404 for a route of another function', async () => {
    const { ingest } = setup();
    expect((await ingest(event('GET /v1/config', { token: ADMIN }))).statusCode).toBe(404);
  });
});
