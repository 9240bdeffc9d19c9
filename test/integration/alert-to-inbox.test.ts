/** Issue 2's thin path: an Alertmanager webhook becomes one email in a real SMTP server; a re-post inside the interval does not. */
import { alertmanagerFiring } from '../fixtures';
import { call, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

describe('an alert posted to the local runtime', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    const admin = runtime.adminToken;
    expect(
      (
        await call(runtime.url, 'PUT', '/v1/config/server', {
          token: admin,
          body: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'alerts@example.com' },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await call(runtime.url, 'POST', '/v1/config/recipients', {
          token: admin,
          body: { address: 'oncall@example.com' },
        })
      ).status,
    ).toBe(201);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  it('answers /healthz without a token', async () => {
    const res = await call(runtime.url, 'GET', '/healthz');
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok', store: 'ok' });
  });

  it('emails an Alertmanager webhook once, then suppresses the re-post inside the repeat interval', async () => {
    // Act
    const first = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerFiring.body,
    });
    const second = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerFiring.body,
    });

    // Assert
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({
      received: 2,
      matched: 2,
      notified: 2,
      suppressed: { conditions: 0, repeatInterval: 0, disabled: 0 },
    });
    expect(typeof first.body.deliveryId).toBe('string');
    expect(second.status).toBe(202);
    expect(second.body).toMatchObject({
      received: 2,
      notified: 0,
      suppressed: { repeatInterval: 2 },
      deliveryId: null,
    });
    const [mail] = await smtp.waitFor(1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(smtp.received).toHaveLength(1);
    expect(mail?.parsed.subject).toBe('[FIRING:2] KubePodCrashLooping (payments, warning)');
    expect(mail?.envelope.to).toEqual(['oncall@example.com']);
    expect(mail?.parsed.text).toContain('api-7d9f-1');
  });

  it('refuses ingest without a token (401) and config writes with the ingest token (403)', async () => {
    const anonymous = await call(runtime.url, 'POST', '/v1/alerts', { body: alertmanagerFiring.body });
    const wrongRole = await call(runtime.url, 'PUT', '/v1/config/server', {
      token: runtime.ingestToken,
      body: { host: 'evil.example.com', from: 'x@example.com' },
    });
    expect(anonymous.status).toBe(401);
    expect(anonymous.body.error.code).toBe('UNAUTHORIZED');
    expect(wrongRole.status).toBe(403);
    expect((await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken })).body.server.host).toBe(
      '127.0.0.1',
    );
  });
});
