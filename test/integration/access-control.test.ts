/**
 * Issue 5: every route of the contract, walked from the route table (a new route is covered
 * automatically), with no token, a malformed header, a wrong token, near misses and the wrong role;
 * basic auth for Alertmanager; public routes; token rotation; security headers.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { ROUTES, type RouteSpec } from '../../functions/routes';
import { alertmanagerFiring } from '../fixtures';
import { type ApiResponse, call, sleep, startTestRuntime, type TestRuntime } from './support';

/** A concrete request path for a route-table path. */
function concretePath(route: RouteSpec): string {
  return route.path.replace('{address}', 'nobody%40example.com').replace('{proxy+}', 'app.js');
}

function expectErrorShape(res: ApiResponse, code: string): void {
  expect(res.headers.get('content-type')).toMatch(/^application\/json/);
  expect(res.body).toEqual({ error: { code, message: expect.any(String), details: expect.any(Array) } });
}

const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

const protectedRoutes = ROUTES.filter((route) => route.role !== null);
const publicRoutes = ROUTES.filter((route) => route.role === null);
const adminRoutes = protectedRoutes.filter((route) => route.role === 'admin');
const ingestRoutes = protectedRoutes.filter((route) => route.role === 'ingest');
const label = (route: RouteSpec) => `${route.method} ${route.path}`;

describe('access control on every route', () => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('the route table protects every route but the documented public ones', () => {
    expect(publicRoutes.map(label).sort()).toEqual(
      ['GET /', 'GET /console/{proxy+}', 'GET /healthz', 'GET /v1/openapi.json'].sort(),
    );
    expect(adminRoutes.length).toBeGreaterThanOrEqual(9);
    expect(ingestRoutes.map(label).sort()).toEqual(['POST /api/v2/alerts', 'POST /v1/alerts']);
  });

  const rejections = (admin: () => string): Array<[string, () => Record<string, string>, number, string]> => [
    ['no Authorization header', () => ({}), 401, 'UNAUTHORIZED'],
    ['an empty Authorization header', () => ({ authorization: '' }), 401, 'UNAUTHORIZED'],
    ['a malformed header (no scheme)', () => ({ authorization: admin() }), 401, 'UNAUTHORIZED'],
    ['a malformed header (unknown scheme)', () => ({ authorization: `Token ${admin()}` }), 401, 'UNAUTHORIZED'],
    ['a malformed header (scheme only)', () => ({ authorization: 'Bearer' }), 401, 'UNAUTHORIZED'],
    ['a wrong token', () => ({ authorization: 'Bearer am_admin_this_is_not_the_token' }), 401, 'UNAUTHORIZED'],
    [
      'the token with one character changed',
      () => ({ authorization: `Bearer ${admin().slice(0, -1)}${admin().endsWith('A') ? 'B' : 'A'}` }),
      401,
      'UNAUTHORIZED',
    ],
    ['the token truncated', () => ({ authorization: `Bearer ${admin().slice(0, -1)}` }), 401, 'UNAUTHORIZED'],
    ['the token with a suffix', () => ({ authorization: `Bearer ${admin()}0` }), 401, 'UNAUTHORIZED'],
    ['the token upper-cased', () => ({ authorization: `Bearer ${admin().toUpperCase()}` }), 401, 'UNAUTHORIZED'],
    [
      'basic auth with a wrong password',
      () => ({ authorization: basic('admin', 'wrong-password-xyz') }),
      401,
      'UNAUTHORIZED',
    ],
  ];

  describe.each(protectedRoutes.map((route) => [label(route), route] as const))('%s', (_name, route) => {
    it.each(rejections(() => runtime.adminToken))('refuses %s', async (_what, headers, status, code) => {
      const res = await call(runtime.url, route.method, concretePath(route), {
        headers: headers(),
        // A valid-looking body: the refusal must come from the token, not from the body.
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }),
      });
      expect(res.status).toBe(status);
      expectErrorShape(res, code);
      if (status === 401) expect(res.headers.get('www-authenticate')).toMatch(/^Bearer/);
    });

    if (route.role === 'admin') {
      it('refuses the ingest token (403), bearer or basic', async () => {
        for (const authorization of [`Bearer ${runtime.ingestToken}`, basic('alertmanager', runtime.ingestToken)]) {
          const res = await call(runtime.url, route.method, concretePath(route), {
            headers: { authorization },
            ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }),
          });
          expect(res.status).toBe(403);
          expectErrorShape(res, 'FORBIDDEN');
        }
      });
    }

    it('lets the admin token past authorization', async () => {
      const res = await call(runtime.url, route.method, concretePath(route), {
        token: runtime.adminToken,
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { body: {} }),
      });
      expect([401, 403]).not.toContain(res.status);
      expect(res.status).toBeLessThan(500);
    });

    if (route.role === 'ingest') {
      it('accepts the ingest token as bearer and as basic auth (any user name)', async () => {
        for (const authorization of [
          `Bearer ${runtime.ingestToken}`,
          basic('alertmanager', runtime.ingestToken),
          basic('', runtime.ingestToken),
        ]) {
          const res = await call(runtime.url, route.method, concretePath(route), {
            headers: { authorization },
            body: route.path === '/api/v2/alerts' ? [] : alertmanagerFiring.body,
          });
          expect([401, 403]).not.toContain(res.status);
          expect(res.status).toBeLessThan(500);
        }
      });
    }
  });

  it('admin reaches the ingest routes with a real payload (202)', async () => {
    const res = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.adminToken,
      body: alertmanagerFiring.body,
    });
    expect(res.status).toBe(202);
  });

  it.each(publicRoutes.map((route) => [label(route), route] as const))('%s needs no token', async (_name, route) => {
    const res = await call(runtime.url, route.method, concretePath(route));
    expect(res.status).toBe(200);
  });

  it('GET /local/mailbox needs the admin token', async () => {
    const anonymous = await call(runtime.url, 'GET', '/local/mailbox');
    expect(anonymous.status).toBe(401);
    expectErrorShape(anonymous, 'UNAUTHORIZED');
    const nearMiss = await call(runtime.url, 'GET', '/local/mailbox', { token: `${runtime.adminToken}x` });
    expect(nearMiss.status).toBe(401);
    const ingest = await call(runtime.url, 'GET', '/local/mailbox', { token: runtime.ingestToken });
    expect(ingest.status).toBe(403);
    expectErrorShape(ingest, 'FORBIDDEN');
    const admin = await call(runtime.url, 'GET', '/local/mailbox', { token: runtime.adminToken });
    expect(admin.status).toBe(200);
    expect(Array.isArray(admin.body.messages)).toBe(true);
  });

  it('sends the security headers on API answers, errors included, and never a CORS wildcard', async () => {
    const answers = [
      await call(runtime.url, 'GET', '/healthz'),
      await call(runtime.url, 'GET', '/v1/openapi.json'),
      await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken }),
      await call(runtime.url, 'GET', '/v1/config'),
      await call(runtime.url, 'PATCH', '/v1/config', {
        token: runtime.adminToken,
        rawBody: '{',
        headers: { 'content-type': 'application/json' },
      }),
      await call(runtime.url, 'GET', '/no/such/route'),
      await call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { nope: 1 } }),
    ];
    for (const res of answers) {
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      expect(res.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
    expect(answers[2]?.headers.get('cache-control')).toBe('no-store');
  });

  it('answers a cross-origin preflight without allowing the origin', async () => {
    const res = await fetch(`${runtime.url}/v1/config`, {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' },
    });
    await res.text();
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('serves the console with a strict CSP and the usual headers', async () => {
    for (const route of publicRoutes.filter((r) => r.function === 'console')) {
      const res = await call(runtime.url, 'GET', concretePath(route));
      expect(res.status).toBe(200);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("default-src 'none'");
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/unsafe-inline|unsafe-eval|\*/);
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('access-control-allow-origin')).toBeNull();
    }
  });
});

describe('token rotation', () => {
  let runtime: TestRuntime;
  const tokensFile = () => path.join(runtime.dataDir, 'secrets', 'api-tokens');
  const NEW_ADMIN = 'am_admin_rotated_0123456789abcdefgh';
  const NEW_INGEST = 'am_ingest_rotated_0123456789abcdefg';
  const status = async (token: string, route = '/v1/config') =>
    (route === '/v1/config'
      ? await call(runtime.url, 'GET', route, { token })
      : await call(runtime.url, 'POST', route, { token, body: [] })
    ).status;

  beforeAll(async () => {
    runtime = await startTestRuntime({ env: { ALERTMAIL_TOKEN_CACHE_SECONDS: '1' } });
  });
  afterAll(async () => {
    await runtime?.stop();
  });

  it('accepts old and new token side by side, then only the new one after the cache time', async () => {
    const oldAdmin = runtime.adminToken;
    const oldIngest = runtime.ingestToken;
    expect(await status(oldAdmin)).toBe(200);
    expect(await status(NEW_ADMIN)).toBe(401);

    // Step 1: add the new tokens beside the old ones.
    await fs.writeFile(tokensFile(), JSON.stringify({ admin: [oldAdmin, NEW_ADMIN], ingest: [oldIngest, NEW_INGEST] }));
    await sleep(1_200);
    expect(await status(oldAdmin)).toBe(200);
    expect(await status(NEW_ADMIN)).toBe(200);
    expect(await status(oldIngest, '/api/v2/alerts')).toBe(202);
    expect(await status(NEW_INGEST, '/api/v2/alerts')).toBe(202);
    expect(await status(NEW_INGEST)).toBe(403);

    // Step 2: clients switched; remove the old tokens.
    await fs.writeFile(tokensFile(), JSON.stringify({ admin: [NEW_ADMIN], ingest: [NEW_INGEST] }));
    await sleep(1_200);
    expect(await status(oldAdmin)).toBe(401);
    expect(await status(oldIngest, '/api/v2/alerts')).toBe(401);
    expect(await status(NEW_ADMIN)).toBe(200);
    expect(await status(NEW_INGEST, '/api/v2/alerts')).toBe(202);
  });

  it('lets no one in (and leaks nothing) while the tokens file is broken', async () => {
    await fs.writeFile(tokensFile(), `{"admin":["${NEW_ADMIN}"`);
    await sleep(1_200);
    const res = await call(runtime.url, 'GET', '/v1/config', { token: NEW_ADMIN });
    expect(res.status).toBeGreaterThanOrEqual(500);
    expect(res.text).not.toContain(NEW_ADMIN);
    expect(runtime.logs.join('\n')).not.toContain(NEW_ADMIN);
    await fs.writeFile(tokensFile(), JSON.stringify({ admin: [NEW_ADMIN], ingest: [NEW_INGEST] }));
    await sleep(1_200);
    expect(await status(NEW_ADMIN)).toBe(200);
  });
});
