/**
 * Issue 5, property-based: generated and mutated payloads (from valid bodies and the captured
 * fixtures) thrown at every write route and both ingest routes, through HTTP against the local
 * runtime. Never a 5xx (but the documented mail failures), never a dropped connection, every 4xx
 * in the error shape naming a field, never a partial write, never a forged email.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { alertmanagerFiring, alertmanagerResolved, cloudwatchSns, grafanaFiring, prometheusV2 } from '../fixtures';
import { startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const BASE_RECIPIENTS = ['oncall@example.com', 'team@example.org'];
const SEED = Number(process.env.FC_SEED ?? Date.now() % 2 ** 31);
const scale = Number(process.env.ALERTMAIL_FC_SCALE ?? 1);

// ---------------------------------------------------------------------------------------------
// Mutations: a list of (where, what) picks applied to a valid body, deterministic for shrinking.

const INJECTIONS = [
  'x\r\nBcc: attacker@evil.example',
  'x\nCc: attacker@evil.example',
  'oncall@example.com\r\nBcc: attacker@evil.example',
  'attacker@evil.example, oncall@example.com',
  '"Evil" <attacker@evil.example>',
  'a\u0000b',
  '\u2028Bcc: attacker@evil.example',
  '=?utf-8?q?x=0D=0ABcc:_attacker@evil.example?=',
  '<script>alert(1)</script>',
  `$${'{'}7*7}{{7*7}}`,
  '\ud800',
  '💥'.repeat(50),
];

const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.constantFrom<Json>(null, true, false, 0, -1, 1.5, 1e308, -0, '', ' ', '0', 'true', [], {}),
  fc.constantFrom<Json>(...INJECTIONS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer(),
  fc.double(),
  fc.constantFrom<Json>('x'.repeat(70_000), 'y'.repeat(5_000), 'é'.repeat(65_536)),
  fc.nat({ max: 45 }).map((n) => {
    let v: Json = 'deep';
    for (let i = 0; i < n; i++) v = i % 2 ? [v] : { d: v };
    return v;
  }),
);

const value: fc.Arbitrary<Json> = fc.letrec<{ v: Json }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leaf,
    fc.array(tie('v'), { maxLength: 3 }),
    fc.dictionary(fc.string({ maxLength: 8 }), tie('v'), { maxKeys: 3 }),
  ),
})).v;

const key = fc.oneof(
  fc.constantFrom('__proto__', 'constructor', 'prototype', 'password', 'extra', 'Bcc', 'to', 'cc', '', 'labels'),
  fc.string({ maxLength: 12 }),
);

type Mutation =
  | { kind: 'replace'; at: number; with: Json }
  | { kind: 'delete'; at: number }
  | { kind: 'addKey'; at: number; key: string; with: Json }
  | { kind: 'wrap'; at: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  { weight: 5, arbitrary: fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), with: value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('addKey' as const), at: fc.nat(), key, with: value }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant('wrap' as const), at: fc.nat() }) },
);

/** Every (container, key) slot of a JSON value, the root included as a pseudo-slot. */
function slots(root: { v: Json }): Array<{ parent: Record<string, Json> | Json[]; key: string | number }> {
  const out: Array<{ parent: Record<string, Json> | Json[]; key: string | number }> = [];
  const walk = (parent: Record<string, Json> | Json[], k: string | number) => {
    out.push({ parent, key: k });
    const v = (parent as Record<string, Json>)[k as string];
    if (Array.isArray(v)) for (let i = 0; i < v.length; i++) walk(v, i);
    else if (v !== null && typeof v === 'object') for (const child of Object.keys(v)) walk(v, child);
  };
  walk(root as unknown as Record<string, Json>, 'v');
  return out;
}

function applyMutations(body: Json, mutations: readonly Mutation[]): Json {
  const root = { v: structuredClone(body) };
  for (const m of mutations) {
    const all = slots(root);
    const slot = all[m.at % all.length];
    if (!slot) continue;
    const { parent, key: k } = slot;
    const current = (parent as Record<string, Json>)[k as string] as Json;
    if (m.kind === 'replace') (parent as Record<string, Json>)[k as string] = structuredClone(m.with);
    else if (m.kind === 'wrap') (parent as Record<string, Json>)[k as string] = [current];
    else if (m.kind === 'delete') {
      if (Array.isArray(parent)) parent.splice(k as number, 1);
      else if (parent !== (root as unknown)) delete parent[k as string];
    } else if (current !== null && typeof current === 'object' && !Array.isArray(current)) {
      // defineProperty: a literal `__proto__` key must be sent as data, as an attacker would.
      Object.defineProperty(current, m.key, { value: m.with, enumerable: true, writable: true, configurable: true });
    } else if (Array.isArray(current)) current.push(m.with);
  }
  return root.v;
}

type Framing =
  | { kind: 'json' }
  | { kind: 'contentType'; type: string | null }
  | { kind: 'truncate'; at: number }
  | { kind: 'garbage'; text: string }
  | { kind: 'oversized' };

const framing: fc.Arbitrary<Framing> = fc.oneof(
  { weight: 320, arbitrary: fc.constant({ kind: 'json' as const }) },
  {
    weight: 40,
    arbitrary: fc.record({
      kind: fc.constant('contentType' as const),
      type: fc.constantFrom(
        null,
        'text/plain',
        'application/x-www-form-urlencoded',
        'multipart/form-data; boundary=x',
        'application/json; charset=latin1',
        'application/xml',
        'application/json\r\nX-Injected: 1',
        'APPLICATION/JSON; charset="utf-8"',
        'application/problem+json',
      ),
    }),
  },
  { weight: 20, arbitrary: fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }) },
  {
    weight: 20,
    arbitrary: fc.record({
      kind: fc.constant('garbage' as const),
      text: fc.oneof(
        fc.constantFrom(
          '',
          'null',
          '[]',
          '{',
          '}',
          '{"a":1}}',
          "{'a':1}",
          '\ufeff{}',
          'NaN',
          '{"a":01}',
          '[1,]',
          '\u0000',
        ),
        fc.string({ unit: 'binary', maxLength: 50 }),
      ),
    }),
  },
  { weight: 1, arbitrary: fc.constant({ kind: 'oversized' as const }) },
);

// ---------------------------------------------------------------------------------------------

interface Sent {
  status: number;
  text: string;
  body: any;
}

describe('hostile input through HTTP', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let lastConfig = '';
  const stats = new Map<string, Map<number, number>>();
  const everConfigured = new Set(BASE_RECIPIENTS);

  const baseServer = () => ({ host: '127.0.0.1', port: smtp.port, security: 'none', from: 'alerts@example.com' });
  const passwordFile = () => path.join(runtime.dataDir, 'secrets', 'smtp-password');
  const readPassword = () => fs.readFile(passwordFile(), 'utf8').catch(() => '(none)');

  async function send(method: string, route: string, body: string | undefined, type: string | null): Promise<Sent> {
    const headers: Record<string, string> = { authorization: `Bearer ${runtime.adminToken}` };
    if (type !== null) headers['content-type'] = type;
    let res: Response;
    try {
      res = await fetch(`${runtime.url}${route}`, { method, headers, body });
    } catch (error) {
      // A header value fetch itself refuses (CR/LF) never reaches the server: not a finding.
      if (type?.includes('\r')) return { status: 0, text: '', body: undefined };
      throw new Error(`dropped connection on ${method} ${route}: ${(error as Error).message}`, { cause: error });
    }
    const text = await res.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    const counts = stats.get(`${method} ${route.replace(/recipients\/.*/, 'recipients/{address}')}`) ?? new Map();
    counts.set(res.status, (counts.get(res.status) ?? 0) + 1);
    stats.set(`${method} ${route.replace(/recipients\/.*/, 'recipients/{address}')}`, counts);
    return { status: res.status, text, body: parsed };
  }

  async function admin(method: string, route: string, body?: unknown): Promise<Sent> {
    return send(method, route, body === undefined ? undefined : JSON.stringify(body), 'application/json');
  }

  async function configText(): Promise<string> {
    const res = await admin('GET', '/v1/config');
    expect(res.status).toBe(200);
    for (const r of (res.body as { recipients: string[] }).recipients) everConfigured.add(r);
    return res.text;
  }

  /** Puts the baseline back after a write that succeeded, so later sends still reach the sink. */
  async function restore(route: string): Promise<void> {
    if (route === '/v1/config/server')
      expect((await admin('PUT', route, { ...baseServer(), password: null, ca: null })).status).toBe(200);
    if (route === '/v1/config/conditions') expect((await admin('PUT', route, [])).status).toBe(200);
    if (route === '/v1/config')
      expect((await admin('PATCH', route, { enabled: true, repeatInterval: '12h', sendResolved: true })).status).toBe(
        200,
      );
    if (route.startsWith('/v1/config/recipients')) {
      const now = JSON.parse(await configText()).recipients as string[];
      for (const address of BASE_RECIPIENTS)
        if (!now.includes(address))
          expect((await admin('POST', '/v1/config/recipients', { address })).status).toBe(201);
    }
    lastConfig = await configText();
  }

  function assertMailsSafe(from: number, allowed: ReadonlySet<string>): void {
    for (const mail of smtp.received.slice(from)) {
      for (const to of mail.envelope.to) {
        expect(allowed.has(to)).toBe(true);
      }
      const head = mail.raw.toString('utf8').split(/\r?\n\r?\n/, 1)[0] ?? '';
      const names = head.split(/\r?\n(?![ \t])/).map((line) => line.slice(0, line.indexOf(':')).trim().toLowerCase());
      expect(names).not.toContain('bcc');
      expect(names).not.toContain('cc');
      for (const single of ['to', 'from', 'subject', 'message-id', 'date'])
        expect(names.filter((n) => n === single).length).toBeLessThanOrEqual(1);
      expect(mail.parsed.subject ?? '').not.toMatch(/[\r\n]/);
      expect(mail.parsed.cc).toBeUndefined();
      expect(mail.parsed.bcc).toBeUndefined();
      const headerTo = (Array.isArray(mail.parsed.to) ? mail.parsed.to : mail.parsed.to ? [mail.parsed.to] : [])
        .flatMap((a) => a.value)
        .map((a) => a.address ?? '');
      for (const to of headerTo) expect(allowed.has(to)).toBe(true);
    }
  }

  /** One request, checked against every invariant. */
  async function throwAt(method: string, route: string, body: Json, frame: Framing): Promise<void> {
    const isIngest = route === '/v1/alerts' || route === '/api/v2/alerts';
    let text: string | undefined = JSON.stringify(body);
    let type: string | null = 'application/json';
    if (frame.kind === 'contentType') type = frame.type;
    if (frame.kind === 'truncate' && text.length > 1) text = text.slice(0, frame.at % text.length);
    if (frame.kind === 'garbage') text = frame.text;
    if (frame.kind === 'oversized') text = JSON.stringify({ pad: 'z'.repeat(1024 * 1024 + 10) });
    if (method === 'DELETE') text = undefined;

    const mailsBefore = smtp.received.length;
    const passwordBefore = await readPassword();
    const allowed = new Set(JSON.parse(lastConfig).recipients as string[]);
    if (route === '/v1/test-message' && body && typeof body === 'object' && !Array.isArray(body)) {
      const asked = (body as { recipients?: Json }).recipients;
      if (Array.isArray(asked)) for (const r of asked) if (typeof r === 'string') allowed.add(r);
    }

    const res = await send(method, route, text, type);
    if (res.status === 0) return;

    const documented5xx = (route === '/v1/test-message' && res.status === 502) || (isIngest && res.status === 503);
    if (res.status >= 500 && !documented5xx) {
      throw new Error(`${res.status} from ${method} ${route}\nbody: ${text?.slice(0, 500)}\nanswer: ${res.text}`);
    }
    if (res.status >= 400) {
      expect(res.body).toEqual({
        error: { code: expect.any(String), message: expect.any(String), details: expect.any(Array) },
      });
      if (res.status < 500 && ![401, 403, 404, 409].includes(res.status)) {
        expect(res.body.error.details.length).toBeGreaterThan(0);
        for (const d of res.body.error.details) expect(typeof d.field).toBe('string');
      }
      if (res.status < 500 && !isIngest) {
        const after = await configText();
        if (after !== lastConfig)
          throw new Error(`partial write: ${method} ${route} answered ${res.status} but changed the config`);
        expect(await readPassword()).toBe(passwordBefore);
      }
      // An ingest refusal sends nothing (and ingest never writes the config).
      if (res.status < 500 && isIngest) expect(smtp.received.length).toBe(mailsBefore);
    } else if (!isIngest && route !== '/v1/test-message') {
      await restore(route);
    }
    // Give an in-flight send a moment, then inspect every new mail.
    if (res.status < 300 && (isIngest || route === '/v1/test-message')) await new Promise((r) => setTimeout(r, 5));
    assertMailsSafe(mailsBefore, new Set([...allowed, ...(isIngest ? everConfigured : [])]));
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    expect((await admin('PUT', '/v1/config/server', baseServer())).status).toBe(200);
    for (const address of BASE_RECIPIENTS)
      expect((await admin('POST', '/v1/config/recipients', { address })).status).toBe(201);
    lastConfig = await configText();
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
    const table = [...stats].map(
      ([route, counts]) => `${route}: ${[...counts].map(([s, n]) => `${s}×${n}`).join(' ')}`,
    );
    process.stdout.write(`hostile-input seed ${SEED}\n${table.join('\n')}\n`);
  });

  /** Each route its own seed (derived from SEED, printed at the end), so the two ingest routes see different bodies. */
  const runs = (n: number, route: string) => ({
    numRuns: Math.max(1, Math.round(n * scale)),
    seed: (SEED + [...route].reduce((h, c) => (h * 31 + c.charCodeAt(0)) | 0, 0)) | 0,
    endOnFailure: true,
  });

  const writeRoutes: Array<[string, string, () => any[]]> = [
    [
      'PUT',
      '/v1/config/server',
      () => [
        { ...baseServer(), username: 'mailer', password: 'an-smtp-password' },
        {
          ...baseServer(),
          security: 'starttls',
          port: 587,
          ca: '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----',
        },
        baseServer(),
      ],
    ],
    ['POST', '/v1/config/recipients', () => [{ address: 'new.person@example.com' }, { address: 'oncall@example.com' }]],
    [
      'PUT',
      '/v1/config/conditions',
      () => [
        [
          { label: 'severity', operator: 'In', values: ['critical', 'warning'] },
          { label: 'namespace', operator: 'NotIn', values: ['dev'] },
          { label: 'team', operator: 'Exists' },
        ],
        [],
      ],
    ],
    ['PATCH', '/v1/config', () => [{ enabled: false, repeatInterval: '30m', sendResolved: false }, { enabled: true }]],
    [
      'POST',
      '/v1/test-message',
      () => [{}, { recipients: ['oncall@example.com'] }, { server: baseServer(), recipients: ['someone@example.net'] }],
    ],
  ];

  it.each(writeRoutes)('%s %s', async (method, route, valid) => {
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...valid()),
        fc.array(mutation, { minLength: 0, maxLength: 3 }),
        framing,
        async (start, mutations, frame) => {
          let body = applyMutations(start, mutations);
          // The test message must reach the sink: its server is pinned to it (host and port only).
          if (route === '/v1/test-message' && body && typeof body === 'object' && !Array.isArray(body)) {
            const server = body.server;
            if (server && typeof server === 'object' && !Array.isArray(server))
              body = { ...body, server: { ...server, host: '127.0.0.1', port: smtp.port } };
          }
          await throwAt(method, route, body, frame);
        },
      ),
      runs(route === '/v1/test-message' ? 200 : 250, `${method} ${route}`),
    );
  });

  it('DELETE /v1/config/recipients/{address}', async () => {
    const address = fc.oneof(
      fc.constantFrom(...BASE_RECIPIENTS, 'OnCall@Example.com', 'absent@example.com'),
      fc.constantFrom('%', '%E0%A4%A', '%zz', '%00', '%0d%0aBcc:%20x', '%ED%A0%80', '..', '%2e%2e', 'a%2Fb', '%25'),
      fc.string({ unit: 'grapheme', maxLength: 30 }),
      fc.string({ unit: 'binary', maxLength: 30 }),
      fc.constantFrom('x'.repeat(5000), ...INJECTIONS),
    );
    const encodings = fc.constantFrom('component', 'raw');
    await fc.assert(
      fc.asyncProperty(address, encodings, async (a, how) => {
        let segment: string;
        try {
          segment = how === 'raw' && /^[%\w.@-]*$/.test(a) ? a : encodeURIComponent(a);
        } catch {
          segment = '%ED%A0%80';
        }
        if (segment === '' || segment === '.' || segment === '..') segment = `${segment}x`;
        await throwAt('DELETE', `/v1/config/recipients/${segment}`, null, { kind: 'json' });
      }),
      runs(150, 'DELETE'),
    );
  });

  const firstAlert = structuredClone(alertmanagerFiring.body.alerts[0]) as unknown as Json;
  const ingestBodies = (): Json[] =>
    [
      alertmanagerFiring.body,
      alertmanagerResolved.body,
      prometheusV2.firing.body,
      grafanaFiring,
      cloudwatchSns,
      {
        alerts: [
          { labels: { alertname: 'DiskFull', severity: 'critical', node: 'n1' }, annotations: { summary: 's' } },
        ],
      },
      [firstAlert],
    ].map((b) => structuredClone(b) as unknown as Json);

  it.each([
    ['POST', '/v1/alerts'],
    ['POST', '/api/v2/alerts'],
  ])('%s %s', async (method, route) => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...ingestBodies()),
        fc.array(mutation, { minLength: 0, maxLength: 3 }),
        framing,
        async (start, mutations, frame) => {
          // A unique run label on generic alerts keeps fingerprints fresh, so valid bodies send mail.
          const body = applyMutations(start, mutations);
          n++;
          if (body && typeof body === 'object' && !Array.isArray(body) && Array.isArray(body.alerts)) {
            const first = body.alerts[0];
            if (first && typeof first === 'object' && !Array.isArray(first)) {
              const labels = first.labels;
              if (labels && typeof labels === 'object' && !Array.isArray(labels)) labels.hostile_run = `${SEED}-${n}`;
            }
          }
          await throwAt(method, route, body, frame);
        },
      ),
      runs(300, `${method} ${route}`),
    );
  });

  it('exercised the handlers, not only the edge: every route accepted some bodies and refused others', () => {
    for (const [route, counts] of stats) {
      if (route.startsWith('GET')) continue;
      const statuses = [...counts.keys()];
      expect({ route, ok: statuses.some((s) => s < 300) }).toEqual({ route, ok: true });
      expect({ route, refused: statuses.some((s) => s >= 400 && s < 500) }).toEqual({ route, refused: true });
    }
    expect(smtp.received.length).toBeGreaterThan(20);
  });
});
