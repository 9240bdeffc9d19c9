/**
 * The deployed entry points (functions/api.ts, ingest.ts, console.ts `handler`) fed the events
 * API Gateway's HTTP API really sends (payload format 2.0, test/fixtures/apigateway): base64
 * bodies, headers joined with commas, cookies, decoded path parameters, query strings, the
 * `$default` stage. The functions read the same DynamoDB Local tables and data directory as a
 * local runtime started beside them, and every route in ROUTES must answer an API Gateway event
 * as it answers the same request sent to `npm start`.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { HttpHandler, HttpResponse } from '../../functions/http';
import { ROUTES, type RouteSpec, routeKey } from '../../functions/routes';
import {
  GATEWAY_EVENT_FILES,
  type GatewayEventName,
  gatewayEvent,
  type HttpApiEventV2,
  loadGatewayEvent,
  withBearer,
} from '../fixtures/apigateway';
import { alertmanagerFiring } from '../fixtures/index';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

let runtime: TestRuntime;
let smtp: TestSmtpServer;
let handlers: Record<RouteSpec['function'], HttpHandler>;

beforeAll(async () => {
  const tablePrefix = `g${randomBytes(6).toString('hex')}-`;
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'alertmail-gateway-'));
  // The function environment the stack would set, pointed at the local tables and secret files.
  Object.assign(process.env, {
    AWS_REGION: 'us-east-1',
    ALERTMAIL_CONFIG_TABLE: `${tablePrefix}config`,
    ALERTMAIL_STATE_TABLE: `${tablePrefix}state`,
    ALERTMAIL_DELIVERIES_TABLE: `${tablePrefix}deliveries`,
    ALERTMAIL_SECRETS_BACKEND: 'file',
    ALERTMAIL_DATA_DIR: dataDir,
    ALERTMAIL_DYNAMODB_ENDPOINT: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
  });
  [runtime, smtp] = await Promise.all([startTestRuntime({ tablePrefix, dataDir }), startSmtpServer()]);
  await mailThrough(runtime, smtp, ['oncall@example.com', 'team@example.com']);
  const [api, ingest, consoleModule] = await Promise.all([
    import('../../functions/api'),
    import('../../functions/ingest'),
    import('../../functions/console'),
  ]);
  handlers = { api: api.handler, ingest: ingest.handler, console: consoleModule.handler as HttpHandler };
}, 60_000);

afterAll(async () => {
  await Promise.all([runtime?.stop(), smtp?.stop()]);
});

function routeOf(key: string): RouteSpec {
  const route = ROUTES.find((r) => routeKey(r) === key);
  if (!route) throw new Error(`no route ${key}`);
  return route;
}

/** Invokes the function that serves the event's route, as API Gateway's integration does. */
function invoke(event: HttpApiEventV2): Promise<HttpResponse> {
  return handlers[routeOf(event.routeKey).function](event, {});
}

function json(response: HttpResponse): any {
  return JSON.parse(response.body ?? 'null');
}

const admin = (event: HttpApiEventV2) => withBearer(event, runtime.adminToken);

describe('the captured events', () => {
  it.each(Object.keys(GATEWAY_EVENT_FILES) as GatewayEventName[])(
    '%s is a $default-stage event of a route alertmail serves',
    (name) => {
      const event = loadGatewayEvent(name);

      expect(event.version).toBe('2.0');
      expect(event.requestContext.stage).toBe('$default');
      expect(event.requestContext.routeKey).toBe(event.routeKey);
      expect(ROUTES.map(routeKey)).toContain(event.routeKey);
      expect(event.rawPath).toBe(event.requestContext.http.path);
      expect(Object.keys(event.headers).every((h) => h === h.toLowerCase())).toBe(true);
    },
  );
});

describe('the stage', () => {
  it('routes by routeKey: on a named stage, whose rawPath carries the stage, the answer is the same', async () => {
    const onDefault = admin(loadGatewayEvent('getDeliveries'));
    const onProd: HttpApiEventV2 = {
      ...onDefault,
      rawPath: `/prod${onDefault.rawPath}`,
      requestContext: {
        ...onDefault.requestContext,
        stage: 'prod',
        http: { ...onDefault.requestContext.http, path: `/prod${onDefault.rawPath}` },
      },
    };

    const [a, b] = [await invoke(onDefault), await invoke(onProd)];

    expect(a.statusCode).toBe(200);
    expect(b.statusCode).toBe(200);
    expect(json(b)).toEqual(json(a));
  });
});

describe('POST /v1/alerts with a base64-encoded body', () => {
  it('decodes it, ingests the Alertmanager webhook and emails it', async () => {
    // Arrange
    const event = withBearer(loadGatewayEvent('postAlertsBase64'), runtime.ingestToken);
    const before = smtp.received.length;

    // Act
    const response = await invoke(event);

    // Assert
    expect(response.statusCode).toBe(202);
    expect(json(response)).toMatchObject({ received: 2, matched: 2, notified: 2 });
    const mails = await smtp.waitFor(before + 1);
    expect(mails.at(-1)?.parsed.subject).toContain('KubePodCrashLooping');
  });

  it('refuses a base64 form body (what curl -d sends) with 415 naming content-type', async () => {
    const event = gatewayEvent('/v1/alerts', {
      method: 'POST',
      target: '/v1/alerts',
      headers: [
        ['Authorization', `Bearer ${runtime.ingestToken}`],
        ['Content-Type', 'application/x-www-form-urlencoded'],
      ],
      body: JSON.stringify(alertmanagerFiring.body),
      base64: true,
    });

    const response = await invoke(event);

    expect(response.statusCode).toBe(415);
    expect(json(response).error.details).toEqual([{ field: 'content-type', message: expect.any(String) }]);
  });
});

describe('DELETE /v1/config/recipients/{address} with the address API Gateway decoded', () => {
  it('removes oncall@example.com (sent as oncall%40example.com), then answers 404', async () => {
    const event = admin(loadGatewayEvent('deleteRecipient'));

    const removed = await invoke(event);
    const again = await invoke(event);

    expect(removed.statusCode).toBe(204);
    expect(again.statusCode).toBe(404);
    const listed = await call(runtime.url, 'GET', '/v1/config/recipients', { token: runtime.adminToken });
    expect(listed.body.recipients).not.toContain('oncall@example.com');
    expect(listed.body.recipients).toContain('team@example.com');
  });

  it('keeps a + in the address a plus (oncall%2Bpayments%40example.com)', async () => {
    await call(runtime.url, 'POST', '/v1/config/recipients', {
      token: runtime.adminToken,
      body: { address: 'oncall+payments@example.com' },
    });
    const event = gatewayEvent('/v1/config/recipients/{address}', {
      method: 'DELETE',
      target: '/v1/config/recipients/oncall%2Bpayments%40example.com',
      headers: [['authorization', `Bearer ${runtime.adminToken}`]],
    });
    expect(event.pathParameters).toEqual({ address: 'oncall+payments@example.com' });

    const removed = await invoke(event);

    expect(removed.statusCode).toBe(204);
    const listed = await call(runtime.url, 'GET', '/v1/config/recipients', { token: runtime.adminToken });
    expect(listed.body.recipients).not.toContain('oncall+payments@example.com');
  });
});

describe('GET /v1/deliveries?limit=5 from a browser (cookies, joined accept and x-forwarded-for)', () => {
  it('answers the five newest deliveries', async () => {
    // Arrange: at least six deliveries.
    for (let i = 0; i < 6; i++) {
      const sent = await call(runtime.url, 'POST', '/v1/test-message', { token: runtime.adminToken, body: {} });
      expect(sent.status).toBe(200);
    }
    const all = await call(runtime.url, 'GET', '/v1/deliveries?limit=50', { token: runtime.adminToken });

    // Act
    const response = await invoke(admin(loadGatewayEvent('getDeliveries')));

    // Assert
    expect(response.statusCode).toBe(200);
    expect(json(response).deliveries).toEqual(all.body.deliveries.slice(0, 5));
  });

  it('does not take a cookie for a token: without authorization it is 401', async () => {
    const event = loadGatewayEvent('getDeliveries');
    delete event.headers.authorization;

    const response = await invoke(event);

    expect(response.statusCode).toBe(401);
    expect(json(response).error.code).toBe('UNAUTHORIZED');
  });

  it('refuses a limit repeated in the query (joined to "5,6") with 400 naming limit', async () => {
    const event = admin(loadGatewayEvent('getDeliveries'));
    event.rawQueryString = 'limit=5&limit=6';
    event.queryStringParameters = { limit: '5,6' };

    const response = await invoke(event);

    expect(response.statusCode).toBe(400);
    expect(json(response).error.details).toEqual([{ field: 'limit', message: expect.any(String) }]);
  });
});

describe('GET / from a browser', () => {
  it('serves the console page the local runtime serves', async () => {
    const local = await fetch(`${runtime.url}/`);

    const response = await invoke(loadGatewayEvent('getConsole'));

    expect(response.statusCode).toBe(200);
    expect(response.headers?.['content-type']).toBe('text/html; charset=utf-8');
    expect(response.body).toBe(await local.text());
  });
});

// ---------------------------------------------------------------------------------------------
// Every route: the same request through API Gateway and through the local runtime.

interface RouteRequest {
  readonly target: string;
  readonly body?: unknown;
}

interface RouteCase {
  readonly status: number;
  /** Runs before each of the two requests; `tag` tells them apart (`local`, `gateway`). */
  readonly arrange?: (tag: string) => Promise<void>;
  readonly request: (tag: string) => RouteRequest;
}

const silenceBody = () => ({
  matchers: [{ label: 'alertname', operator: 'In', values: ['GatewaySilence'] }],
  endsAt: new Date(Date.now() + 3_600_000).toISOString(),
});
const silenceIds = new Map<string, string>();
async function createSilence(tag: string): Promise<void> {
  const created = await call(runtime.url, 'POST', '/v1/silences', { token: runtime.adminToken, body: silenceBody() });
  expect(created.status).toBe(201);
  silenceIds.set(tag, created.body.id);
}
const WINDOW = { timezone: 'Europe/Berlin', intervals: [{ weekdays: ['saturday', 'sunday'] }] };
async function putWindow(name: string): Promise<void> {
  const put = await call(runtime.url, 'PUT', `/v1/mute-windows/${name}`, { token: runtime.adminToken, body: WINDOW });
  expect(put.status).toBe(201);
}

const alertNow = (name: string) => ({
  labels: { alertname: name, severity: 'warning', instance: 'gateway-1' },
  annotations: { summary: `${name} through API Gateway` },
  startsAt: new Date(Date.now() - 60_000).toISOString(),
  endsAt: new Date(Date.now() + 3_600_000).toISOString(),
});

/** One request per route key; a route missing here fails the test below. */
const ROUTE_CASES: Readonly<Record<string, RouteCase>> = {
  'GET /healthz': { status: 200, request: () => ({ target: '/healthz' }) },
  'GET /v1/openapi.json': { status: 200, request: () => ({ target: '/v1/openapi.json' }) },
  'GET /v1/config': { status: 200, request: () => ({ target: '/v1/config' }) },
  'PATCH /v1/config': { status: 200, request: () => ({ target: '/v1/config', body: { sendResolved: true } }) },
  'PUT /v1/config/server': {
    status: 200,
    request: () => ({
      target: '/v1/config/server',
      body: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'alerts@example.com' },
    }),
  },
  'GET /v1/config/recipients': { status: 200, request: () => ({ target: '/v1/config/recipients' }) },
  'POST /v1/config/recipients': {
    status: 201,
    request: (tag) => ({ target: '/v1/config/recipients', body: { address: `added-${tag}@example.com` } }),
  },
  'DELETE /v1/config/recipients/{address}': {
    status: 204,
    arrange: async (tag) => {
      const added = await call(runtime.url, 'POST', '/v1/config/recipients', {
        token: runtime.adminToken,
        body: { address: `gone+${tag}@example.com` },
      });
      expect(added.status).toBe(201);
    },
    request: (tag) => ({ target: `/v1/config/recipients/${encodeURIComponent(`gone+${tag}@example.com`)}` }),
  },
  'PUT /v1/config/conditions': { status: 200, request: () => ({ target: '/v1/config/conditions', body: [] }) },
  'POST /v1/test-message': { status: 200, request: () => ({ target: '/v1/test-message', body: {} }) },
  'GET /v1/deliveries': { status: 200, request: () => ({ target: '/v1/deliveries?limit=5' }) },
  'GET /v1/silences': { status: 200, request: () => ({ target: '/v1/silences?state=pending' }) },
  'POST /v1/silences': { status: 201, request: () => ({ target: '/v1/silences', body: silenceBody() }) },
  'PUT /v1/silences/{id}': {
    status: 200,
    arrange: (tag) => createSilence(tag),
    request: (tag) => ({ target: `/v1/silences/${silenceIds.get(tag)}`, body: silenceBody() }),
  },
  'DELETE /v1/silences/{id}': {
    status: 204,
    arrange: (tag) => createSilence(tag),
    request: (tag) => ({ target: `/v1/silences/${silenceIds.get(tag)}` }),
  },
  'GET /v1/mute-windows': { status: 200, request: () => ({ target: '/v1/mute-windows' }) },
  'GET /v1/mute-windows/{name}': {
    status: 200,
    arrange: (tag) => putWindow(`get-${tag}`),
    request: (tag) => ({ target: `/v1/mute-windows/get-${tag}` }),
  },
  'PUT /v1/mute-windows/{name}': {
    status: 201,
    request: (tag) => ({ target: `/v1/mute-windows/put-${tag}`, body: WINDOW }),
  },
  'DELETE /v1/mute-windows/{name}': {
    status: 204,
    arrange: (tag) => putWindow(`del-${tag}`),
    request: (tag) => ({ target: `/v1/mute-windows/del-${tag}` }),
  },
  'POST /v1/alerts': {
    status: 202,
    request: (tag) => ({ target: '/v1/alerts', body: { alerts: [alertNow(`GatewayRoute-${tag}`)] } }),
  },
  'POST /api/v2/alerts': {
    status: 202,
    request: (tag) => ({ target: '/api/v2/alerts', body: [alertNow(`GatewayV2Route-${tag}`)] }),
  },
  'GET /': { status: 200, request: () => ({ target: '/' }) },
  'GET /console/{proxy+}': { status: 200, request: () => ({ target: '/console/app.js' }) },
};

/** The shape of a JSON value: the types of its fields, recursively; an array's distinct element shapes. */
function shape(value: unknown): unknown {
  if (value === null) return 'null';
  if (Array.isArray(value)) return [...new Set(value.map((item) => JSON.stringify(shape(item))))].sort();
  if (typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([key, item]) => [key, shape(item)]),
    );
  }
  return typeof value;
}

interface Answer {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly body: string;
}

/** What a JSON answer is compared by: its shape; any other answer by its bytes. */
function comparable(answer: Answer): unknown {
  const isJson = answer.contentType?.startsWith('application/json') && answer.body !== '';
  return {
    status: answer.status,
    contentType: answer.contentType,
    body: isJson ? shape(JSON.parse(answer.body)) : answer.body,
  };
}

function token(route: RouteSpec): string | undefined {
  if (route.role === 'admin') return runtime.adminToken;
  if (route.role === 'ingest') return runtime.ingestToken;
  return undefined;
}

function wireHeaders(route: RouteSpec, body: unknown): Array<[string, string]> {
  const headers: Array<[string, string]> = [
    ['Accept', 'application/json'],
    ['Accept', 'text/plain'],
    ['Cookie', 'am_console=collapsed; theme=dark'],
    ['X-Forwarded-For', '10.0.4.17'],
  ];
  const bearer = token(route);
  if (bearer) headers.push(['Authorization', `Bearer ${bearer}`]);
  if (body !== undefined) headers.push(['Content-Type', 'application/json']);
  return headers;
}

async function throughLocalRuntime(route: RouteSpec, request: RouteRequest): Promise<Answer> {
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const headers = new Headers();
  for (const [name, value] of wireHeaders(route, request.body)) headers.append(name, value);
  const res = await fetch(`${runtime.url}${request.target}`, { method: route.method, headers, body });
  return { status: res.status, contentType: res.headers.get('content-type') ?? undefined, body: await res.text() };
}

async function throughApiGateway(route: RouteSpec, request: RouteRequest): Promise<Answer> {
  const body = request.body === undefined ? undefined : JSON.stringify(request.body);
  const event = gatewayEvent(route.path, {
    method: route.method,
    target: request.target,
    headers: wireHeaders(route, request.body),
    body,
  });
  const res = await invoke(event);
  const raw = res.body ?? '';
  return {
    status: res.statusCode ?? 200,
    contentType: res.headers?.['content-type'] as string | undefined,
    body: res.isBase64Encoded ? Buffer.from(raw, 'base64').toString('utf8') : raw,
  };
}

describe('every route answers an API Gateway event as it answers the local runtime', () => {
  it('has a request for every route in ROUTES, and only for those', () => {
    expect(Object.keys(ROUTE_CASES).sort()).toEqual(ROUTES.map(routeKey).sort());
  });

  it.each(ROUTES.map((route) => [routeKey(route), route] as const))('%s', async (key, route) => {
    const routeCase = ROUTE_CASES[key];
    if (!routeCase) throw new Error(`add a request for ${key} to ROUTE_CASES`);

    await routeCase.arrange?.('local');
    const local = await throughLocalRuntime(route, routeCase.request('local'));
    await routeCase.arrange?.('gateway');
    const gateway = await throughApiGateway(route, routeCase.request('gateway'));

    expect(local.status).toBe(routeCase.status);
    expect(comparable(gateway)).toEqual(comparable(local));
  });
});
