/**
 * Issue 17: OAuth 2.0 sign-in to the mail server with SMTP AUTH XOAUTH2, end to end against real
 * parts: a token server (oauth2-mock-server) issuing signed JWTs, and an SMTP server that offers only
 * XOAUTH2 and verifies each token's signature with the token server's JWKS. The Microsoft, Google
 * and generic presets; the token cache (reused, refreshed on expiry, dropped on a settings change);
 * and what Send Test Message tells the admin when the identity provider or the mail server says no.
 */
import { generateKeyPairSync, randomUUID } from 'node:crypto';
import {
  CLIENT_ID,
  startTokenServer,
  startXOAuth2SmtpServer,
  TENANT,
  type TokenServer,
  type XOAuth2SmtpServer,
} from './oauth-support';
import { call, sleep, startTestRuntime, type TestRuntime } from './support';

const SECRET = `azure-secret-${randomUUID()}`;
const MAILBOX = 'alerts@contoso.example';
const RECIPIENT = 'oncall@example.com';

const google = generateKeyPairSync('rsa', { modulusLength: 2048 });
const GOOGLE_KEY = JSON.stringify({
  type: 'service_account',
  project_id: 'alertmail-test',
  private_key_id: 'k1',
  private_key: google.privateKey.export({ type: 'pkcs8', format: 'pem' }),
  client_email: 'alertmail@alertmail-test.iam.gserviceaccount.com',
  client_id: '1234567890',
  token_uri: 'https://oauth2.googleapis.com/token',
});

describe('OAuth 2.0 sign-in (SMTP AUTH XOAUTH2)', () => {
  let tokens: TokenServer;
  let smtp: XOAuth2SmtpServer;
  let runtime: TestRuntime;

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const microsoft = (extra: Record<string, unknown> = {}) => ({
    host: '127.0.0.1',
    port: smtp.port,
    security: 'none',
    from: MAILBOX,
    auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_ID, user: MAILBOX, ...extra },
  });
  const alert = (run = randomUUID()) =>
    call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: [{ labels: { alertname: 'OAuthProbe', run }, annotations: { summary: 'probe' } }],
    });
  const grants = async () => (await tokens.requests()).length;

  beforeAll(async () => {
    tokens = await startTokenServer({
      clientSecret: SECRET,
      googlePublicKey: google.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    });
    smtp = await startXOAuth2SmtpServer(tokens, { user: MAILBOX, scope: 'https://outlook.office365.com/.default' });
    runtime = await startTestRuntime({
      env: { ALERTMAIL_MICROSOFT_LOGIN_URL: tokens.url, ALERTMAIL_GOOGLE_TOKEN_URL: tokens.tokenUrl },
    });
    expect((await admin('POST', '/v1/config/recipients', { address: RECIPIENT })).status).toBe(201);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
    await tokens?.stop();
  });

  afterEach(() => {
    smtp.refuseWith = undefined;
    smtp.expected = { user: MAILBOX, scope: 'https://outlook.office365.com/.default' };
  });

  it('Microsoft: an alert goes out through XOAUTH2 with a token for the Exchange scope; the config never shows the secret', async () => {
    const put = await admin('PUT', '/v1/config/server', microsoft({ clientSecret: SECRET }));
    expect(put.status).toBe(200);
    expect(put.body.server).toEqual({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: MAILBOX,
      passwordSet: false,
      auth: {
        type: 'oauth2',
        provider: 'microsoft',
        tenantId: TENANT,
        clientId: CLIENT_ID,
        user: MAILBOX,
        clientSecretSet: true,
      },
    });
    expect(put.text).not.toContain(SECRET);

    const posted = await alert();
    expect(posted.status).toBe(202);
    expect(posted.body).toMatchObject({ notified: 1 });
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.user).toBe(MAILBOX);
    expect(smtp.received[0]?.rcptTo).toEqual([RECIPIENT]);
    expect(smtp.received[0]?.mail.subject).toContain('OAuthProbe');
    const [grant] = await tokens.requests();
    expect(grant).toMatchObject({
      grant_type: 'client_credentials',
      client_id: CLIENT_ID,
      scope: 'https://outlook.office365.com/.default',
      secretMatched: true,
    });

    // Send Test Message through the same sign-in: the cached token, no second token request.
    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(200);
    expect(test.body).toMatchObject({ sent: true, accepted: [RECIPIENT] });
    expect(smtp.received).toHaveLength(2);
    expect(smtp.received[1]?.token).toBe(smtp.received[0]?.token);
    expect(await grants()).toBe(1);
  });

  it('drops the cached token when the settings change, and fetches a new one when it expires', async () => {
    // Whole seconds: a token lives between 2 and 3 s, and alertmail refreshes it at 90 % of the 3 s it was told.
    await tokens.set({ ttl: 3 });
    // The same secret written again still is a credential write: the old token is not used after it.
    expect((await admin('PUT', '/v1/config/server', microsoft({ clientSecret: SECRET }))).status).toBe(200);
    const before = await grants();
    expect((await admin('POST', '/v1/test-message')).status).toBe(200);
    expect(await grants()).toBe(before + 1);
    expect((await admin('POST', '/v1/test-message')).status).toBe(200);
    expect(await grants()).toBe(before + 1);

    await sleep(3_100);
    expect((await alert()).status).toBe(202);
    expect(await grants()).toBe(before + 2);
    const [, , third, fourth] = smtp.received.slice(-4);
    expect(fourth?.token).not.toBe(third?.token);
    // Every token the server saw was valid when presented (the SMTP server verified each).
    expect(smtp.attempts.every((a) => a.outcome === 'accepted')).toBe(true);

    // A setting other than the secret (the scope) is a change too.
    await tokens.set({ ttl: 3600 });
    smtp.expected = { user: MAILBOX, scope: 'https://outlook.office365.com/SMTP.SendAsApp' };
    expect((await admin('PUT', '/v1/config/server', microsoft({ scope: smtp.expected.scope }))).status).toBe(200);
    expect((await admin('POST', '/v1/test-message')).status).toBe(200);
    expect(await grants()).toBe(before + 3);
    expect((await tokens.requests()).at(-1)?.scope).toBe(smtp.expected.scope);
  });

  it('a wrong client secret: OAUTH_TOKEN_FAILED with the identity provider’s error and description; an alert gets 503', async () => {
    const wrong = `wrong-${randomUUID()}`;
    expect((await admin('PUT', '/v1/config/server', microsoft({ clientSecret: wrong }))).status).toBe(200);
    const sent = smtp.received.length;

    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(502);
    expect(test.body.error.code).toBe('OAUTH_TOKEN_FAILED');
    expect(test.body.error.permanent).toBe(false);
    expect(test.body.error.message).toContain('invalid_client');
    expect(test.body.error.message).toContain('AADSTS7000215: Invalid client secret provided');
    expect(test.body.error.message).toContain('check the client secret');
    expect(test.text).not.toContain(wrong);

    const run = randomUUID();
    const posted = await alert(run);
    expect(posted.status).toBe(503);
    expect(posted.body.error.code).toBe('DELIVERY_FAILED');
    expect(smtp.received).toHaveLength(sent);
    const log = await admin('GET', '/v1/deliveries');
    expect(log.body.deliveries[0]).toMatchObject({ outcome: 'failed', permanent: false });
    expect(log.body.deliveries[0].error).toMatch(/^OAUTH_TOKEN_FAILED: .*invalid_client/);

    // Fixed: the sender's retry of the same alert delivers.
    expect((await admin('PUT', '/v1/config/server', microsoft({ clientSecret: SECRET }))).status).toBe(200);
    const retry = await alert(run);
    expect(retry.status).toBe(202);
    expect(retry.body).toMatchObject({ notified: 1 });
    expect(smtp.received).toHaveLength(sent + 1);
  });

  it('a wrong tenant and a missing consent are told apart in the advice', async () => {
    // A credential write drops the cached token, so each Send Test Message asks the token server.
    const fresh = async () =>
      expect((await admin('PUT', '/v1/config/server', microsoft({ clientSecret: SECRET }))).status).toBe(200);
    await fresh();
    await tokens.set({
      failWith: {
        status: 400,
        error: 'invalid_request',
        description:
          "AADSTS90002: Tenant 'contoso.example' not found. Check to make sure you have the correct tenant ID.",
      },
    });
    const tenant = await admin('POST', '/v1/test-message');
    await fresh();
    await tokens.set({
      failWith: {
        status: 400,
        error: 'invalid_grant',
        description: "AADSTS65001: The user or administrator has not consented to use the application with ID '…'.",
      },
    });
    const consent = await admin('POST', '/v1/test-message');
    await tokens.set({ failWith: null });
    await fresh();

    expect(tenant.body.error).toMatchObject({ code: 'OAUTH_TOKEN_FAILED' });
    expect(tenant.body.error.message).toMatch(/AADSTS90002.*\(check the directory \(tenant\) ID\)/);
    expect(consent.body.error.message).toMatch(/AADSTS65001.*grant admin consent/);
  });

  it('a token the mail server refuses: SMTP_AUTH_FAILED in the server’s own words', async () => {
    smtp.refuseWith = {
      code: 535,
      message: '5.7.139 Authentication unsuccessful, SmtpClientAuthentication is disabled for the Mailbox.',
    };
    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(502);
    expect(test.body.error.code).toBe('SMTP_AUTH_FAILED');
    expect(test.body.error.message).toContain('The mail server refused the OAuth 2.0 access token');
    expect(test.body.error.message).toContain('SmtpClientAuthentication is disabled for the Mailbox');
  });

  it('a token refused with the XOAUTH2 challenge is renewed once within the session', async () => {
    const before = await grants();
    smtp.challengeNext = 1;
    const test = admin('POST', '/v1/test-message');
    const answer = await test;
    expect(answer.status).toBe(200);
    expect(await grants()).toBe(before + 1);
    const [refused, accepted] = smtp.attempts.slice(-2);
    expect(refused?.outcome).toBe('refused');
    expect(accepted?.outcome).toBe('accepted');
    expect(accepted?.token).not.toBe(refused?.token);
  });

  it('generic: any token URL and scope; plain http only on a loopback address', async () => {
    smtp.expected = { user: 'relay-user', scope: 'smtp.send' };
    const generic = (tokenUrl: string) => ({
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: MAILBOX,
      auth: {
        type: 'oauth2',
        provider: 'generic',
        tokenUrl,
        scope: 'smtp.send',
        clientId: CLIENT_ID,
        clientSecret: SECRET,
        user: 'relay-user',
      },
    });
    const refused = await admin('PUT', '/v1/config/server', generic('http://idp.example.com/token'));
    expect(refused.status).toBe(400);
    expect(refused.body.error.details).toEqual([
      { field: 'server.auth.tokenUrl', message: expect.stringContaining('https://') },
    ]);
    expect((await admin('PUT', '/v1/config/server', generic(tokens.tokenUrl))).status).toBe(200);
    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(200);
    expect(smtp.received.at(-1)?.user).toBe('relay-user');
  });

  it('Google: a service account key signs the JWT grant for the delegated mailbox', async () => {
    smtp.expected = { user: 'alerts@workspace.example', scope: 'https://mail.google.com/' };
    const put = await admin('PUT', '/v1/config/server', {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'alerts@workspace.example',
      auth: { type: 'oauth2', provider: 'google', user: 'alerts@workspace.example', clientSecret: GOOGLE_KEY },
    });
    expect(put.status).toBe(200);
    expect(put.body.server.auth).toEqual({
      type: 'oauth2',
      provider: 'google',
      user: 'alerts@workspace.example',
      clientSecretSet: true,
    });
    expect(put.text).not.toContain('PRIVATE KEY');

    const test = await admin('POST', '/v1/test-message');
    expect(test.status).toBe(200);
    const grant = (await tokens.requests()).at(-1);
    expect(grant?.grant_type).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    expect(grant?.assertion).toMatchObject({
      iss: 'alertmail@alertmail-test.iam.gserviceaccount.com',
      sub: 'alerts@workspace.example',
      scope: 'https://mail.google.com/',
      aud: tokens.tokenUrl,
    });

    // Switching provider needs the new provider's secret: the Google key is no Microsoft client secret.
    const switched = await admin('PUT', '/v1/config/server', microsoft());
    expect(switched.status).toBe(400);
    expect(switched.body.error.details).toEqual([{ field: 'server.auth.clientSecret', message: expect.any(String) }]);
    const notAKey = await admin('PUT', '/v1/config/server', {
      host: '127.0.0.1',
      from: MAILBOX,
      auth: { type: 'oauth2', provider: 'google', user: MAILBOX, clientSecret: 'not json' },
    });
    expect(notAKey.status).toBe(400);
    expect(notAKey.body.error.details[0].field).toBe('server.auth.clientSecret');
    expect(notAKey.text).not.toContain('not json');
  });
});
