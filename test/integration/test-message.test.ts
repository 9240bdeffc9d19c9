/**
 * Send Test Message through the HTTP layer against real SMTP servers: an open relay, AUTH PLAIN and
 * LOGIN, STARTTLS and implicit TLS with a private CA, and the failures an admin must be told about in
 * the server's own words. Also: no stale settings in the warm process, and the password never leaks.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import {
  type ApiResponse,
  call,
  closedPort,
  scanRuntimeTables,
  startSilentServer,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
  TLS,
} from './support';

const PASSWORD = `Tr0ub4dor-${Math.random().toString(36).slice(2, 10)}-never-shown`;
const USER = 'alertmail-sender';

/** An SMTP server that offers exactly one AUTH mechanism, so the test knows which one nodemailer used. */
async function startAuthServer(method: 'PLAIN' | 'LOGIN') {
  const used: string[] = [];
  const received: string[][] = [];
  const server = new SMTPServer({
    logger: false,
    authMethods: [method],
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      used.push(auth.method);
      if (auth.username === USER && auth.password === PASSWORD) return callback(null, { user: auth.username });
      const error = new Error('5.7.8 Authentication credentials invalid') as Error & { responseCode: number };
      error.responseCode = 535;
      return callback(error);
    },
    onData(stream, session, callback) {
      stream.resume();
      stream.on('end', () => {
        received.push(session.envelope.rcptTo.map((r) => r.address));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    used,
    received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe('POST /v1/test-message', () => {
  let runtime: TestRuntime;
  let relay: TestSmtpServer;
  let other: TestSmtpServer;
  let authed: TestSmtpServer;
  let starttls: TestSmtpServer;
  let implicit: TestSmtpServer;
  let plainOnly: Awaited<ReturnType<typeof startAuthServer>>;
  let loginOnly: Awaited<ReturnType<typeof startAuthServer>>;
  let silent: Awaited<ReturnType<typeof startSilentServer>>;
  const responses: ApiResponse[] = [];
  const testMessages: Array<{ status: number; code?: string }> = [];

  const api = async (method: string, route: string, body?: unknown) => {
    const res = await call(runtime.url, method, route, { token: runtime.adminToken, body });
    responses.push(res);
    return res;
  };
  const setServer = async (settings: Record<string, unknown>) => {
    const res = await api('PUT', '/v1/config/server', { from: 'alertmail@example.com', ...settings });
    expect(res.status).toBe(200);
    return res;
  };
  const sendTest = async (body?: unknown) => {
    const res = await api('POST', '/v1/test-message', body);
    if (res.status === 200 || res.status === 502) testMessages.push({ status: res.status, code: res.body.error?.code });
    return res;
  };

  beforeAll(async () => {
    [relay, other, authed, starttls, implicit, plainOnly, loginOnly, silent, runtime] = await Promise.all([
      startSmtpServer(),
      startSmtpServer(),
      startSmtpServer({ users: { [USER]: PASSWORD } }),
      startSmtpServer({ tls: 'starttls' }),
      startSmtpServer({ tls: 'tls' }),
      startAuthServer('PLAIN'),
      startAuthServer('LOGIN'),
      startSilentServer(),
      startTestRuntime(),
    ]);
  });

  afterAll(async () => {
    await runtime?.stop();
    await Promise.all(
      [relay, other, authed, starttls, implicit, plainOnly, loginOnly, silent].map((server) => server?.stop()),
    );
  });

  it('answers 400 NOT_CONFIGURED while there is no recipient', async () => {
    const res = await sendTest();

    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('NOT_CONFIGURED');
    expect(res.body.error.details).toEqual([{ field: 'recipients', message: expect.any(String) }]);
  });

  it('refuses a malformed draft naming the field, before sending anything', async () => {
    const emptyList = await sendTest({ recipients: [] });
    const badAddress = await sendTest({ recipients: ['Ops <ops@example.com>'] });
    const badServer = await sendTest({ server: { host: 'smtp.example.com', from: 'x', port: 25 } });
    const unknown = await sendTest({ servers: {} });

    expect(emptyList.status).toBe(400);
    expect(emptyList.body.error.details[0].field).toBe('recipients');
    expect(badAddress.body.error.details[0].field).toBe('recipients[0]');
    expect(badServer.body.error.details[0].field).toBe('server.from');
    expect(unknown.body.error.details[0].field).toBe('servers');
  });

  it('sends through an open relay with the saved settings', async () => {
    await setServer({ host: '127.0.0.1', port: relay.port, security: 'none' });
    expect((await api('POST', '/v1/config/recipients', { address: 'ops@example.com' })).status).toBe(201);

    const res = await sendTest();

    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      sent: true,
      messageId: expect.stringMatching(/^<.+@example\.com>$/),
      accepted: ['ops@example.com'],
      rejected: [],
    });
    const [mail] = await relay.waitFor(1);
    expect(mail?.envelope).toEqual({ from: 'alertmail@example.com', to: ['ops@example.com'] });
    expect(mail?.parsed.subject).toBe('alertmail test message');
    expect(mail?.parsed.messageId).toBe(res.body.messageId);
    expect(mail?.parsed.text).toContain(`port ${relay.port}`);
  });

  it.each(['PLAIN', 'LOGIN'] as const)(
    'authenticates with AUTH %s when that is all the server offers',
    async (method) => {
      const server = method === 'PLAIN' ? plainOnly : loginOnly;
      await setServer({ host: '127.0.0.1', port: server.port, security: 'none', username: USER, password: PASSWORD });

      const res = await sendTest();

      expect(res.status).toBe(200);
      expect(server.used).toEqual([method]);
      expect(server.received).toEqual([['ops@example.com']]);
    },
  );

  it('answers 502 SMTP_AUTH_FAILED with the server\'s own "535" reply for a wrong password', async () => {
    await setServer({ host: '127.0.0.1', port: authed.port, username: USER, password: 'not-the-password' });

    const res = await sendTest();

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_AUTH_FAILED');
    expect(res.body.error.message).toContain('535');
    expect(res.body.error.message).toContain('Authentication credentials invalid');
  });

  it('uses a changed password at once (no stale cache), and a wrong one again after that', async () => {
    await setServer({ host: '127.0.0.1', port: authed.port, username: USER, password: PASSWORD });
    const right = await sendTest();
    await setServer({ host: '127.0.0.1', port: authed.port, username: USER, password: 'wrong-again' });
    const wrong = await sendTest();
    await setServer({ host: '127.0.0.1', port: authed.port, username: USER, password: PASSWORD });
    const rightAgain = await sendTest();
    // An update without a password keeps the stored (right) one.
    await setServer({ host: '127.0.0.1', port: authed.port, username: USER });
    const kept = await sendTest();

    expect([right.status, wrong.status, rightAgain.status, kept.status]).toEqual([200, 502, 200, 200]);
    expect(wrong.body.error.code).toBe('SMTP_AUTH_FAILED');
  });

  it('uses changed server settings for the very next test message and the very next alert', async () => {
    await setServer({ host: '127.0.0.1', port: relay.port });
    const before = relay.received.length;
    await sendTest();
    await relay.waitFor(before + 1);

    await setServer({ host: 'localhost', port: other.port, from: 'changed@example.com' });
    const test = await sendTest();
    const alert = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: { alerts: [{ labels: { alertname: 'CacheCheck', severity: 'critical' }, status: 'firing' }] },
    });

    expect(test.status).toBe(200);
    expect(alert.status).toBe(202);
    expect(alert.body.notified).toBe(1);
    const mails = await other.waitFor(2);
    expect(mails.map((m) => m.envelope.from)).toEqual(['changed@example.com', 'changed@example.com']);
    expect(mails[1]?.parsed.subject).toContain('CacheCheck');
    expect(relay.received).toHaveLength(before + 1);
  });

  it('sends over STARTTLS when the private CA is given, and fails with SMTP_TLS_FAILED without it', async () => {
    await setServer({ host: 'localhost', port: starttls.port, security: 'starttls', ca: TLS.ca });
    const trusted = await sendTest();
    await setServer({ host: 'localhost', port: starttls.port, security: 'starttls', ca: null });
    const untrusted = await sendTest();

    expect(trusted.status).toBe(200);
    expect(starttls.received).toHaveLength(1);
    expect(untrusted.status).toBe(502);
    expect(untrusted.body.error.code).toBe('SMTP_TLS_FAILED');
    expect(untrusted.body.error.message).toMatch(/certificate/i);
    expect(untrusted.body.error.message).toContain('add its certificate as "ca"');
  });

  it('sends over implicit TLS (port 465 style) with the private CA, by IP address', async () => {
    await setServer({ host: '127.0.0.1', port: implicit.port, security: 'tls', ca: TLS.ca });

    const res = await sendTest();

    expect(res.status).toBe(200);
    expect(implicit.received).toHaveLength(1);
  });

  it('refuses to downgrade: STARTTLS required but not offered is SMTP_TLS_FAILED', async () => {
    await setServer({ host: '127.0.0.1', port: relay.port, security: 'starttls', ca: null });

    const res = await sendTest();

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_TLS_FAILED');
    expect(res.body.error.message).toContain('refused STARTTLS');
  });

  it('explains a port that does not speak TLS when implicit TLS is set', async () => {
    await setServer({ host: '127.0.0.1', port: relay.port, security: 'tls', ca: null });

    const res = await sendTest();

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_TLS_FAILED');
    expect(res.body.error.message).toContain('465 is implicit TLS');
  });

  it("answers 502 SMTP_REJECTED with the server's own reply when it refuses the message", async () => {
    await setServer({ host: '127.0.0.1', port: relay.port, security: 'none' });
    relay.failNext(1);

    const res = await sendTest();

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_REJECTED');
    expect(res.body.error.message).toContain('451 4.3.0 Temporary failure');
  });

  it('answers 502 SMTP_CONNECTION_FAILED for a closed port', async () => {
    await setServer({ host: '127.0.0.1', port: await closedPort(), security: 'none' });

    const res = await sendTest();

    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_CONNECTION_FAILED');
    expect(res.body.error.message).toContain('ECONNREFUSED');
  });

  it('answers 502 SMTP_TIMEOUT within 15 s for a server that never says a word', async () => {
    await setServer({ host: '127.0.0.1', port: silent.port, security: 'none' });
    const started = Date.now();

    const res = await sendTest();

    expect(Date.now() - started).toBeLessThan(15_000);
    expect(res.status).toBe(502);
    expect(res.body.error.code).toBe('SMTP_TIMEOUT');
  });

  it('uses the draft server and recipients from the body, with the saved password, and saves nothing', async () => {
    await setServer({ host: '127.0.0.1', port: authed.port, username: USER, password: PASSWORD });
    const saved = await api('GET', '/v1/config');
    const before = authed.received.length;

    const res = await sendTest({
      server: { host: 'localhost', port: authed.port, security: 'none', username: USER, from: 'draft@example.com' },
      recipients: ['draft-1@example.com', 'draft-2@example.com'],
    });
    const withoutPassword = await sendTest({
      server: { host: 'localhost', port: authed.port, username: USER, password: null, from: 'draft@example.com' },
    });

    expect(res.status).toBe(200);
    expect(res.body.accepted).toEqual(['draft-1@example.com', 'draft-2@example.com']);
    const mail = (await authed.waitFor(before + 1))[before];
    expect(mail?.envelope).toEqual({ from: 'draft@example.com', to: ['draft-1@example.com', 'draft-2@example.com'] });
    expect(withoutPassword.status).toBe(502);
    expect(withoutPassword.body.error.code).toBe('SMTP_AUTH_FAILED');
    expect(withoutPassword.body.error.message).toContain('no password');
    expect((await api('GET', '/v1/config')).text).toBe(saved.text);
  });

  it('records every test message in GET /v1/deliveries as kind test, with its outcome and error', async () => {
    const res = await api('GET', `/v1/deliveries?limit=100`);

    expect(res.status).toBe(200);
    const tests = (res.body.deliveries as Array<Record<string, unknown>>).filter((d) => d.kind === 'test');
    expect(tests).toHaveLength(testMessages.length);
    // Newest first.
    const expected = [...testMessages].reverse();
    tests.forEach((delivery, i) => {
      const sent = expected[i]?.status === 200;
      expect(delivery).toMatchObject({ kind: 'test', alerts: [], outcome: sent ? 'sent' : 'failed' });
      if (sent) expect(delivery.error).toBeNull();
      else expect(delivery.error).toContain(expected[i]?.code);
    });
    const times = tests.map((d) => String(d.at));
    expect([...times].sort().reverse()).toEqual(times);
  });

  it('never shows the password in a response, a log line, a DynamoDB item or a mail', async () => {
    const items = await scanRuntimeTables(runtime);
    const mails = [relay, other, authed, starttls, implicit].flatMap((s) => s.received.map((m) => m.raw.toString()));

    expect(responses.length).toBeGreaterThan(30);
    for (const res of responses) expect(res.text).not.toContain(PASSWORD);
    expect(items.some((item) => item.includes(USER))).toBe(true);
    for (const item of items) expect(item).not.toContain(PASSWORD);
    expect(runtime.logs.length).toBeGreaterThan(10);
    for (const line of runtime.logs) expect(line).not.toContain(PASSWORD);
    for (const mail of mails) expect(mail).not.toContain(PASSWORD);
  });
});
