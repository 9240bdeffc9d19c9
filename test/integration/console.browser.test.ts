/**
 * The web console in a real browser (Debian's chromium through playwright-core)
 * against the real local runtime: sign in, configure, save, reload, send test
 * messages into the development mailbox and into an SMTP server that demands a
 * password, switch notifications off, read the deliveries; then the same page
 * on a 375 px phone. Screenshots of each step go to test-artifacts/console/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';
import { call, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'console');
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

jest.setTimeout(120_000);

describe('web console in chromium', () => {
  let runtime: TestRuntime;
  let authServer: TestSmtpServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  /** CSP violations and uncaught errors: the page must have none. */
  const problems: string[] = [];
  let shot = 0;

  async function screenshot(name: string, target: Page = page): Promise<void> {
    shot++;
    await target.screenshot({ path: path.join(SHOTS, `${String(shot).padStart(2, '0')}-${name}.png`), fullPage: true });
  }

  function watch(target: Page): void {
    target.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    target.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
  }

  async function signIn(target: Page, token: string): Promise<void> {
    await target.fill('#token', token);
    await target.click('#signin-submit');
  }

  async function sendTest(): Promise<string> {
    await page.click('#test-send');
    await page.waitForSelector('#test-result:not([hidden])');
    await page.waitForFunction(() => document.getElementById('test-send')?.getAttribute('aria-busy') === 'false');
    return (await page.textContent('#test-result')) ?? '';
  }

  async function config(): Promise<{
    server: { host: string; port: number; security: string; username?: string; passwordSet: boolean } | null;
    recipients: string[];
    conditions: { label: string; operator: string; values: string[] }[];
    enabled: boolean;
    repeatInterval: string;
  }> {
    const response = await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken });
    expect(response.status).toBe(200);
    return response.body;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [runtime, authServer, browser] = await Promise.all([
      startTestRuntime(),
      startSmtpServer({ users: { alertmail: 'correct horse' } }),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    watch(page);
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([runtime?.stop(), authServer?.stop()]);
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  it('serves the page with a strict CSP and asks for the admin token', async () => {
    const response = await page.goto(`${runtime.url}/`);
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-security-policy']).toContain("default-src 'none'");
    await page.waitForSelector('#signin:not([hidden])');
    await expect(page.isVisible('#console')).resolves.toBe(false);
    await screenshot('signin');

    await signIn(page, 'not-the-token');
    await page.waitForSelector('#signin-message:not([hidden])');
    expect(await page.textContent('#signin-message')).toMatch(/not accepted/);
    await screenshot('signin-rejected');

    await signIn(page, runtime.ingestToken);
    await page.waitForFunction(() => /admin token/.test(document.getElementById('signin-message')?.textContent ?? ''));

    await signIn(page, runtime.adminToken);
    await page.waitForSelector('#console:not([hidden])');
    expect(page.url()).not.toContain(runtime.adminToken);
    expect(await page.evaluate(() => sessionStorage.getItem('alertmail.adminToken'))).toBe(runtime.adminToken);
    // the runtime pre-sets its development mailbox as the mail server
    expect(await page.inputValue('#server-host')).toBe('127.0.0.1');
    // The mailbox shows once its first load answers (with more views loading at sign-in, not always at once).
    await page.waitForSelector('#mailbox', { state: 'visible', timeout: 10_000 });
    expect(await page.isVisible('#mailbox')).toBe(true);
    await screenshot('signed-in');
  });

  it('edits server, recipients, conditions and the interval, and OK applies them all', async () => {
    await page.fill('#server-host', '127.0.0.1');
    await page.fill('#server-port', String(runtime.mailbox.smtpPort));
    await page.selectOption('#server-security', 'none');
    await page.fill('#server-from', 'alertmail@example.com');
    expect(await page.isVisible('#dirty-flag')).toBe(true);

    // recipients: the keyboard adds (Enter) and removes (focus + Enter) them
    await page.fill('#recipient-input', 'oncall@example.com');
    await page.press('#recipient-input', 'Enter');
    await page.fill('#recipient-input', 'not an address');
    await page.click('#recipient-add');
    expect(await page.textContent('[id="err-recipients"]')).toMatch(/not an email address/);
    await page.fill('#recipient-input', 'temp@example.com');
    await page.click('#recipient-add');
    await expect(page.locator('#recipient-list li').allTextContents()).resolves.toEqual([
      expect.stringContaining('oncall@example.com'),
      expect.stringContaining('temp@example.com'),
    ]);
    const remove = page.locator('#recipient-list li', { hasText: 'temp@example.com' }).locator('button');
    expect(await remove.evaluate((button) => getComputedStyle(button).opacity)).toBe('0');
    await remove.focus();
    expect(await remove.evaluate((button) => getComputedStyle(button).opacity)).toBe('1');
    await screenshot('recipients');
    await page.keyboard.press('Enter');
    await expect(page.locator('#recipient-list li').allTextContents()).resolves.toEqual([
      expect.stringContaining('oncall@example.com'),
    ]);

    // conditions: ticking the box adds a first row; Exists hides the values
    await page.check('#use-conditions');
    await page.waitForSelector('#cond-0-label');
    await page.selectOption('#cond-0-label', 'severity');
    await page.selectOption('#cond-0-operator', 'In');
    await page.fill('#cond-0-values', 'critical');
    await page.click('#condition-add');
    await page.selectOption('#cond-1-label', '__custom__');
    await expect(page.isVisible('#cond-1-custom')).resolves.toBe(true);
    await page.fill('#cond-1-custom', 'team');
    await page.selectOption('#cond-1-operator', 'Exists');
    await expect(page.isVisible('#cond-1-values')).resolves.toBe(false);
    await page.click('#cond-1-remove');
    await expect(page.locator('#condition-list li').count()).resolves.toBe(1);

    await page.fill('#repeat-interval', '4h');
    await screenshot('edited');

    // every visible control has a name, and keyboard focus is visible
    const unnamed = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('input, select, textarea, button'))
        .filter((el) => !el.closest('[hidden]'))
        .filter((el) => {
          const labels = (el as HTMLInputElement).labels;
          return !(
            (labels && labels.length > 0) ||
            el.getAttribute('aria-label') ||
            el.getAttribute('aria-labelledby') ||
            (el.tagName === 'BUTTON' && el.textContent?.trim())
          );
        })
        .map((el) => el.id || el.outerHTML),
    );
    expect(unnamed).toEqual([]);
    await page.focus('#recipient-input');
    await page.keyboard.press('Tab');
    expect(await page.evaluate(() => document.activeElement?.id)).toBe('recipient-add');
    expect(await page.evaluate(() => getComputedStyle(document.activeElement as Element).outlineStyle)).toBe('solid');

    await page.click('#save');
    await page.waitForSelector('#dirty-flag', { state: 'hidden' });
    expect(await page.isVisible('#error-summary')).toBe(false);
    await screenshot('saved');

    const saved = await config();
    expect(saved.server).toMatchObject({
      host: '127.0.0.1',
      port: runtime.mailbox.smtpPort,
      security: 'none',
      from: 'alertmail@example.com',
    });
    expect(saved.recipients).toEqual(['oncall@example.com']);
    expect(saved.conditions).toEqual([{ label: 'severity', operator: 'In', values: ['critical'] }]);
    expect(saved.repeatInterval).toBe('4h');
  });

  it('shows it all again after a reload', async () => {
    await page.reload();
    await page.waitForSelector('#console:not([hidden])');
    expect(await page.inputValue('#server-port')).toBe(String(runtime.mailbox.smtpPort));
    expect(await page.inputValue('#server-from')).toBe('alertmail@example.com');
    expect(await page.locator('#recipient-list li .address').allTextContents()).toEqual(['oncall@example.com']);
    expect(await page.isChecked('#use-conditions')).toBe(true);
    expect(await page.inputValue('#cond-0-label')).toBe('severity');
    expect(await page.inputValue('#cond-0-operator')).toBe('In');
    expect(await page.inputValue('#cond-0-values')).toBe('critical');
    expect(await page.inputValue('#repeat-interval')).toBe('4h');
    expect(await page.isVisible('#dirty-flag')).toBe(false);
    await screenshot('reloaded');

    // removing a saved recipient is staged in sight, and can be undone
    await page.click('#recipient-remove-0');
    expect(await page.locator('#recipient-list li.removed').textContent()).toMatch(/oncall@example.com.*removed on OK/);
    expect(await page.isVisible('#dirty-flag')).toBe(true);
    await page.click('#recipient-list li.removed button');
    expect(await page.locator('#recipient-list li.removed').count()).toBe(0);
    expect(await page.isVisible('#dirty-flag')).toBe(false);
  });

  it('sends a test message that lands in the development mailbox', async () => {
    const text = await sendTest();
    expect(text).toMatch(/Test message sent/);
    expect(text).toContain('oncall@example.com');

    const messages = await runtime.mailbox.messages();
    expect(messages[0]?.to).toEqual(['oncall@example.com']);
    const subject = messages[0]?.subject ?? '';
    expect(subject).not.toBe('');

    await page.waitForSelector('#mailbox-list li');
    const entry = page.locator('#mailbox-list button', { hasText: subject }).first();
    await entry.click();
    await page.waitForSelector('#message-view:not([hidden])');
    expect(await page.textContent('#message-subject')).toBe(subject);
    expect(await page.textContent('#message-text')).not.toBe('');
    const frame = page.frameLocator('#message-html');
    await expect(frame.locator('body').textContent()).resolves.not.toBe('');
    // the HTML part is shown sandboxed, without scripts
    expect(await page.getAttribute('#message-html', 'sandbox')).toBe('allow-same-origin');
    await screenshot('test-message-in-mailbox');
  });

  it('shows field errors from the client and from the API next to their fields', async () => {
    await page.fill('#server-port', '70000');
    await page.click('#save');
    await page.waitForSelector('[id="err-server.port"]:not([hidden])');
    expect(await page.getAttribute('#server-port', 'aria-invalid')).toBe('true');
    expect(await page.textContent('#error-summary')).toMatch(/Port/);

    // the API's own validation: a host the client lets through
    await page.fill('#server-port', String(runtime.mailbox.smtpPort));
    await page.fill('#server-host', 'bad_host!');
    await page.click('#save');
    await page.waitForSelector('[id="err-server.host"]:not([hidden])');
    expect(await page.textContent('[id="err-server.host"]')).toMatch(/host/);
    expect(await page.textContent('#error-summary')).toMatch(/SMTP server address/);
    await screenshot('field-errors');
    expect((await config()).server?.host).toBe('127.0.0.1');

    await page.click('#discard');
    expect(await page.inputValue('#server-host')).toBe('127.0.0.1');
    expect(await page.isVisible('#dirty-flag')).toBe(false);

    // an error in the collapsed CA field opens it
    await page.click('#ca-details summary');
    await page.fill('#server-ca', 'not a certificate');
    await page.click('#ca-details summary');
    await page.click('#save');
    await page.waitForSelector('[id="err-server.ca"]:not([hidden])');
    expect(await page.getAttribute('#ca-details', 'open')).toBe('');
    expect(await page.textContent('[id="err-server.ca"]')).toMatch(/PEM/);
    await page.click('#discard');
  });

  it('explains an SMTP authentication failure in plain words, then saves the right password write-only', async () => {
    await page.fill('#server-port', String(authServer.port));
    await page.fill('#server-username', 'alertmail');
    await page.fill('#server-password', 'wrong password');
    const failure = await sendTest();
    expect(failure).toMatch(/The mail server rejected the username or password: .*535/);
    expect(failure).toContain('SMTP_AUTH_FAILED');
    await screenshot('auth-failed');

    await page.fill('#server-password', 'correct horse');
    const success = await sendTest();
    expect(success).toMatch(/Test message sent/);
    await authServer.waitFor(1);

    await page.click('#save');
    await page.waitForSelector('#dirty-flag', { state: 'hidden' });
    expect(await page.inputValue('#server-password')).toBe('');
    expect(await page.textContent('#server-password-hint')).toMatch(/A password is set/);
    expect(await page.content()).not.toContain('correct horse');
    expect((await config()).server).toMatchObject({ port: authServer.port, username: 'alertmail', passwordSet: true });

    // an empty password field keeps the stored one
    await page.reload();
    await page.waitForSelector('#console:not([hidden])');
    expect(await sendTest()).toMatch(/Test message sent/);
    await authServer.waitFor(2);
    await screenshot('password-set');
  });

  it('turns notifications off and on with the header switch', async () => {
    expect(await page.getAttribute('#enabled-toggle', 'aria-checked')).toBe('true');
    await page.click('#enabled-toggle');
    await page.waitForSelector('#enabled-toggle[aria-checked="false"]');
    expect(await page.textContent('#enabled-text')).toBe('Disabled');
    expect(await page.isVisible('#disabled-banner')).toBe(true);
    expect((await config()).enabled).toBe(false);
    await screenshot('disabled');
  });

  it('lists the deliveries, failed ones with their error', async () => {
    await page.click('#deliveries-refresh');
    await page.waitForSelector('#deliveries-body tr');
    const rows = await page.locator('#deliveries-body tr').allTextContents();
    expect(rows.length).toBeGreaterThanOrEqual(4);
    expect(rows.some((row) => /test/.test(row) && /sent/.test(row))).toBe(true);
    expect(rows.some((row) => /failed/.test(row) && /535/.test(row))).toBe(true);
    await page.locator('#deliveries-title').scrollIntoViewIfNeeded();
    await screenshot('deliveries');
  });

  it('fits a 375 px phone without horizontal scrolling', async () => {
    const phone = await browser.newPage({ viewport: { width: 375, height: 800 }, isMobile: true, hasTouch: true });
    watch(phone);
    await phone.goto(`${runtime.url}/`);
    await phone.waitForSelector('#signin:not([hidden])');
    await screenshot('phone-signin', phone);
    await signIn(phone, runtime.adminToken);
    await phone.waitForSelector('#console:not([hidden])');
    await phone.waitForSelector('#deliveries-body tr');
    await phone.waitForSelector('#mailbox-list li');
    await phone.locator('#mailbox-list button').first().click();
    await phone.waitForSelector('#message-view:not([hidden])');
    const width = await phone.evaluate(() => document.documentElement.scrollWidth);
    expect(width).toBeLessThanOrEqual(375);
    // on a touch screen the remove buttons are always visible
    const remove = phone.locator('#recipient-list li button').first();
    expect(await remove.evaluate((button) => getComputedStyle(button).opacity)).toBe('1');
    await screenshot('phone-console', phone);
    await phone.close();
  });

  it('goes back to sign-in on sign-out and when the token stops working', async () => {
    await page.click('#enabled-toggle');
    await page.waitForSelector('#enabled-toggle[aria-checked="true"]');

    await page.evaluate(() => sessionStorage.setItem('alertmail.adminToken', 'revoked'));
    await page.reload();
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.textContent('#signin-message')).toMatch(/not accepted/);
    await screenshot('token-rejected');

    await signIn(page, runtime.adminToken);
    await page.waitForSelector('#console:not([hidden])');
    await page.click('#sign-out');
    await page.waitForSelector('#signin:not([hidden])');
    expect(await page.evaluate(() => sessionStorage.getItem('alertmail.adminToken'))).toBeNull();
    expect(await page.inputValue('#server-host')).toBe('');
  });
});
