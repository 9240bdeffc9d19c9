/**
 * The configuration API through the HTTP layer of the local runtime, against the real DynamoDB Local:
 * shapes and status codes of DESIGN.md "HTTP API", whole-document validation naming the field,
 * refused writes that change nothing, and concurrent writers that lose nothing.
 */
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { call, scanRuntimeTables, startTestRuntime, type TestRuntime } from './support';

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

describe('the configuration API', () => {
  let runtime: TestRuntime;
  let admin: string;
  const api = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: admin, ...(body === undefined ? {} : { body }) });
  const fields = (res: { body: any }): string[] => res.body.error.details.map((d: { field: string }) => d.field);

  beforeAll(async () => {
    runtime = await startTestRuntime();
    admin = runtime.adminToken;
  });

  afterAll(async () => {
    await runtime?.stop();
  });

  describe('GET /v1/config', () => {
    it('answers the documented defaults on a fresh install (the runtime pre-sets only the dev mailbox)', async () => {
      const res = await api('GET', '/v1/config');

      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/^application\/json/);
      expect(Object.keys(res.body).sort()).toEqual(
        ['conditions', 'enabled', 'recipients', 'repeatInterval', 'sendResolved', 'server', 'updatedAt'].sort(),
      );
      expect(res.body).toMatchObject({
        recipients: [],
        conditions: [],
        enabled: true,
        repeatInterval: '12h',
        sendResolved: true,
      });
      expect(res.body.updatedAt).toMatch(RFC3339);
      expect(res.body.server).toEqual({
        host: '127.0.0.1',
        port: runtime.mailbox.smtpPort,
        security: 'none',
        from: 'alertmail@localhost',
        passwordSet: false,
      });
    });

    it.each([
      ['GET', '/v1/config'],
      ['PATCH', '/v1/config'],
      ['PUT', '/v1/config/server'],
      ['GET', '/v1/config/recipients'],
      ['POST', '/v1/config/recipients'],
      ['DELETE', '/v1/config/recipients/a%40example.com'],
      ['PUT', '/v1/config/conditions'],
      ['POST', '/v1/test-message'],
      ['GET', '/v1/deliveries'],
    ])('%s %s answers 401 without a token and 403 with the ingest token', async (method, route) => {
      const body = method === 'GET' || method === 'DELETE' ? undefined : {};
      const anonymous = await call(runtime.url, method, route, { body });
      const ingest = await call(runtime.url, method, route, { token: runtime.ingestToken, body });
      const wrong = await call(runtime.url, method, route, { token: 'not-a-valid-token-at-all', body });

      expect(anonymous.status).toBe(401);
      expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
      expect(wrong.status).toBe(401);
      expect(ingest.status).toBe(403);
      expect(ingest.body.error.code).toBe('FORBIDDEN');
    });
  });

  describe('PUT /v1/config/server', () => {
    it('stores the settings, defaults the port to 25 and security to none, and never answers a password', async () => {
      const res = await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        username: 'alertmail',
        password: 'hunter2-very-secret',
        from: 'alerts@example.com',
      });

      expect(res.status).toBe(200);
      expect(res.body.server).toEqual({
        host: 'smtp.example.com',
        port: 25,
        security: 'none',
        username: 'alertmail',
        from: 'alerts@example.com',
        passwordSet: true,
      });
      expect(res.text).not.toContain('hunter2');
      expect((await api('GET', '/v1/config')).body.server).toEqual(res.body.server);
    });

    it('keeps the stored password on an update without one, and removes it with password: null', async () => {
      await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        username: 'u',
        password: 'first-password',
        from: 'a@example.com',
      });

      const kept = await api('PUT', '/v1/config/server', {
        host: 'smtp2.example.com',
        username: 'u',
        from: 'a@example.com',
      });
      const removed = await api('PUT', '/v1/config/server', {
        host: 'smtp2.example.com',
        username: 'u',
        password: null,
        from: 'a@example.com',
      });
      const stillRemoved = await api('PUT', '/v1/config/server', { host: 'smtp2.example.com', from: 'a@example.com' });

      expect(kept.status).toBe(200);
      expect(kept.body.server).toMatchObject({ host: 'smtp2.example.com', passwordSet: true });
      expect(removed.status).toBe(200);
      expect(removed.body.server.passwordSet).toBe(false);
      expect(stillRemoved.body.server.passwordSet).toBe(false);
      // Erased, not just marked unset: the 0600 file is gone.
      await expect(fs.readFile(path.join(runtime.dataDir, 'secrets', 'smtp-password'), 'utf8')).rejects.toThrow(
        /ENOENT/,
      );
    });

    it('takes an empty username or password as none (a form sends them empty, as Alertmanager\'s auth_username: "")', async () => {
      const withAuth = await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        username: 'u',
        password: 'a-password',
        from: 'a@example.com',
      });

      const emptied = await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        username: '',
        password: '',
        from: 'a@example.com',
      });
      const read = await api('GET', '/v1/config');

      expect(withAuth.body.server).toMatchObject({ username: 'u', passwordSet: true });
      expect(emptied.status).toBe(200);
      expect(emptied.body.server).not.toHaveProperty('username');
      expect(emptied.body.server.passwordSet).toBe(false);
      expect(read.body.server).toEqual(emptied.body.server);
      // None means none: the stored password is erased, as with password: null.
      await expect(fs.readFile(path.join(runtime.dataDir, 'secrets', 'smtp-password'), 'utf8')).rejects.toThrow(
        /ENOENT/,
      );
    });

    it.each([
      [465, undefined, 'tls'],
      [587, undefined, 'starttls'],
      [2525, undefined, 'none'],
      [25, 'starttls', 'starttls'],
      [465, 'tls', 'tls'],
      [1025, 'tls', 'tls'],
    ])('port %s with security %s stores security %s', async (port, security, expected) => {
      const res = await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        port,
        ...(security ? { security } : {}),
        from: 'a@example.com',
      });

      expect(res.status).toBe(200);
      expect(res.body.server).toMatchObject({ port, security: expected });
    });

    it.each([
      'smtp.example.com',
      'localhost',
      'mail-1.internal.example.',
      '192.0.2.10',
      '::1',
      '2001:db8::25',
      '[2001:db8::25]',
      '::ffff:192.0.2.1',
    ])('accepts the host %s', async (host) => {
      const res = await api('PUT', '/v1/config/server', { host, from: 'a@example.com' });

      expect(res.status).toBe(200);
      expect(res.body.server.host).toBe(host);
    });

    it.each([
      'smtp example.com',
      'smtp.example.com\r\nRCPT TO:<x@evil>',
      '-smtp.example.com',
      'smtp..example.com',
      '256.1.1.1',
      '1.2.3',
      '2001:db8::25::1',
      'http://smtp.example.com',
      'smtp.example.com:25',
      '',
    ])('refuses the host %j naming the field', async (host) => {
      const res = await api('PUT', '/v1/config/server', { host, from: 'a@example.com' });

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(fields(res)).toEqual(['server.host']);
    });

    it('accepts a PEM CA, keeps it on an update without one, and clears it with ca: null', async () => {
      const ca = '-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUB4c=\n-----END CERTIFICATE-----\n';
      const set = await api('PUT', '/v1/config/server', { host: 'smtp.example.com', from: 'a@example.com', ca });
      const kept = await api('PUT', '/v1/config/server', { host: 'smtp.example.com', from: 'a@example.com' });
      const cleared = await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        from: 'a@example.com',
        ca: null,
      });

      expect(set.status).toBe(200);
      expect(set.body.server.ca).toBe(ca);
      expect(kept.body.server.ca).toBe(ca);
      expect(cleared.status).toBe(200);
      expect(cleared.body.server).not.toHaveProperty('ca');
    });

    it.each([
      [{ host: 'smtp.example.com' }, 'server.from'],
      [{ from: 'a@example.com' }, 'server.host'],
      [{ host: 'smtp.example.com', from: 'Alerts <a@example.com>' }, 'server.from'],
      [{ host: 'smtp.example.com', from: 'a@example.com\r\nBcc: x@evil.com' }, 'server.from'],
      [{ host: 'smtp.example.com', from: 'a@example.com', port: 0 }, 'server.port'],
      [{ host: 'smtp.example.com', from: 'a@example.com', port: 65536 }, 'server.port'],
      [{ host: 'smtp.example.com', from: 'a@example.com', port: '25' }, 'server.port'],
      [{ host: 'smtp.example.com', from: 'a@example.com', port: 25.5 }, 'server.port'],
      [{ host: 'smtp.example.com', from: 'a@example.com', security: 'ssl' }, 'server.security'],
      [{ host: 'smtp.example.com', from: 'a@example.com', username: 'a\r\nb' }, 'server.username'],
      [{ host: 'smtp.example.com', from: 'a@example.com', password: 42 }, 'server.password'],
      [{ host: 'smtp.example.com', from: 'a@example.com', ca: 'not a certificate' }, 'server.ca'],
      [{ host: 'smtp.example.com', from: 'a@example.com', tlsVerify: false }, 'server.tlsVerify'],
    ])('refuses %j naming %s', async (body, field) => {
      const res = await api('PUT', '/v1/config/server', body);

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(fields(res)).toContain(field);
      expect(res.body.error.message).toContain(field);
    });

    it('refuses a body that is not a JSON object, and one that is not JSON', async () => {
      const array = await api('PUT', '/v1/config/server', ['smtp.example.com']);
      const notJson = await call(runtime.url, 'PUT', '/v1/config/server', {
        token: admin,
        rawBody: '{"host":',
        headers: { 'content-type': 'application/json' },
      });
      const wrongType = await call(runtime.url, 'PUT', '/v1/config/server', {
        token: admin,
        rawBody: 'host=smtp.example.com',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

      expect(array.status).toBe(400);
      expect(notJson.status).toBe(400);
      expect(notJson.body.error.code).toBe('VALIDATION_FAILED');
      expect(wrongType.status).toBe(415);
    });
  });

  describe('recipients', () => {
    it('lists, adds (201), refuses a case-insensitive duplicate (409) and removes by URL-encoded address (204)', async () => {
      const empty = await api('GET', '/v1/config/recipients');
      const added = await api('POST', '/v1/config/recipients', { address: 'Oncall+Payments@Example.com' });
      const second = await api('POST', '/v1/config/recipients', { address: 'team@example.com' });
      const duplicate = await api('POST', '/v1/config/recipients', { address: 'oncall+payments@example.COM' });
      const listed = await api('GET', '/v1/config/recipients');
      const removed = await api('DELETE', `/v1/config/recipients/${encodeURIComponent('oncall+payments@example.com')}`);
      const again = await api('DELETE', `/v1/config/recipients/${encodeURIComponent('oncall+payments@example.com')}`);
      const after = await api('GET', '/v1/config/recipients');

      expect(empty).toMatchObject({ status: 200, body: { recipients: [] } });
      expect(added.status).toBe(201);
      expect(added.body).toEqual({ recipients: ['Oncall+Payments@Example.com'] });
      expect(second.body).toEqual({ recipients: ['Oncall+Payments@Example.com', 'team@example.com'] });
      expect(duplicate.status).toBe(409);
      expect(duplicate.body.error.code).toBe('CONFLICT');
      expect(fields(duplicate)).toEqual(['address']);
      expect(listed.body).toEqual({ recipients: ['Oncall+Payments@Example.com', 'team@example.com'] });
      expect(removed.status).toBe(204);
      expect(removed.text).toBe('');
      expect(again.status).toBe(404);
      expect(again.body.error.code).toBe('NOT_FOUND');
      expect(after.body).toEqual({ recipients: ['team@example.com'] });
      expect((await api('GET', '/v1/config')).body.recipients).toEqual(['team@example.com']);

      await api('DELETE', '/v1/config/recipients/team%40example.com');
    });

    it('answers 400 naming the address (not 500) for a malformed percent-encoding in the path', async () => {
      const res = await api('DELETE', '/v1/config/recipients/%E0%A4%A');

      expect(res.status).toBe(400);
      expect(fields(res)).toEqual(['address']);
    });

    it.each([
      'Oncall <oncall@example.com>',
      '"oncall"@example.com',
      'oncall@example.com\r\nBcc: victim@example.com',
      'oncall@example.com\n',
      'oncall example@example.com',
      'oncall',
      '@example.com',
      'oncall@',
      'a@b@example.com',
      'oncall@exa_mple.com',
      'oncall@example..com',
      '.oncall@example.com',
      `${'a'.repeat(65)}@example.com`,
      '',
    ])('refuses the address %j naming the field', async (address) => {
      const res = await api('POST', '/v1/config/recipients', { address });

      expect(res.status).toBe(400);
      expect(fields(res)).toEqual(['address']);
    });

    it('refuses a missing address, a non-string one and unknown fields, naming them', async () => {
      const missing = await api('POST', '/v1/config/recipients', {});
      const number = await api('POST', '/v1/config/recipients', { address: 5 });
      const unknown = await api('POST', '/v1/config/recipients', { address: 'a@example.com', name: 'A' });

      expect(fields(missing)).toEqual(['address']);
      expect(fields(number)).toEqual(['address']);
      expect(unknown.status).toBe(400);
      expect(fields(unknown)).toEqual(['name']);
    });

    it('loses nothing when ten admins add ten different recipients at once', async () => {
      const addresses = Array.from({ length: 10 }, (_, i) => `concurrent-${i}@example.com`);

      const results = await Promise.all(addresses.map((address) => api('POST', '/v1/config/recipients', { address })));

      expect(results.map((r) => r.status)).toEqual(addresses.map(() => 201));
      const listed = (await api('GET', '/v1/config/recipients')).body.recipients as string[];
      expect([...listed].sort()).toEqual([...addresses].sort());
      await Promise.all(addresses.map((a) => api('DELETE', `/v1/config/recipients/${encodeURIComponent(a)}`)));
      expect((await api('GET', '/v1/config/recipients')).body.recipients).toEqual([]);
    });

    it('holds at most 100 recipients', async () => {
      for (let i = 0; i < 100; i += 10) {
        const batch = Array.from({ length: 10 }, (_, j) => `r${i + j}@example.com`);
        for (const address of batch) expect((await api('POST', '/v1/config/recipients', { address })).status).toBe(201);
      }

      const over = await api('POST', '/v1/config/recipients', { address: 'r100@example.com' });

      expect(over.status).toBe(400);
      expect(fields(over)).toEqual(['address']);
      expect((await api('GET', '/v1/config/recipients')).body.recipients).toHaveLength(100);
      for (let i = 0; i < 100; i++) await api('DELETE', `/v1/config/recipients/r${i}%40example.com`);
    });
  });

  describe('PUT /v1/config/conditions', () => {
    it('replaces the list; values are required for In/NotIn and absent for Exists/DoesNotExist', async () => {
      const conditions = [
        { label: 'severity', operator: 'In', values: ['critical', 'warning'] },
        { label: 'namespace', operator: 'NotIn', values: ['kube-system'] },
        { label: 'team_owner', operator: 'Exists' },
        { label: '_private', operator: 'DoesNotExist' },
      ];

      const res = await api('PUT', '/v1/config/conditions', conditions);
      const replaced = await api('PUT', '/v1/config/conditions', [
        { label: 'alertname', operator: 'In', values: ['A'] },
      ]);
      const cleared = await api('PUT', '/v1/config/conditions', []);

      expect(res.status).toBe(200);
      expect(res.body.conditions).toEqual([
        { label: 'severity', operator: 'In', values: ['critical', 'warning'] },
        { label: 'namespace', operator: 'NotIn', values: ['kube-system'] },
        { label: 'team_owner', operator: 'Exists', values: [] },
        { label: '_private', operator: 'DoesNotExist', values: [] },
      ]);
      expect(replaced.body.conditions).toEqual([{ label: 'alertname', operator: 'In', values: ['A'] }]);
      expect(cleared.status).toBe(200);
      expect(cleared.body.conditions).toEqual([]);
    });

    it.each([
      [[{ label: 'severity', operator: 'In' }], 'conditions[0].values'],
      [[{ label: 'severity', operator: 'NotIn', values: [] }], 'conditions[0].values'],
      [[{ label: 'severity', operator: 'Exists', values: ['x'] }], 'conditions[0].values'],
      [[{ label: 'severity', operator: 'DoesNotExist', values: ['x'] }], 'conditions[0].values'],
      [[{ label: 'severity', operator: 'Equals', values: ['x'] }], 'conditions[0].operator'],
      [[{ label: '1severity', operator: 'Exists' }], 'conditions[0].label'],
      [[{ label: 'app.kubernetes.io/name', operator: 'Exists' }], 'conditions[0].label'],
      [[{ label: 'sev-erity', operator: 'Exists' }], 'conditions[0].label'],
      [[{ label: '', operator: 'Exists' }], 'conditions[0].label'],
      [[{ operator: 'Exists' }], 'conditions[0].label'],
      [
        [
          { label: 'a', operator: 'Exists' },
          { label: 'b', operator: 'In', values: ['x\r\ny'] },
        ],
        'conditions[1].values[0]',
      ],
      [[{ label: 'a', operator: 'In', values: [1] }], 'conditions[0].values[0]'],
      [[{ label: 'a', operator: 'Exists', regex: true }], 'conditions[0].regex'],
      [{ label: 'a', operator: 'Exists' }, 'conditions'],
    ])('refuses %j naming %s', async (body, field) => {
      const res = await api('PUT', '/v1/config/conditions', body);

      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });

    it('holds at most 50 conditions', async () => {
      const fifty = Array.from({ length: 50 }, (_, i) => ({ label: `l${i}`, operator: 'Exists' }));

      const ok = await api('PUT', '/v1/config/conditions', fifty);
      const over = await api('PUT', '/v1/config/conditions', [...fifty, { label: 'l50', operator: 'Exists' }]);

      expect(ok.status).toBe(200);
      expect(over.status).toBe(400);
      expect(fields(over)).toEqual(['conditions']);
      await api('PUT', '/v1/config/conditions', []);
    });
  });

  describe('PATCH /v1/config', () => {
    it('toggles and tunes, leaving what is not in the body', async () => {
      const off = await api('PATCH', '/v1/config', { enabled: false });
      const tuned = await api('PATCH', '/v1/config', { repeatInterval: '30m', sendResolved: false });
      const min = await api('PATCH', '/v1/config', { repeatInterval: '1m' });
      const max = await api('PATCH', '/v1/config', { repeatInterval: '30d' });
      const mixed = await api('PATCH', '/v1/config', { repeatInterval: '1h30m' });
      const back = await api('PATCH', '/v1/config', { enabled: true, repeatInterval: '12h', sendResolved: true });

      expect(off.status).toBe(200);
      expect(off.body).toMatchObject({ enabled: false, repeatInterval: '12h', sendResolved: true });
      expect(tuned.body).toMatchObject({ enabled: false, repeatInterval: '30m', sendResolved: false });
      expect(min.body.repeatInterval).toBe('1m');
      expect(max.body.repeatInterval).toBe('30d');
      expect(mixed.body.repeatInterval).toBe('1h30m');
      expect(back.body).toMatchObject({ enabled: true, repeatInterval: '12h', sendResolved: true });
    });

    it.each([
      [{ repeatInterval: '59s' }, 'repeatInterval'],
      [{ repeatInterval: '31d' }, 'repeatInterval'],
      [{ repeatInterval: '0m' }, 'repeatInterval'],
      [{ repeatInterval: '12' }, 'repeatInterval'],
      [{ repeatInterval: 'soon' }, 'repeatInterval'],
      [{ repeatInterval: 43200 }, 'repeatInterval'],
      [{ enabled: 'yes' }, 'enabled'],
      [{ sendResolved: 1 }, 'sendResolved'],
      [{ enabled: true, muted: true }, 'muted'],
      [{}, '(body)'],
    ])('refuses %j naming %s', async (body, field) => {
      const res = await api('PATCH', '/v1/config', body);

      expect(res.status).toBe(400);
      expect(fields(res)).toContain(field);
    });
  });

  it('a refused write leaves GET /v1/config byte-for-byte unchanged', async () => {
    await api('PUT', '/v1/config/server', {
      host: 'smtp.example.com',
      port: 587,
      username: 'u',
      password: 'p-unchanged',
      from: 'a@example.com',
    });
    await api('POST', '/v1/config/recipients', { address: 'keep@example.com' });
    await api('PUT', '/v1/config/conditions', [{ label: 'severity', operator: 'In', values: ['critical'] }]);
    const before = await api('GET', '/v1/config');

    const refused = await Promise.all([
      api('PUT', '/v1/config/server', { host: 'other.example.com', from: 'bad address', password: 'new-password' }),
      api('PUT', '/v1/config/server', { host: 'other.example.com', from: 'a@example.com', extra: 1 }),
      api('POST', '/v1/config/recipients', { address: 'KEEP@example.com' }),
      api('POST', '/v1/config/recipients', { address: 'x <x@example.com>' }),
      api('DELETE', '/v1/config/recipients/absent%40example.com'),
      api('PUT', '/v1/config/conditions', [
        { label: 'ok', operator: 'Exists' },
        { label: 'bad-label', operator: 'Exists' },
      ]),
      api('PATCH', '/v1/config', { enabled: false, repeatInterval: '1s' }),
      call(runtime.url, 'PATCH', '/v1/config', { token: runtime.ingestToken, body: { enabled: false } }),
      call(runtime.url, 'PUT', '/v1/config/server', { body: { host: 'evil.example.com', from: 'a@example.com' } }),
    ]);
    const after = await api('GET', '/v1/config');

    expect(refused.map((r) => r.status)).toEqual([400, 400, 409, 400, 404, 400, 400, 403, 401]);
    expect(after.text).toBe(before.text);
  });

  it('keeps no password in any response, log line or DynamoDB item', async () => {
    const password = `pw-${Math.random().toString(36).slice(2)}-never-shown`;
    const responses = [
      await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        username: 'u',
        password,
        from: 'a@example.com',
      }),
      await api('GET', '/v1/config'),
      await api('PATCH', '/v1/config', { enabled: true }),
      await api('PUT', '/v1/config/server', {
        host: 'smtp.example.com',
        username: 'u',
        password: 1,
        from: 'a@example.com',
      }),
      await api('PUT', '/v1/config/server', { host: 'bad host', username: 'u', password, from: 'a@example.com' }),
    ];
    const items = await scanRuntimeTables(runtime);

    expect(responses.map((r) => r.status)).toEqual([200, 200, 200, 400, 400]);
    for (const res of responses) expect(res.text).not.toContain(password);
    expect(items.length).toBeGreaterThan(0);
    expect(items.join('\n')).toContain('smtp.example.com');
    expect(items.join('\n')).not.toContain(password);
    expect(runtime.logs.join('\n')).not.toContain(password);
  });
});
