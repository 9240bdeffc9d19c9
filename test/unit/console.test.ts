import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { CONTENT_SECURITY_POLICY, defaultAssetDir, makeConsoleHandler } from '../../functions/console';
import { canonicalField, fieldTitle, plainWords, slotFor } from '../../web/field-errors';
import {
  type ApiConfig,
  changes,
  checkAddress,
  checkDraft,
  conditionsBody,
  type Draft,
  draftFromConfig,
  hasChanges,
  serverBody,
  splitValues,
  testMessageBody,
} from '../../web/model';

function event(
  rawPath: string,
  options: { method?: string; query?: Record<string, string>; headers?: Record<string, string> } = {},
): APIGatewayProxyEventV2 {
  const proxy = rawPath.startsWith('/console/') ? rawPath.slice('/console/'.length) : undefined;
  return {
    version: '2.0',
    routeKey: proxy === undefined ? 'GET /' : 'GET /console/{proxy+}',
    rawPath,
    rawQueryString: new URLSearchParams(options.query ?? {}).toString(),
    headers: options.headers ?? {},
    queryStringParameters: options.query,
    pathParameters: proxy === undefined ? undefined : { proxy },
    isBase64Encoded: false,
    requestContext: {
      accountId: '123456789012',
      apiId: 'api',
      domainName: 'example.com',
      domainPrefix: 'example',
      http: {
        method: options.method ?? 'GET',
        path: rawPath,
        protocol: 'HTTP/1.1',
        sourceIp: '127.0.0.1',
        userAgent: 'jest',
      },
      requestId: 'r',
      routeKey: '$default',
      stage: '$default',
      time: '',
      timeEpoch: 0,
    },
  };
}

function headersOf(response: APIGatewayProxyStructuredResultV2): Record<string, string> {
  return Object.fromEntries(Object.entries(response.headers ?? {}).map(([k, v]) => [k.toLowerCase(), String(v)]));
}

describe('console handler', () => {
  let dir: string;
  const html =
    '<!doctype html><html><head><link rel="stylesheet" href="/console/styles.css">' +
    '<script src="/console/app.js" defer></script></head><body><img src="/console/icon.svg" alt=""></body></html>';

  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'alertmail-console-'));
    writeFileSync(path.join(dir, 'index.html'), html);
    writeFileSync(path.join(dir, 'app.js'), 'console.log("hi")');
    writeFileSync(path.join(dir, 'styles.css'), 'body{margin:0}');
    writeFileSync(path.join(dir, 'icon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(path.join(dir, 'notes.md'), 'not served');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html at / with the strict headers and no-cache', async () => {
    const response = await makeConsoleHandler(dir)(event('/'));
    const headers = headersOf(response);
    expect(response.statusCode).toBe(200);
    expect(headers['content-type']).toBe('text/html; charset=utf-8');
    expect(headers['cache-control']).toBe('no-cache');
    expect(headers['content-security-policy']).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'",
    );
    expect(headers['x-content-type-options']).toBe('nosniff');
    expect(headers['referrer-policy']).toBe('no-referrer');
    expect(headers['x-frame-options']).toBe('DENY');
    expect(headers.etag).toMatch(/^"[0-9a-f]{16}"$/);
    expect(response.isBase64Encoded).toBe(false);
  });

  it('links each asset with its content hash and caches a hashed asset for a year', async () => {
    const handler = makeConsoleHandler(dir);
    const page = String((await handler(event('/'))).body);
    const match = /src="\/console\/app\.js\?v=([0-9a-f]{16})"/.exec(page);
    expect(match).not.toBeNull();
    expect(page).toMatch(/href="\/console\/styles\.css\?v=[0-9a-f]{16}"/);
    expect(page).toMatch(/src="\/console\/icon\.svg\?v=[0-9a-f]{16}"/);

    const hashed = await handler(event('/console/app.js', { query: { v: match?.[1] ?? '' } }));
    expect(hashed.statusCode).toBe(200);
    expect(hashed.body).toBe('console.log("hi")');
    expect(headersOf(hashed)['content-type']).toBe('text/javascript; charset=utf-8');
    expect(headersOf(hashed)['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(headersOf(hashed)['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);

    // an old or missing hash must not be cached for a year
    const stale = await handler(event('/console/app.js', { query: { v: '0000000000000000' } }));
    expect(headersOf(stale)['cache-control']).toBe('no-cache');
    expect(headersOf(await handler(event('/console/app.js')))['cache-control']).toBe('no-cache');
  });

  it('serves styles and the icon with their content types', async () => {
    const handler = makeConsoleHandler(dir);
    const css = await handler(event('/console/styles.css'));
    expect(headersOf(css)['content-type']).toBe('text/css; charset=utf-8');
    expect(css.body).toBe('body{margin:0}');
    const svg = await handler(event('/console/icon.svg'));
    expect(headersOf(svg)['content-type']).toBe('image/svg+xml');
    expect(headersOf(svg)['x-content-type-options']).toBe('nosniff');
  });

  it('answers 404 JSON for unknown assets, files of unknown types and path tricks', async () => {
    const handler = makeConsoleHandler(dir);
    for (const p of ['/console/nope.js', '/console/notes.md', '/console/../index.html', '/console/%2e%2e/app.js']) {
      const response = await handler(event(p));
      expect(response.statusCode).toBe(404);
      expect(headersOf(response)['content-type']).toBe('application/json; charset=utf-8');
      expect(headersOf(response)['content-security-policy']).toBe(CONTENT_SECURITY_POLICY);
      const body = JSON.parse(String(response.body)) as { error: { code: string; message: string } };
      expect(body.error.code).toBe('NOT_FOUND');
      expect(body.error.message).toEqual(expect.any(String));
    }
  });

  it('answers 304 to a matching If-None-Match', async () => {
    const handler = makeConsoleHandler(dir);
    const first = await handler(event('/console/styles.css'));
    const etag = headersOf(first).etag ?? '';
    const again = await handler(event('/console/styles.css', { headers: { 'If-None-Match': `W/${etag}` } }));
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe('');
    const changed = await handler(event('/console/styles.css', { headers: { 'if-none-match': '"other"' } }));
    expect(changed.statusCode).toBe(200);
  });

  it('refuses other methods with 405', async () => {
    const response = await makeConsoleHandler(dir)(event('/', { method: 'POST' }));
    expect(response.statusCode).toBe(405);
    expect(headersOf(response).allow).toBe('GET, HEAD');
    expect(JSON.parse(String(response.body))).toEqual({
      error: { code: 'METHOD_NOT_ALLOWED', message: expect.any(String) },
    });
  });

  it('reads the files once, when made, not per request', async () => {
    const copy = mkdtempSync(path.join(tmpdir(), 'alertmail-console-'));
    try {
      writeFileSync(path.join(copy, 'index.html'), '<p>one</p>');
      const handler = makeConsoleHandler(copy);
      writeFileSync(path.join(copy, 'index.html'), '<p>two</p>');
      rmSync(path.join(copy, 'index.html'));
      expect((await handler(event('/'))).body).toBe('<p>one</p>');
    } finally {
      rmSync(copy, { recursive: true, force: true });
    }
  });

  it('fails loudly when the console was not built', () => {
    const empty = mkdtempSync(path.join(tmpdir(), 'alertmail-console-'));
    try {
      expect(() => makeConsoleHandler(empty)).toThrow(/npm run build:web/);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });

  it('finds the assets through ALERTMAIL_CONSOLE_DIR, the Lambda bundle or web/dist', () => {
    expect(defaultAssetDir({ ALERTMAIL_CONSOLE_DIR: dir })).toBe(dir);
    expect(defaultAssetDir({})).toMatch(/web[/\\]dist$|functions[/\\]web$/);
  });
});

describe('console page source', () => {
  const source = readFileSync(path.join(__dirname, '..', '..', 'web', 'index.html'), 'utf8');

  it('has no inline script, style or event handler (the CSP would block them)', () => {
    expect(source).not.toMatch(/<script(?![^>]*\ssrc=)[^>]*>/i);
    expect(source).not.toMatch(/<style[\s>]/i);
    expect(source).not.toMatch(/\sstyle\s*=/i);
    expect(source).not.toMatch(/\son[a-z]+\s*=/i);
  });

  it('loads nothing from another origin', () => {
    expect(source).not.toMatch(/(src|href)\s*=\s*"(https?:)?\/\//i);
  });

  it('labels every input, select and textarea', () => {
    const ids = [...source.matchAll(/<(?:input|select|textarea)\b[^>]*\bid="([^"]+)"/g)].map((m) => m[1]);
    expect(ids.length).toBeGreaterThan(10);
    for (const id of ids) {
      const labelled = source.includes(`for="${id}"`);
      expect({ id, labelled }).toEqual({ id, labelled: true });
    }
  });
});

const storedConfig: ApiConfig = {
  server: {
    host: 'smtp.example.com',
    port: 587,
    security: 'starttls',
    username: 'bot',
    from: 'a@example.com',
    passwordSet: true,
  },
  recipients: ['Ops@example.com', 'dev@example.com'],
  conditions: [{ label: 'severity', operator: 'In', values: ['critical', 'warning'] }],
  enabled: true,
  repeatInterval: '12h',
  sendResolved: true,
  updatedAt: '2026-01-01T00:00:00Z',
};

function draft(edit: (d: Draft) => void = () => {}): Draft {
  const d = draftFromConfig(storedConfig);
  edit(d);
  return d;
}

describe('console model: what OK would change', () => {
  it('sees no change in a freshly loaded form', () => {
    expect(hasChanges(changes(storedConfig, draft()))).toBe(false);
  });

  it('treats a typed password as a server change and never sends an empty one', () => {
    expect(
      changes(
        storedConfig,
        draft((d) => {
          d.server.password = 's3cret';
        }),
      ).server,
    ).toBe(true);
    expect(serverBody(draft()).password).toBeUndefined();
    expect(
      serverBody(
        draft((d) => {
          d.server.password = 's3cret';
        }),
      ).password,
    ).toBe('s3cret');
    expect(
      serverBody(
        draft((d) => {
          d.server.clearPassword = true;
        }),
      ).password,
    ).toBeNull();
  });

  it('builds the server body with a numeric port, no empty username and ca null to remove one', () => {
    const body = serverBody(
      draft((d) => {
        d.server.port = ' 465 ';
        d.server.username = '  ';
      }),
    );
    expect(body).toEqual({
      host: 'smtp.example.com',
      port: 465,
      security: 'starttls',
      from: 'a@example.com',
      ca: null,
    });
  });

  it('compares recipients case-insensitively and lists what to add and remove', () => {
    expect(
      changes(
        storedConfig,
        draft((d) => {
          d.recipients = ['ops@EXAMPLE.com', 'dev@example.com'];
        }),
      ).recipients,
    ).toEqual({
      add: [],
      remove: [],
    });
    const c = changes(
      storedConfig,
      draft((d) => {
        d.recipients = ['dev@example.com', 'new@example.com'];
      }),
    );
    expect(c.recipients).toEqual({ add: ['new@example.com'], remove: ['Ops@example.com'] });
  });

  it('sends conditions with de-duplicated values, none for Exists, and [] when switched off', () => {
    const d = draft((x) => {
      x.conditions = [
        { label: 'severity', operator: 'In', values: ' critical, ,warning, critical' },
        { label: 'team', operator: 'Exists', values: 'ignored' },
      ];
    });
    expect(conditionsBody(d)).toEqual([
      { label: 'severity', operator: 'In', values: ['critical', 'warning'] },
      { label: 'team', operator: 'Exists' },
    ]);
    expect(changes(storedConfig, d).conditions).toBe(true);
    expect(
      conditionsBody(
        draft((x) => {
          x.useConditions = false;
        }),
      ),
    ).toEqual([]);
    expect(
      changes(
        storedConfig,
        draft((x) => {
          x.conditions[0] = { label: 'severity', operator: 'In', values: 'critical,warning' };
        }),
      ).conditions,
    ).toBe(false);
    expect(splitValues('a, b,,a ')).toEqual(['a', 'b']);
  });

  it('patches only the repeat settings that changed', () => {
    expect(changes(storedConfig, draft()).patch).toBeNull();
    expect(
      changes(
        storedConfig,
        draft((d) => {
          d.repeatInterval = ' 30m ';
        }),
      ).patch,
    ).toEqual({ repeatInterval: '30m' });
    expect(
      changes(
        storedConfig,
        draft((d) => {
          d.sendResolved = false;
        }),
      ).patch,
    ).toEqual({ sendResolved: false });
  });

  it('sends the unsaved form as the test-message draft', () => {
    const body = testMessageBody(
      draft((d) => {
        d.recipients = ['x@example.com'];
      }),
    );
    expect(body.recipients).toEqual(['x@example.com']);
    expect(body.server).toMatchObject({ host: 'smtp.example.com', port: 587 });
    expect(body.server && 'password' in body.server).toBe(false);
    const empty = draftFromConfig({ ...storedConfig, server: null, recipients: [] });
    expect(testMessageBody(empty)).toEqual({});
    expect(hasChanges(changes({ ...storedConfig, server: null, recipients: [] }, empty))).toBe(false);
  });
});

describe('console model: checks and errors', () => {
  it('checks addresses loosely, leaving the final word to the server', () => {
    expect(checkAddress('ops@example.com')).toBeNull();
    expect(checkAddress('root@localhost')).toBeNull();
    expect(checkAddress('')).toMatch(/Enter/);
    expect(checkAddress('not an address')).toMatch(/not an email/);
    expect(checkAddress('a@b@c')).toMatch(/not an email/);
  });

  it('names the fields a draft gets wrong with the API field names', () => {
    const d = draft((x) => {
      x.server.port = '70000';
      x.server.from = 'nobody';
      x.conditions = [
        { label: 'ok', operator: 'In', values: 'x' },
        { label: '1bad', operator: 'NotIn', values: ' , ' },
      ];
      x.repeatInterval = 'soon';
    });
    expect(checkDraft(d).map((p) => p.field)).toEqual([
      'server.port',
      'server.from',
      'conditions[1].label',
      'conditions[1].values',
      'repeatInterval',
    ]);
    expect(checkDraft(draft())).toEqual([]);
    expect(checkDraft(draft((x) => void Object.assign(x, { repeatInterval: '1h30m' })))).toEqual([]);
    expect(checkDraft(draft((x) => void Object.assign(x, { repeatInterval: '30s' }))).map((p) => p.field)).toEqual([
      'repeatInterval',
    ]);
  });

  it('maps API error fields to the slot beside the field they name', () => {
    expect(slotFor(canonicalField('server', 'server.port'))).toBe('server.port');
    expect(slotFor(canonicalField('server', 'port'))).toBe('server.port');
    expect(slotFor(canonicalField('conditions', 'conditions[1].values'))).toBe('conditions[1].values');
    expect(slotFor(canonicalField('conditions', '[1].values[0]'))).toBe('conditions[1].values');
    expect(slotFor(canonicalField('conditions', '[2]'))).toBe('conditions[2]');
    expect(slotFor(canonicalField('conditions', '(body)'))).toBe('conditions');
    expect(slotFor(canonicalField('recipient', 'address', 3))).toBe('recipients[3]');
    expect(slotFor(canonicalField('patch', 'repeatInterval'))).toBe('repeatInterval');
    expect(slotFor(canonicalField('test', 'recipients[0]'))).toBe('recipients[0]');
    expect(slotFor(canonicalField('test', 'server.host'))).toBe('server.host');
    expect(slotFor('server')).toBe('server');
    expect(slotFor('something.else')).toBe('general');
    expect(fieldTitle('server.port')).toBe('Port');
    expect(fieldTitle('conditions[1].values')).toBe('Condition 2 values');
    expect(fieldTitle('recipients[0]')).toBe('Recipient 1');
  });

  it('puts mail errors in plain words with the server’s own reply', () => {
    expect(plainWords('SMTP_AUTH_FAILED', '535 5.7.8 Authentication credentials invalid')).toBe(
      'The mail server rejected the username or password: 535 5.7.8 Authentication credentials invalid',
    );
    expect(plainWords('SMTP_CONNECTION_FAILED', 'connect ECONNREFUSED 127.0.0.1:1')).toMatch(
      /^Could not connect to the mail server .*: connect ECONNREFUSED/,
    );
    expect(plainWords('SMTP_TIMEOUT', '')).toBe('The mail server did not answer in time.');
    // the API may already use these words: never say them twice
    expect(plainWords('SMTP_AUTH_FAILED', 'The mail server rejected the username or password: 535 bad')).toBe(
      'The mail server rejected the username or password: 535 bad',
    );
    expect(plainWords('SOMETHING_NEW', 'details')).toBe('details');
  });
});
