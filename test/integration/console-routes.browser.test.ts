/**
 * Routes and "Who gets this?" in a real browser (Debian's chromium through playwright-core)
 * against the real local runtime and its routes API, at 1280 and 375 px: create two routes
 * (one error from the browser's checks, one from the API, one taken name the console did not
 * know of), move one up with the keyboard, edit one, disable one, ask who gets three alerts and
 * read the answers in words, delete one; each step checked through the API too, and the page
 * never scrolling sideways. Screenshots go to test-artifacts/console-routes/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { call, startTestRuntime, type TestRuntime } from './support';

const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'console-routes');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const DEFAULT_RECIPIENT = 'oncall@example.com';

interface StoredRoute {
  name: string;
  recipients: string[];
  conditions: { label: string; operator: string; values?: string[] }[];
  continue: boolean;
  enabled: boolean;
  repeatInterval?: string;
}

jest.setTimeout(180_000);

describe('routes console in chromium', () => {
  let runtime: TestRuntime;
  let browser: Browser;
  /** CSP violations and uncaught errors: the page must have none. */
  const problems: string[] = [];

  async function routes(): Promise<StoredRoute[]> {
    const response = await call<{ routes: StoredRoute[] }>(runtime.url, 'GET', '/v1/routes', {
      token: runtime.adminToken,
    });
    expect(response.status).toBe(200);
    return response.body.routes;
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [runtime, browser] = await Promise.all([
      startTestRuntime(),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    const added = await call(runtime.url, 'POST', '/v1/config/recipients', {
      token: runtime.adminToken,
      body: { address: DEFAULT_RECIPIENT },
    });
    expect(added.status).toBe(201);
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  beforeEach(async () => {
    for (const route of await routes()) {
      const gone = await call(runtime.url, 'DELETE', `/v1/routes/${route.name}`, { token: runtime.adminToken });
      expect(gone.status).toBe(204);
    }
  });

  afterEach(() => {
    expect(problems).toEqual([]);
  });

  async function openConsole(width: number): Promise<Page> {
    const context = await browser.newContext({
      viewport: { width, height: 900 },
      locale: 'en-GB',
      timezoneId: 'UTC',
      ...(width < 600 ? { isMobile: true, hasTouch: true } : {}),
    });
    const page = await context.newPage();
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`Refused by CSP: ${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
      });
    });
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    await page.goto(`${runtime.url}/`);
    await page.fill('#token', runtime.adminToken);
    await page.click('#signin-submit');
    await page.waitForSelector('#console:not([hidden])');
    await page.waitForSelector('#routes-empty:not([hidden])');
    return page;
  }

  /** The page scrolls sideways: wider than the window. */
  const pageWidth = (page: Page) => page.evaluate(() => document.documentElement.scrollWidth);

  async function shot(page: Page, width: number, name: string): Promise<void> {
    await page.locator('#routes').screenshot({ path: path.join(SHOTS, `${width}-${name}.png`) });
  }

  const listed = (page: Page) => page.locator('#route-list > li h3').allTextContents();

  /** The element's text matches, once the page has had the API's answer. */
  async function expectText(page: Page, selector: string, pattern: RegExp): Promise<void> {
    try {
      await page.waitForFunction(
        ([sel, source]) => new RegExp(source).test(document.querySelector(sel)?.textContent ?? ''),
        [selector, pattern.source] as const,
        { timeout: 10_000 },
      );
    } catch {
      // fall through: the assertion says what the text was
    }
    expect((await page.textContent(selector)) ?? '').toMatch(pattern);
  }

  async function ask(page: Page, labels: string): Promise<{ headline: string; sentence: string }> {
    await page.fill('#who-labels', labels);
    await page.click('#who-ask');
    await page.waitForSelector('#who-answer:not([hidden]) .who-sentence');
    await page.waitForFunction(() => document.getElementById('who-ask')?.getAttribute('aria-busy') === 'false');
    return {
      headline: (await page.textContent('#who-answer .who-headline')) ?? '',
      sentence: (await page.textContent('#who-answer .who-sentence')) ?? '',
    };
  }

  for (const width of [1280, 375]) {
    it(`manages routes and says who gets an alert at ${width} px`, async () => {
      const page = await openConsole(width);
      expect(await listed(page)).toEqual(['Default route']);
      expect(await page.textContent('#route-default')).toContain(DEFAULT_RECIPIENT);
      expect(await page.getAttribute('#route-default a[href="#recipients"]', 'href')).toBe('#recipients');

      // Create "payments": namespace In payments. The browser's own check first: no recipient.
      await page.click('#route-add');
      await page.fill('#route-name', 'payments');
      await page.click('#route-condition-add');
      await page.selectOption('#route-cond-0-label', 'namespace');
      await page.fill('#route-cond-0-values', 'payments');
      await page.click('#route-save');
      await expectText(page, '[id="err-route.recipients"]', /at least one/);
      expect(await page.getAttribute('#route-recipients', 'aria-invalid')).toBe('true');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('route-recipients');
      await page.fill('#route-recipients', 'pay@example.com\nlead@example.com');
      await page.click('#route-save');
      await page.waitForSelector('#route-payments');
      await page.waitForSelector('#route-editor', { state: 'detached' });

      // Create "database": severity In critical, team Matches db-.*; first with a pattern RE2 refuses (the API's error).
      await page.click('#route-add');
      await page.fill('#route-name', 'database');
      await page.fill('#route-recipients', 'db@example.com');
      await page.click('#route-condition-add');
      await page.fill('#route-cond-0-values', 'critical');
      await page.click('#route-condition-add');
      await page.selectOption('#route-cond-1-label', '__custom__');
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('route-cond-1-custom');
      await page.fill('#route-cond-1-custom', 'team');
      await page.selectOption('#route-cond-1-operator', 'Matches');
      await page.fill('#route-cond-1-values', 'db-(');
      await page.click('#route-save');
      await page.waitForSelector('#route-editor-error:not([hidden])');
      await expectText(page, '[id="err-route.conditions[1].values"]', /RE2/);
      await shot(page, width, 'api-error');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      expect((await routes()).map((r) => r.name)).toEqual(['payments']);
      await page.fill('#route-cond-1-values', 'db-.*');
      await page.click('#route-save');
      await page.waitForSelector('#route-database');

      // A name taken behind the console's back: the API's 409 shows beside the name.
      const behind = await call(runtime.url, 'POST', '/v1/routes', {
        token: runtime.adminToken,
        body: { name: 'elsewhere', recipients: ['x@example.com'] },
      });
      expect(behind.status).toBe(201);
      await page.click('#route-add');
      await page.fill('#route-name', 'elsewhere');
      await page.fill('#route-recipients', 'y@example.com');
      await page.click('#route-save');
      await expectText(page, '[id="err-route.name"]', /exists/);
      await page.click('#route-cancel');
      expect(await listed(page)).toEqual(['payments', 'database', 'Default route']);
      const removed = await call(runtime.url, 'DELETE', '/v1/routes/elsewhere', { token: runtime.adminToken });
      expect(removed.status).toBe(204);

      const stored = await routes();
      expect(stored).toEqual([
        expect.objectContaining({
          name: 'payments',
          recipients: ['pay@example.com', 'lead@example.com'],
          conditions: [{ label: 'namespace', operator: 'In', values: ['payments'] }],
          continue: false,
          enabled: true,
        }),
        expect.objectContaining({
          name: 'database',
          conditions: [
            { label: 'severity', operator: 'In', values: ['critical'] },
            { label: 'team', operator: 'Matches', values: ['db-.*'] },
          ],
        }),
      ]);
      expect(stored[0]?.repeatInterval).toBeUndefined();

      // Move database up, with the keyboard: the focus stays with it (on Down, now that Up is off).
      await page.focus('#route-database-up');
      await page.keyboard.press('Enter');
      await page.waitForFunction(() => document.querySelector('#route-list > li h3')?.textContent === 'database');
      expect((await routes()).map((r) => r.name)).toEqual(['database', 'payments']);
      expect(await page.isDisabled('#route-database-up')).toBe(true);
      expect(await page.evaluate(() => document.activeElement?.id)).toBe('route-database-down');
      expect(await listed(page)).toEqual(['database', 'payments', 'Default route']);

      // Edit payments: one more recipient, continue, its own repeat interval.
      await page.click('#route-payments-edit');
      expect(await page.inputValue('#route-recipients')).toBe('pay@example.com\nlead@example.com');
      expect(await page.getAttribute('#route-name', 'readonly')).not.toBeNull();
      await page.fill('#route-recipients', 'pay@example.com\nlead@example.com\npayments-lead@example.com');
      await page.check('#route-continue');
      await page.fill('#route-repeat', '4h');
      await shot(page, width, 'edit');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      await page.click('#route-save');
      await page.waitForSelector('#route-editor', { state: 'detached' });
      await page.waitForSelector('#route-payments .tag:text("continue")');
      expect((await routes())[1]).toMatchObject({
        name: 'payments',
        recipients: ['pay@example.com', 'lead@example.com', 'payments-lead@example.com'],
        continue: true,
        repeatInterval: '4h',
      });

      // Disable database.
      await page.click('#route-database-toggle');
      await page.waitForSelector('#route-database-toggle[aria-label="Enable database"]');
      await page.waitForSelector('#route-database .tag:text("disabled")');
      expect((await routes())[0]).toMatchObject({ name: 'database', enabled: false });

      // Who gets this? A critical db alert while database is off: payments takes it (and continues).
      const whileOff = await ask(page, 'alertname=DiskFull\nseverity = critical\nteam=db-main\nnamespace=payments');
      expect(whileOff.sentence).toBe(
        'database skipped: the route is disabled; payments gets it; default route not reached (payments took it).',
      );
      expect(whileOff.headline).toBe(
        'pay@example.com, lead@example.com, payments-lead@example.com get this alert now.',
      );

      await page.click('#route-database-toggle');
      await page.waitForSelector('#route-database-toggle[aria-label="Disable database"]');
      const critical = await ask(
        page,
        '{"alertname": "DiskFull", "severity": "critical", "team": "db-main", "namespace": "payments"}',
      );
      expect(critical.sentence).toBe(
        'database gets it; payments not reached (database did not continue); default route not reached (database took it).',
      );
      expect(critical.headline).toBe('db@example.com gets this alert now.');

      const other = await ask(page, 'alertname=Slow\nseverity=warning\nteam=web\nnamespace=shop');
      expect(other.sentence).toBe(
        'database skipped: severity is not critical (it is warning); ' +
          'payments skipped: namespace is not payments (it is shop); default route gets it.',
      );
      expect(other.headline).toBe(`${DEFAULT_RECIPIENT} gets this alert now.`);
      await page.locator('#who-gets').screenshot({ path: path.join(SHOTS, `${width}-who-gets.png`) });
      // an alert the API refuses: the reason beside the labels, naming the field
      await page.fill('#who-labels', '{"alerts": [{"labels": {"severity": "critical"}, "status": "smouldering"}]}');
      await page.click('#who-ask');
      await expectText(page, '[id="err-who.labels"]', /alerts\[0\]\.status/);
      expect(await page.getAttribute('#who-labels', 'aria-invalid')).toBe('true');
      expect(await page.isVisible('#who-answer')).toBe(false);
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);

      // Delete payments, after the confirm.
      page.once('dialog', (dialog) => void dialog.accept());
      await page.click('#route-payments-delete');
      await page.waitForSelector('#route-payments', { state: 'detached' });
      expect((await routes()).map((r) => r.name)).toEqual(['database']);
      expect(await listed(page)).toEqual(['database', 'Default route']);
      // and a dismissed confirm deletes nothing
      page.once('dialog', (dialog) => void dialog.dismiss());
      await page.click('#route-database-delete');
      expect((await routes()).map((r) => r.name)).toEqual(['database']);

      // Stale: a route deleted behind the console's back is reported and the list read again.
      const admin = { token: runtime.adminToken };
      expect(
        (
          await call(runtime.url, 'POST', '/v1/routes', {
            ...admin,
            body: { name: 'late', recipients: ['l@example.com'] },
          })
        ).status,
      ).toBe(201);
      expect((await call(runtime.url, 'DELETE', '/v1/routes/database', admin)).status).toBe(204);
      await page.click('#route-database-toggle');
      await expectText(page, '#routes-error', /disable database: the route no longer exists/);
      await page.waitForSelector('#route-database', { state: 'detached' });
      expect(await listed(page)).toEqual(['late', 'Default route']);
      // the same for a route being edited: the draft stays on the page with the reason
      await page.click('#route-late-edit');
      expect((await call(runtime.url, 'DELETE', '/v1/routes/late', admin)).status).toBe(204);
      await page.fill('#route-recipients', 'l@example.com\nm@example.com');
      await page.click('#route-save');
      await page.waitForSelector('#route-late', { state: 'detached' });
      await expectText(page, '#route-editor-error', /no longer exists: someone deleted it/);
      expect(await page.inputValue('#route-recipients')).toBe('l@example.com\nm@example.com');
      await page.click('#route-cancel');
      await page.waitForSelector('#routes-empty:not([hidden])');

      await shot(page, width, 'final');
      expect(await pageWidth(page)).toBeLessThanOrEqual(width);
      await page.context().close();
    });
  }
});
