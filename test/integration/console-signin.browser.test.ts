/**
 * Issue 17 in a real browser (Debian's chromium through playwright-core): the console's sign-in
 * choice shows only the fields each sign-in needs, saves a Microsoft OAuth 2.0 sign-in (the secret
 * write-only), and Send Test Message then goes out through XOAUTH2 to an SMTP server that verifies
 * the token against the token server's keys; a wrong secret shows the identity provider's words.
 */
import { randomUUID } from 'node:crypto';
import { type Browser, chromium, type Page } from 'playwright-core';
import {
  CLIENT_ID,
  startTokenServer,
  startXOAuth2SmtpServer,
  TENANT,
  type TokenServer,
  type XOAuth2SmtpServer,
} from './oauth-support';
import { call, startTestRuntime, type TestRuntime } from './support';

const SECRET = `console-secret-${randomUUID()}`;
const MAILBOX = 'alerts@contoso.example';

jest.setTimeout(120_000);

describe('the console’s mail server sign-in', () => {
  let runtime: TestRuntime;
  let tokens: TokenServer;
  let smtp: XOAuth2SmtpServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  async function sendTest(): Promise<string> {
    await page.click('#test-send');
    await page.waitForSelector('#test-result:not([hidden])');
    await page.waitForFunction(() => document.getElementById('test-send')?.getAttribute('aria-busy') === 'false');
    return (await page.textContent('#test-result')) ?? '';
  }

  beforeAll(async () => {
    tokens = await startTokenServer({ clientSecret: SECRET });
    smtp = await startXOAuth2SmtpServer(tokens, { user: MAILBOX, scope: 'https://outlook.office365.com/.default' });
    [runtime, browser] = await Promise.all([
      startTestRuntime({ env: { ALERTMAIL_MICROSOFT_LOGIN_URL: tokens.url } }),
      chromium.launch({
        executablePath: '/usr/bin/chromium',
        args: ['--no-sandbox', '--disable-gpu', '--no-first-run'],
      }),
    ]);
    expect(
      (
        await call(runtime.url, 'POST', '/v1/config/recipients', {
          token: runtime.adminToken,
          body: { address: 'oncall@example.com' },
        })
      ).status,
    ).toBe(201);
    page = await (await browser.newContext({ viewport: { width: 1280, height: 900 } })).newPage();
    page.on('pageerror', (error) => problems.push(error.message));
    await page.goto(`${runtime.url}/`);
    await page.fill('#token', runtime.adminToken);
    await page.click('#signin-submit');
    await page.waitForSelector('#console:not([hidden])');
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await smtp?.stop();
    await tokens?.stop();
  });

  afterEach(() => expect(problems).toEqual([]));

  it('shows only the fields each choice needs, with a hint for the app registration', async () => {
    expect(await page.inputValue('#server-signin')).toBe('password');
    expect(await page.isVisible('#server-username')).toBe(true);

    await page.selectOption('#server-signin', 'microsoft');
    expect(await page.isVisible('#server-username')).toBe(false);
    expect(await page.isVisible('#server-password')).toBe(false);
    for (const id of ['user', 'tenantId', 'clientId', 'clientSecret', 'scope']) {
      expect({ id, visible: await page.isVisible(`#server-auth-${id}`) }).toEqual({ id, visible: true });
    }
    expect(await page.isVisible('#server-auth-tokenUrl')).toBe(false);
    expect(await page.textContent('#server-signin-hint')).toContain('SMTP.SendAsApp');

    await page.selectOption('#server-signin', 'google');
    expect(await page.isVisible('#server-auth-clientId')).toBe(false);
    expect(await page.isVisible('#server-auth-tenantId')).toBe(false);
    expect(await page.textContent('#server-signin-hint')).toContain('domain-wide delegation');

    await page.selectOption('#server-signin', 'generic');
    expect(await page.isVisible('#server-auth-tokenUrl')).toBe(true);

    await page.selectOption('#server-signin', 'graph');
    expect(await page.isVisible('#server-host')).toBe(false);
    expect(await page.isVisible('#server-auth-tenantId')).toBe(true);
    expect(await page.textContent('#server-signin-hint')).toContain('Mail.Send');
  });

  it('saves a Microsoft sign-in, never shows the secret again, and Send Test Message goes out through XOAUTH2', async () => {
    await page.selectOption('#server-signin', 'microsoft');
    await page.fill('#server-host', '127.0.0.1');
    await page.fill('#server-port', String(smtp.port));
    await page.selectOption('#server-security', 'none');
    await page.fill('#server-from', MAILBOX);
    await page.fill('#server-auth-user', MAILBOX);
    await page.fill('#server-auth-tenantId', TENANT);
    await page.fill('#server-auth-clientId', CLIENT_ID);
    await page.fill('#server-auth-clientSecret', SECRET);
    await page.click('#save');
    await page.waitForSelector('#dirty-flag', { state: 'hidden' });
    expect(await page.isVisible('#error-summary')).toBe(false);

    const saved = await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken });
    expect(saved.body.server.auth).toEqual({
      type: 'oauth2',
      provider: 'microsoft',
      user: MAILBOX,
      tenantId: TENANT,
      clientId: CLIENT_ID,
      clientSecretSet: true,
    });
    expect(await page.inputValue('#server-auth-clientSecret')).toBe('');

    await page.reload();
    await page.waitForSelector('#console:not([hidden])');
    expect(await page.inputValue('#server-signin')).toBe('microsoft');
    expect(await page.inputValue('#server-auth-tenantId')).toBe(TENANT);
    expect(await page.getAttribute('#server-auth-clientSecret', 'placeholder')).toMatch(/keep the stored secret/);
    expect(await page.content()).not.toContain(SECRET);

    expect(await sendTest()).toMatch(/sent|accepted/i);
    expect(smtp.received).toHaveLength(1);
    expect(smtp.received[0]?.user).toBe(MAILBOX);
  });

  it('a wrong secret: the identity provider’s words, in the test result', async () => {
    await page.fill('#server-auth-clientSecret', 'wrong-secret');
    const text = await sendTest();
    expect(text).toContain('The identity provider gave no access token');
    expect(text).toContain('AADSTS7000215');
  });
});
