/**
 * The OpenAPI document is the contract: it must be a well-formed OpenAPI 3.1 document, and every
 * real answer of every route (but the console's) must match the schema it declares for that status.
 * The bodies are checked with a small JSON Schema 2020-12 validator that refuses keywords it does
 * not know, so a schema can never pass by being misunderstood.
 */
import { ROUTES } from '../../functions/routes';
import {
  type ApiResponse,
  call,
  closedPort,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

type Schema = Record<string, any>;

const ANNOTATIONS = new Set([
  'description',
  'title',
  'examples',
  'example',
  'default',
  'deprecated',
  '$schema',
  'format',
]);
const ASSERTIONS = new Set([
  '$ref',
  'type',
  'enum',
  'const',
  'properties',
  'required',
  'additionalProperties',
  'items',
  'anyOf',
  'oneOf',
  'allOf',
  'not',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'minLength',
  'maxLength',
  'pattern',
  'minItems',
  'maxItems',
]);

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

/** Errors of `value` against `schema` (empty: valid). `$ref`s resolve against `root` (the OpenAPI document). */
function validate(schema: Schema | boolean, value: unknown, root: Schema, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  const errors: string[] = [];
  for (const keyword of Object.keys(schema)) {
    if (!ANNOTATIONS.has(keyword) && !ASSERTIONS.has(keyword)) errors.push(`${at}: unsupported keyword ${keyword}`);
  }
  if (schema.$ref) {
    const target = resolve(root, schema.$ref);
    if (!target) return [`${at}: unresolvable $ref ${schema.$ref}`];
    errors.push(...validate(target, value, root, at));
  }
  const actual = typeOf(value);
  if (schema.type !== undefined) {
    const types: string[] = Array.isArray(schema.type) ? schema.type : [schema.type];
    const ok = types.includes(actual) || (actual === 'integer' && types.includes('number'));
    if (!ok) return [...errors, `${at}: expected ${types.join('|')}, got ${actual}`];
  }
  if (schema.enum && !schema.enum.some((option: unknown) => JSON.stringify(option) === JSON.stringify(value))) {
    errors.push(`${at}: ${JSON.stringify(value)} is not one of ${JSON.stringify(schema.enum)}`);
  }
  if ('const' in schema && JSON.stringify(schema.const) !== JSON.stringify(value)) {
    errors.push(`${at}: expected ${JSON.stringify(schema.const)}`);
  }
  if (schema.format === 'date-time' && typeof value === 'string') {
    if (
      !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(value) ||
      Number.isNaN(Date.parse(value))
    )
      errors.push(`${at}: ${value} is not an RFC 3339 date-time`);
  }
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: below ${schema.minimum}`);
    if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: above ${schema.maximum}`);
    if (schema.exclusiveMinimum !== undefined && value <= schema.exclusiveMinimum) errors.push(`${at}: too small`);
    if (schema.exclusiveMaximum !== undefined && value >= schema.exclusiveMaximum) errors.push(`${at}: too large`);
  }
  if (typeof value === 'string') {
    const length = [...value].length;
    if (schema.minLength !== undefined && length < schema.minLength)
      errors.push(`${at}: shorter than ${schema.minLength}`);
    if (schema.maxLength !== undefined && length > schema.maxLength)
      errors.push(`${at}: longer than ${schema.maxLength}`);
    if (schema.pattern !== undefined && !new RegExp(schema.pattern, 'u').test(value))
      errors.push(`${at}: does not match ${schema.pattern}`);
  }
  if (Array.isArray(value)) {
    if (schema.minItems !== undefined && value.length < schema.minItems)
      errors.push(`${at}: fewer than ${schema.minItems} items`);
    if (schema.maxItems !== undefined && value.length > schema.maxItems)
      errors.push(`${at}: more than ${schema.maxItems} items`);
    if (schema.items !== undefined)
      for (const [i, item] of value.entries()) errors.push(...validate(schema.items, item, root, `${at}[${i}]`));
  }
  if (actual === 'object') {
    const object = value as Record<string, unknown>;
    for (const name of schema.required ?? []) if (!(name in object)) errors.push(`${at}: missing ${name}`);
    const properties: Record<string, Schema> = schema.properties ?? {};
    for (const [name, child] of Object.entries(object)) {
      if (properties[name]) errors.push(...validate(properties[name], child, root, `${at}.${name}`));
      else if (schema.additionalProperties !== undefined)
        errors.push(...validate(schema.additionalProperties, child, root, `${at}.${name}`));
    }
  }
  if (schema.allOf) for (const sub of schema.allOf) errors.push(...validate(sub, value, root, at));
  if (schema.anyOf && !schema.anyOf.some((sub: Schema) => validate(sub, value, root, at).length === 0))
    errors.push(`${at}: matches none of anyOf`);
  if (schema.oneOf) {
    const matching = schema.oneOf.filter((sub: Schema) => validate(sub, value, root, at).length === 0).length;
    if (matching !== 1) errors.push(`${at}: matches ${matching} of oneOf, not exactly one`);
  }
  if (schema.not && validate(schema.not, value, root, at).length === 0) errors.push(`${at}: matches not`);
  return errors;
}

function resolve(root: Schema, ref: string): Schema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: any = root;
  for (const part of ref.slice(2).split('/')) node = node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')];
  return node;
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) for (const item of node) collectRefs(item, out);
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

const apiRoutes = ROUTES.filter((route) => route.function !== 'console');
const docPath = (path: string) => path.replace('{proxy+}', '{proxy}');

describe('the OpenAPI contract', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let doc: Schema;
  /** Every real exchange: route key, request body, response. */
  const exchanges: Array<{ route: string; request?: unknown; response: ApiResponse }> = [];

  const exchange = async (
    method: string,
    path: string,
    route: string,
    options: { token?: 'admin' | 'ingest'; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
  ) => {
    const token =
      options.token === 'admin' ? runtime.adminToken : options.token === 'ingest' ? runtime.ingestToken : undefined;
    const response = await call(runtime.url, method, path, { ...options, token });
    exchanges.push({ route, request: options.body, response });
    return response;
  };

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    doc = (await call(runtime.url, 'GET', '/v1/openapi.json')).body;

    // Walk every route through its answers: success, validation, conflicts, auth, mail failures.
    const a = { token: 'admin' as const };
    await exchange('GET', '/healthz', 'GET /healthz');
    await exchange('GET', '/v1/openapi.json', 'GET /v1/openapi.json');
    await exchange('GET', '/v1/config', 'GET /v1/config', a);
    await exchange('POST', '/v1/test-message', 'POST /v1/test-message', a); // 400 NOT_CONFIGURED
    await exchange('PUT', '/v1/config/server', 'PUT /v1/config/server', {
      ...a,
      body: { host: '127.0.0.1', port: smtp.port, username: 'u', password: 'contract-pw', from: 'alerts@example.com' },
    });
    await exchange('PUT', '/v1/config/server', 'PUT /v1/config/server', {
      ...a,
      body: { host: '127.0.0.1', port: smtp.port, security: 'none', password: null, from: 'alerts@example.com' },
    });
    await exchange('PUT', '/v1/config/server', 'PUT /v1/config/server', {
      ...a,
      body: { host: 'bad host', from: 'x' },
    });
    await exchange('PUT', '/v1/config/server', 'PUT /v1/config/server', {
      ...a,
      rawBody: 'host=x',
      headers: { 'content-type': 'text/plain' },
    });
    await exchange('PUT', '/v1/config/server', 'PUT /v1/config/server', {
      ...a,
      rawBody: JSON.stringify({ host: 'x'.repeat(1_100_000) }),
      headers: { 'content-type': 'application/json' },
    });
    await exchange('GET', '/v1/config/recipients', 'GET /v1/config/recipients', a);
    await exchange('POST', '/v1/config/recipients', 'POST /v1/config/recipients', {
      ...a,
      body: { address: 'ops@example.com' },
    });
    await exchange('POST', '/v1/config/recipients', 'POST /v1/config/recipients', {
      ...a,
      body: { address: 'tmp@example.com' },
    });
    await exchange('POST', '/v1/config/recipients', 'POST /v1/config/recipients', {
      ...a,
      body: { address: 'OPS@example.com' },
    });
    await exchange('POST', '/v1/config/recipients', 'POST /v1/config/recipients', {
      ...a,
      body: { address: 'x <x@y.z>' },
    });
    await exchange('GET', '/v1/config/recipients', 'GET /v1/config/recipients', a);
    const del = 'DELETE /v1/config/recipients/{address}';
    await exchange('DELETE', '/v1/config/recipients/tmp%40example.com', del, a);
    await exchange('DELETE', '/v1/config/recipients/tmp%40example.com', del, a);
    await exchange('DELETE', '/v1/config/recipients/%E0%A4%A', del, a);
    await exchange('PUT', '/v1/config/conditions', 'PUT /v1/config/conditions', {
      ...a,
      body: [
        { label: 'severity', operator: 'In', values: ['critical'] },
        { label: 'team', operator: 'Exists' },
      ],
    });
    await exchange('PUT', '/v1/config/conditions', 'PUT /v1/config/conditions', {
      ...a,
      body: [{ label: 'severity', operator: 'In' }],
    });
    await exchange('PUT', '/v1/config/conditions', 'PUT /v1/config/conditions', { ...a, body: [] });
    await exchange('PATCH', '/v1/config', 'PATCH /v1/config', {
      ...a,
      body: { repeatInterval: '30m', sendResolved: true },
    });
    await exchange('PATCH', '/v1/config', 'PATCH /v1/config', { ...a, body: { repeatInterval: '1s' } });
    await exchange('POST', '/v1/test-message', 'POST /v1/test-message', a);
    await exchange('POST', '/v1/test-message', 'POST /v1/test-message', {
      ...a,
      body: { recipients: ['draft@example.com'] },
    });
    await exchange('POST', '/v1/test-message', 'POST /v1/test-message', {
      ...a,
      body: { server: { host: '127.0.0.1', port: await closedPort(), from: 'alerts@example.com' } },
    });
    await exchange('POST', '/v1/test-message', 'POST /v1/test-message', { ...a, body: { recipients: [] } });
    const alerts = { alerts: [{ labels: { alertname: 'Contract', severity: 'critical' }, status: 'firing' }] };
    await exchange('POST', '/v1/alerts', 'POST /v1/alerts', { token: 'ingest', body: alerts });
    await exchange('POST', '/v1/alerts', 'POST /v1/alerts', { token: 'ingest', body: { nope: 1 } });
    smtp.failNext(1);
    await exchange('POST', '/api/v2/alerts', 'POST /api/v2/alerts', {
      token: 'ingest',
      body: [{ labels: { alertname: 'ContractV2', severity: 'warning' } }],
    });
    await exchange('POST', '/api/v2/alerts', 'POST /api/v2/alerts', {
      token: 'ingest',
      body: [{ labels: { alertname: 'ContractV2', severity: 'warning' } }],
    });
    await exchange('GET', '/v1/deliveries', 'GET /v1/deliveries', a);
    await exchange('GET', '/v1/deliveries?limit=2', 'GET /v1/deliveries', a);
    await exchange('GET', '/v1/deliveries?limit=0', 'GET /v1/deliveries', a);
    // Silences and mute windows (issue 16): created, listed, edited, expired, refused.
    const hourLater = new Date(Date.now() + 3_600_000).toISOString();
    const silenceBody = { matchers: [{ label: 'alertname', operator: 'In', values: ['Held'] }], endsAt: hourLater };
    const created = await exchange('POST', '/v1/silences', 'POST /v1/silences', { ...a, body: silenceBody });
    await exchange('POST', '/v1/silences', 'POST /v1/silences', { ...a, body: { matchers: [], endsAt: 'soon' } });
    await exchange('POST', '/v1/alerts', 'POST /v1/alerts', {
      token: 'ingest',
      body: { alerts: [{ labels: { alertname: 'Held', severity: 'critical', team: 'x' }, status: 'firing' }] },
    });
    await exchange('GET', '/v1/deliveries?held=true', 'GET /v1/deliveries', a);
    await exchange('GET', '/v1/silences', 'GET /v1/silences', a);
    await exchange('GET', '/v1/silences?state=active', 'GET /v1/silences', a);
    await exchange('GET', '/v1/silences?state=soon', 'GET /v1/silences', a);
    const silencePath = `/v1/silences/${created.body.id}`;
    await exchange('PUT', silencePath, 'PUT /v1/silences/{id}', { ...a, body: { ...silenceBody, comment: 'longer' } });
    await exchange('PUT', silencePath, 'PUT /v1/silences/{id}', { ...a, body: { matchers: [] } });
    await exchange('PUT', '/v1/silences/00000000-0000-4000-8000-000000000000', 'PUT /v1/silences/{id}', {
      ...a,
      body: silenceBody,
    });
    await exchange('DELETE', silencePath, 'DELETE /v1/silences/{id}', a);
    await exchange('PUT', silencePath, 'PUT /v1/silences/{id}', { ...a, body: silenceBody }); // 409: expired
    await exchange('DELETE', '/v1/silences/nope', 'DELETE /v1/silences/{id}', a);
    await exchange('DELETE', '/v1/silences/00000000-0000-4000-8000-000000000000', 'DELETE /v1/silences/{id}', a);
    const windowBody = {
      timezone: 'Europe/Berlin',
      intervals: [{ weekdays: ['monday:friday'], times: [{ start: '18:00', end: '24:00' }] }],
    };
    await exchange('PUT', '/v1/mute-windows/evenings', 'PUT /v1/mute-windows/{name}', { ...a, body: windowBody });
    await exchange('PUT', '/v1/mute-windows/evenings', 'PUT /v1/mute-windows/{name}', { ...a, body: windowBody });
    await exchange('PUT', '/v1/mute-windows/evenings', 'PUT /v1/mute-windows/{name}', {
      ...a,
      body: { timezone: 'Mars/Olympus', intervals: [] },
    });
    await exchange('GET', '/v1/mute-windows', 'GET /v1/mute-windows', a);
    await exchange('GET', '/v1/mute-windows/evenings', 'GET /v1/mute-windows/{name}', a);
    await exchange('GET', '/v1/mute-windows/nope', 'GET /v1/mute-windows/{name}', a);
    await exchange('GET', '/v1/mute-windows/Bad_Name', 'GET /v1/mute-windows/{name}', a);
    await exchange('DELETE', '/v1/mute-windows/evenings', 'DELETE /v1/mute-windows/{name}', a);
    await exchange('DELETE', '/v1/mute-windows/evenings', 'DELETE /v1/mute-windows/{name}', a);
    const template = {
      subject: '{{ status }}',
      text: '{{ alerts.size }}',
      html: '<p>{{ commonLabels.alertname }}</p>',
    };
    await exchange('GET', '/v1/templates', 'GET /v1/templates', a);
    await exchange('GET', '/v1/templates/default', 'GET /v1/templates/{name}', a);
    await exchange('GET', '/v1/templates/absent', 'GET /v1/templates/{name}', a); // 404
    await exchange('GET', '/v1/templates/Bad_Name', 'GET /v1/templates/{name}', a); // 400
    await exchange('PUT', '/v1/templates/ops', 'PUT /v1/templates/{name}', { ...a, body: template });
    await exchange('PUT', '/v1/templates/ops', 'PUT /v1/templates/{name}', {
      ...a,
      body: { ...template, html: '{{ nope }}' },
    });
    await exchange('POST', '/v1/templates/preview', 'POST /v1/templates/preview', { ...a, body: { template: 'ops' } });
    await exchange('POST', '/v1/templates/preview', 'POST /v1/templates/preview', {
      ...a,
      body: { template, sample: 'resolved-many', send: true },
    });
    await exchange('POST', '/v1/templates/preview', 'POST /v1/templates/preview', {
      ...a,
      body: { template: 'default', alerts: [{ labels: { alertname: 'Preview' } }] },
    });
    await exchange('POST', '/v1/templates/preview', 'POST /v1/templates/preview', {
      ...a,
      body: { template: 'absent' },
    });
    await exchange('POST', '/v1/templates/preview', 'POST /v1/templates/preview', {
      ...a,
      body: { template: { ...template, text: '{% if %}' } },
    });
    await exchange('DELETE', '/v1/templates/ops', 'DELETE /v1/templates/{name}', a);
    await exchange('DELETE', '/v1/templates/ops', 'DELETE /v1/templates/{name}', a); // 404
    await exchange('DELETE', '/v1/templates/default', 'DELETE /v1/templates/{name}', a);
    await exchange('GET', '/v1/deliveries?route=default', 'GET /v1/deliveries', a);
    await exchange('GET', '/v1/deliveries?route=Not_A_Name', 'GET /v1/deliveries', a);
    const payments = { name: 'payments', recipients: ['pay@example.com'], conditions: [] };
    await exchange('POST', '/v1/routes', 'POST /v1/routes', { ...a, body: payments });
    await exchange('POST', '/v1/routes', 'POST /v1/routes', { ...a, body: payments }); // 409
    await exchange('POST', '/v1/routes', 'POST /v1/routes', {
      ...a,
      body: {
        name: 'database',
        recipients: ['db@example.com'],
        conditions: [{ label: 'team', operator: 'Matches', values: ['db-.*'] }],
        continue: true,
        repeatInterval: '4h',
      },
    });
    await exchange('POST', '/v1/routes', 'POST /v1/routes', {
      ...a,
      body: {
        name: 'bad',
        recipients: ['x@example.com'],
        conditions: [{ label: 't', operator: 'Matches', values: ['('] }],
      },
    });
    await exchange('GET', '/v1/routes', 'GET /v1/routes', a);
    await exchange('PUT', '/v1/routes/payments', 'PUT /v1/routes/{name}', {
      ...a,
      body: { recipients: ['pay@example.com', 'lead@example.com'], enabled: false },
    });
    await exchange('PUT', '/v1/routes/nope', 'PUT /v1/routes/{name}', {
      ...a,
      body: { recipients: ['x@example.com'] },
    });
    await exchange('PUT', '/v1/routes/order', 'PUT /v1/routes/order', {
      ...a,
      body: { names: ['database', 'payments'] },
    });
    await exchange('PUT', '/v1/routes/order', 'PUT /v1/routes/order', { ...a, body: { names: ['database'] } });
    await exchange('POST', '/v1/alerts/dry-run', 'POST /v1/alerts/dry-run', { ...a, body: alerts });
    await exchange('POST', '/v1/alerts/dry-run', 'POST /v1/alerts/dry-run', { ...a, body: { nope: 1 } });
    await exchange('DELETE', '/v1/routes/payments', 'DELETE /v1/routes/{name}', a);
    await exchange('DELETE', '/v1/routes/payments', 'DELETE /v1/routes/{name}', a);
    for (const route of apiRoutes.filter((r) => r.role !== null)) {
      const path = route.path.replace('{address}', 'ops%40example.com').replace('{name}', 'database');
      const body = route.method === 'GET' || route.method === 'DELETE' ? undefined : {};
      await exchange(route.method, path, `${route.method} ${route.path}`, { body });
      if (route.role === 'admin')
        await exchange(route.method, path, `${route.method} ${route.path}`, { token: 'ingest', body });
    }
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  it('is a well-formed OpenAPI 3.1 document describing every route of the route table', () => {
    expect(doc.openapi).toMatch(/^3\.1\.\d+$/);
    expect(typeof doc.info.title).toBe('string');
    expect(typeof doc.info.version).toBe('string');
    const operationIds: string[] = [];
    for (const route of ROUTES) {
      const operation = doc.paths[docPath(route.path)]?.[route.method.toLowerCase()];
      expect(operation).toBeDefined();
      operationIds.push(operation.operationId);
      expect(Object.keys(operation.responses).length).toBeGreaterThan(0);
      for (const [status, response] of Object.entries<Schema>(operation.responses)) {
        expect(status).toMatch(/^([1-5]\d\d|[1-5]XX|default)$/);
        expect(typeof response.description).toBe('string');
      }
      // Every template parameter is declared as a required path parameter.
      for (const [, name] of docPath(route.path).matchAll(/\{(\w+)\}/g)) {
        expect(operation.parameters).toContainEqual(expect.objectContaining({ name, in: 'path', required: true }));
      }
      for (const requirement of operation.security ?? []) {
        for (const scheme of Object.keys(requirement)) expect(doc.components.securitySchemes[scheme]).toBeDefined();
      }
      expect((operation.security ?? []).length > 0).toBe(route.role !== null);
      if (route.role !== null) expect(Object.keys(operation.responses)).toEqual(expect.arrayContaining(['401', '403']));
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
    expect(Object.keys(doc.paths).sort()).toEqual([...new Set(ROUTES.map((r) => docPath(r.path)))].sort());
    for (const ref of collectRefs(doc)) expect(resolve(doc, ref)).toBeDefined();
  });

  it('declares only schemas the validator fully understands', () => {
    for (const [name, schema] of Object.entries<Schema>(doc.components.schemas)) {
      // Validating against a throwaway value reports unsupported keywords anywhere on the path taken;
      // walk every subschema explicitly instead.
      const stack: unknown[] = [schema];
      while (stack.length > 0) {
        const node = stack.pop();
        if (!node || typeof node !== 'object') continue;
        if (Array.isArray(node)) {
          stack.push(...node);
          continue;
        }
        const record = node as Schema;
        for (const [key, value] of Object.entries(record)) {
          if (key === 'properties') stack.push(...Object.values(value as object));
          else if (['items', 'additionalProperties', 'not'].includes(key)) stack.push(value);
          else if (['anyOf', 'oneOf', 'allOf'].includes(key)) stack.push(...(value as unknown[]));
          else if (!ANNOTATIONS.has(key) && !ASSERTIONS.has(key))
            throw new Error(`${name}: unsupported keyword ${key}`);
        }
      }
    }
  });

  it('calls every route but the console with a real request', () => {
    const called = new Set(exchanges.map((e) => e.route));
    for (const route of apiRoutes) expect(called).toContain(`${route.method} ${route.path}`);
    const statuses = new Set(exchanges.map((e) => e.response.status));
    for (const status of [200, 201, 202, 204, 400, 401, 403, 404, 409, 413, 415, 502, 503])
      expect(statuses).toContain(status);
  });

  it('every real answer matches the schema the document declares for its route and status', () => {
    const problems: string[] = [];
    for (const { route, response } of exchanges) {
      const [method = '', path = ''] = route.split(' ');
      const operation = doc.paths[docPath(path)][method.toLowerCase()];
      const declared = operation.responses[String(response.status)];
      if (!declared) {
        problems.push(`${route}: status ${response.status} is not declared (${response.text.slice(0, 200)})`);
        continue;
      }
      const content = declared.content?.['application/json'];
      if (!content) {
        if (response.text !== '') problems.push(`${route} ${response.status}: declares no body but got one`);
        continue;
      }
      expect(response.headers.get('content-type')).toMatch(/^application\/json/);
      for (const error of validate(content.schema, response.body, doc))
        problems.push(`${route} ${response.status}: ${error}`);
    }
    expect(problems).toEqual([]);
  });

  it('every request the API accepted matches the request schema the document declares', () => {
    const problems: string[] = [];
    for (const { route, request, response } of exchanges) {
      if (response.status >= 300 || request === undefined) continue;
      const [method = '', path = ''] = route.split(' ');
      const body = doc.paths[docPath(path)][method.toLowerCase()].requestBody;
      if (!body) {
        problems.push(`${route}: accepted a body but declares none`);
        continue;
      }
      for (const error of validate(body.content['application/json'].schema, request, doc))
        problems.push(`${route}: ${error}`);
    }
    expect(problems).toEqual([]);
  });

  it('the validator itself catches a wrong shape', () => {
    const config = { $ref: '#/components/schemas/Config' };
    const good = exchanges.find((e) => e.route === 'GET /v1/config' && e.response.status === 200)?.response
      .body as Schema;

    expect(validate(config, good, doc)).toEqual([]);
    expect(validate(config, { ...good, enabled: 'yes' }, doc)).not.toEqual([]);
    expect(validate(config, { ...good, password: 'x' }, doc)).not.toEqual([]);
    expect(validate(config, { ...good, server: { ...good.server, port: '25' } }, doc)).not.toEqual([]);
    const { updatedAt: _, ...withoutUpdatedAt } = good;
    expect(validate(config, withoutUpdatedAt, doc)).not.toEqual([]);
  });
});
