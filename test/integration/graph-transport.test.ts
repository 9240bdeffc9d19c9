/**
 * Issue 17: `transport: "graph"`, the same MIME bytes through Microsoft Graph `sendMail`, against a
 * local server holding Graph's documented MIME contract (bearer token the token server signed for the
 * Graph scope, `Content-Type: text/plain`, base64 MIME body, 202 empty) and Graph's failures:
 * throttling (429 + Retry-After) is temporary (503, the retry delivers), 400/403 are permanent.
 */
import { randomUUID } from 'node:crypto';
import {
  CLIENT_ID,
  type GraphServer,
  startGraphServer,
  startTokenServer,
  TENANT,
  type TokenServer,
} from './oauth-support';
import { call, startTestRuntime, type TestRuntime } from './support';

const SECRET = `graph-secret-${randomUUID()}`;
const MAILBOX = 'alerts@contoso.example';
const RECIPIENT = 'oncall@example.com';

describe('the Microsoft Graph transport', () => {
  let tokens: TokenServer;
  let graph: GraphServer;
  let runtime: TestRuntime;

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const alert = (run = randomUUID()) =>
    call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: [{ labels: { alertname: 'GraphProbe', run }, annotations: { summary: 'probe' } }],
    });
  const graphSettings = {
    transport: 'graph',
    from: MAILBOX,
    auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_ID, user: MAILBOX },
  };

  beforeAll(async () => {
    tokens = await startTokenServer({ clientSecret: SECRET });
    graph = await startGraphServer(tokens);
    runtime = await startTestRuntime({
      env: { ALERTMAIL_MICROSOFT_LOGIN_URL: tokens.url, ALERTMAIL_GRAPH_URL: graph.url },
    });
    expect((await admin('POST', '/v1/config/recipients', { address: RECIPIENT })).status).toBe(201);
    const put = await admin('PUT', '/v1/config/server', {
      ...graphSettings,
      auth: { ...graphSettings.auth, clientSecret: SECRET },
    });
    expect(put.status).toBe(200);
    expect(put.body.server).toMatchObject({
      transport: 'graph',
      auth: { provider: 'microsoft', clientSecretSet: true },
    });
    expect(put.text).not.toContain(SECRET);
  });

  afterAll(async () => {
    await runtime?.stop();
    await graph?.stop();
    await tokens?.stop();
  });

  it('sends an alert as base64 MIME with text/plain and a token for the Graph scope (202)', async () => {
    const posted = await alert();
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ notified: 1 });

    expect(graph.requests).toHaveLength(1);
    const [request] = graph.requests;
    expect(request?.user).toBe(MAILBOX);
    expect(request?.contentType).toBe('text/plain');
    const [sent] = graph.sent;
    expect(sent?.mail.subject).toContain('GraphProbe');
    expect(sent?.mail.from?.value[0]?.address).toBe(MAILBOX);
    // Graph takes the recipients from the MIME headers: they name exactly the envelope.
    const to = sent?.mail.to;
    const headerRecipients = (Array.isArray(to) ? to : to ? [to] : []).flatMap((t) => t.value.map((v) => v.address));
    expect(headerRecipients).toEqual([RECIPIENT]);
    expect((await tokens.requests())[0]).toMatchObject({
      grant_type: 'client_credentials',
      scope: 'https://graph.microsoft.com/.default',
      secretMatched: true,
    });
  });

  it('Send Test Message goes through Graph and says so', async () => {
    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ sent: true, accepted: [RECIPIENT] });
    expect(graph.sent.at(-1)?.mail.text?.replace(/\s+/g, ' ')).toContain(`Microsoft Graph for the mailbox ${MAILBOX}`);
    // One token for both sends.
    expect(await tokens.requests()).toHaveLength(1);
  });

  it('throttling (429 with Retry-After): the alert answers 503, nothing is marked sent, the retry delivers', async () => {
    graph.script.push({
      status: 429,
      headers: { 'retry-after': '42' },
      body: { error: { code: 'ApplicationThrottled', message: 'Application is over its MailboxConcurrency limit.' } },
    });
    const run = randomUUID();
    const sent = graph.sent.length;

    const first = await alert(run);
    expect(first.status).toBe(503);
    expect(first.body.error.code).toBe('DELIVERY_FAILED');
    // Graph's own wait is passed on to the sender.
    expect(first.headers.get('retry-after')).toBe('42');
    const log = await admin('GET', '/v1/deliveries');
    expect(log.body.deliveries[0]).toMatchObject({ outcome: 'failed', permanent: false });
    expect(log.body.deliveries[0].error).toContain(
      'ApplicationThrottled: Application is over its MailboxConcurrency limit.',
    );
    expect(log.body.deliveries[0].error).toContain('retry after 42 s');

    const retry = await alert(run);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ notified: 1 });
    expect(graph.sent).toHaveLength(sent + 1);
  });

  it('403 and 400 with Graph’s error body are permanent, recorded with Graph’s own message', async () => {
    graph.script.push({
      status: 403,
      body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied. Check credentials and try again.' } },
    });
    const denied = await alert();
    expect(denied.status).toBe(202);
    expect(denied.body).toMatchObject({ notified: 0, suppressed: { undeliverable: 1 } });
    const log = await admin('GET', '/v1/deliveries');
    expect(log.body.deliveries[0]).toMatchObject({ outcome: 'failed', permanent: true });
    expect(log.body.deliveries[0].error).toBe(
      'GRAPH_REJECTED: Microsoft Graph refused the message: HTTP 403 ErrorAccessDenied: Access is denied. Check credentials and try again.',
    );

    graph.script.push({
      status: 400,
      body: { error: { code: 'ErrorInvalidRecipients', message: 'At least one recipient is not valid.' } },
    });
    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(502);
    expect(test.body.error).toMatchObject({
      code: 'GRAPH_REJECTED',
      permanent: true,
      message:
        'Microsoft Graph refused the message: HTTP 400 ErrorInvalidRecipients: At least one recipient is not valid.',
    });
  });

  it('a token Graph refuses (401) is renewed once', async () => {
    const before = (await tokens.requests()).length;
    graph.script.push({
      status: 401,
      body: {
        error: { code: 'InvalidAuthenticationToken', message: 'Lifetime validation failed, the token is expired.' },
      },
    });
    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(200);
    expect(await tokens.requests()).toHaveLength(before + 1);
  });

  it('refuses graph without the Microsoft OAuth 2.0 sign-in (400 naming server.transport)', async () => {
    const generic = await admin('PUT', '/v1/config/server', {
      transport: 'graph',
      from: MAILBOX,
      auth: {
        type: 'oauth2',
        provider: 'generic',
        tokenUrl: tokens.tokenUrl,
        clientId: 'c',
        clientSecret: 's',
        user: MAILBOX,
      },
    });
    const none = await admin('PUT', '/v1/config/server', { transport: 'graph', from: MAILBOX });
    expect(generic.status).toBe(400);
    expect(generic.body.error.details).toEqual([
      { field: 'server.transport', message: expect.stringContaining('microsoft') },
    ]);
    expect(none.status).toBe(400);
    expect(none.body.error.details.map((d: { field: string }) => d.field)).toEqual(['server.transport']);
    // Nothing changed.
    expect((await admin('GET', '/v1/config')).body.server).toMatchObject({ transport: 'graph' });
  });
});
