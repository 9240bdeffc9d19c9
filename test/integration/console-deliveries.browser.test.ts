/**
 * The deliveries log in a real browser (Debian's chromium through playwright-core)
 * against the real local runtime and a real SMTP server: deliveries made through
 * the API (a firing alert to eleven recipients, a resolved notice the server
 * refuses) read at 1280 and 375 px: date and time, subject, the recipients
 * collapsed to "first +10" and expandable, nothing broken mid-word, and the table
 * scrolling inside its own frame, never the page. Screenshots go to
 * test-artifacts/console-deliveries/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { alertmanagerFiring, alertmanagerResolved } from '../fixtures';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'console-deliveries');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
const RECIPIENTS = [
  'oncall@example.com',
  ...Array.from({ length: 10 }, (_, i) => `platform-team-${String(i + 1).padStart(2, '0')}@example.com`),
];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

interface LoggedDelivery {
  id: string;
  at: string;
  kind: string;
  recipients: string[];
  outcome: string;
  error: string | null;
  subject?: string;
}

/** "2 Dec 2026, 14:03:12": how an en-GB browser in UTC shows `iso`, spelled out from its parts. */
function enGbUtc(iso: string): string {
  const t = new Date(iso);
  const two = (n: number) => String(n).padStart(2, '0');
  return `${t.getUTCDate()} ${MONTHS[t.getUTCMonth()]} ${t.getUTCFullYear()}, ${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())}`;
}

jest.setTimeout(120_000);

describe('deliveries view in chromium', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let firing: LoggedDelivery;
  let failed: LoggedDelivery;
  /** CSP violations and uncaught errors: the page must have none. */
  const problems: string[] = [];

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [runtime, smtp, browser] = await Promise.all([
      startTestRuntime(),
      startSmtpServer(),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    await mailThrough(runtime, smtp, RECIPIENTS);
    const sent = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerFiring.body,
    });
    expect(sent.status).toBe(202);
    smtp.failNext(1);
    const refused = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerResolved.body,
    });
    expect(refused.status).toBe(503);
    const log = await call<{ deliveries: LoggedDelivery[] }>(runtime.url, 'GET', '/v1/deliveries', {
      token: runtime.adminToken,
    });
    const byKind = (kind: string) => log.body.deliveries.find((d) => d.kind === kind);
    [firing, failed] = [byKind('firing') as LoggedDelivery, byKind('resolved') as LoggedDelivery];
    expect(firing).toMatchObject({ outcome: 'sent', recipients: RECIPIENTS, subject: expect.stringMatching(/\S/) });
    expect(failed).toMatchObject({ outcome: 'failed', error: expect.stringContaining('451') });
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([runtime?.stop(), smtp?.stop()]);
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
    // Injected by the browser itself (not subject to the page's CSP): report every violation, whatever its kind.
    await page.addInitScript(() => {
      document.addEventListener('securitypolicyviolation', (event) => {
        console.error(`Refused by CSP: ${event.violatedDirective} ${event.blockedURI} ${event.sample}`);
      });
      // Before the deferred script runs, mark a node of the pre-rendered page: hydration must keep it.
      document.addEventListener('readystatechange', () => {
        const toggle = document.getElementById('enabled-toggle');
        if (document.readyState === 'interactive' && toggle) toggle.dataset.prerendered = 'yes';
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
    await page.waitForSelector('#deliveries-body tr');
    return page;
  }

  /** Elements whose text runs over more than one line box: a word (address, code, time) broken in two. */
  function brokenWords(page: Page): Promise<string[]> {
    return page.evaluate(() =>
      Array.from(document.querySelectorAll('.deliveries .address, .deliveries time, .deliveries .badge'))
        .filter((node) => (node as HTMLElement).offsetParent !== null)
        .filter((node) => {
          const range = document.createRange();
          range.selectNodeContents(node);
          return range.getClientRects().length > 1;
        })
        .map((node) => node.textContent ?? ''),
    );
  }

  it('takes over the pre-rendered page instead of rebuilding it', async () => {
    const page = await openConsole(1280);
    // the node the page arrived with is the one the console now drives
    expect(await page.getAttribute('#enabled-toggle', 'data-prerendered')).toBe('yes');
    // no whitespace between elements came with the markup: it would stay as text and space out inline layout
    const blankText = await page.evaluate(() => {
      const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
      const blank: string[] = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        if (/^\s+$/.test(node.textContent ?? ''))
          blank.push(node.parentElement?.id || node.parentElement?.tagName || '');
      }
      return blank;
    });
    expect(blankText).toEqual([]);
    await page.click('#enabled-toggle');
    await page.waitForSelector('#enabled-toggle[aria-checked="false"]');
    expect((await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken })).body.enabled).toBe(false);
    await page.click('#enabled-toggle');
    await page.waitForSelector('#enabled-toggle[aria-checked="true"]');
    await page.context().close();
  });

  for (const width of [1280, 375]) {
    it(`reads at ${width} px: date, subject, recipients collapsed and expandable, no page scroll`, async () => {
      // Arrange
      const page = await openConsole(width);
      const row = page.locator('#deliveries-body tr', { hasText: firing.subject ?? '' });
      const failedRow = page.locator('#deliveries-body tr', { hasText: 'failed' });

      // Assert: when, what and to whom, collapsed
      await expect(row.locator('time').textContent()).resolves.toBe(enGbUtc(firing.at));
      await expect(row.locator('time').getAttribute('title')).resolves.toBe(firing.at);
      await expect(row.locator('summary').textContent()).resolves.toBe('oncall@example.com +10');
      await expect(row.locator('details li').first().isVisible()).resolves.toBe(false);
      await expect(failedRow.textContent()).resolves.toContain('451');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

      // Act: expand the recipients
      await row.locator('summary').click();

      // Assert: the full list, no word broken, the table (not the page) scrolling on a phone
      await page.locator('#deliveries').scrollIntoViewIfNeeded();
      await page.locator('#deliveries').screenshot({ path: path.join(SHOTS, `deliveries-${width}.png`) });
      await expect(row.locator('details li').allTextContents()).resolves.toEqual(RECIPIENTS);
      await expect(row.locator('details li').last().isVisible()).resolves.toBe(true);
      expect(await brokenWords(page)).toEqual([]);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      const frame = await page.locator('#deliveries-table').evaluate((node) => ({
        scrolls: node.scrollWidth > node.clientWidth,
        fits: node.getBoundingClientRect().right <= document.documentElement.clientWidth,
      }));
      expect(frame).toEqual({ scrolls: width < 600, fits: true });

      await page.context().close();
    });
  }
});
