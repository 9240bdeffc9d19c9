/**
 * The Templates view in a real browser (Debian's chromium through playwright-core) against the
 * real local runtime and an SMTP server: edit the default template, see the live preview change
 * (HTML in its sandboxed frame, the text part beside it, at 375 and 800 px), see an error named
 * with its part, line and column, save, and send the preview as a test message, which the SMTP
 * server receives. Screenshots go to test-artifacts/templates/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'templates');
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

describe('the Templates view in chromium', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  const frameText = async (): Promise<string> =>
    (await page.frameLocator('#preview-html').locator('body').textContent()) ?? '';

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [runtime, smtp, browser] = await Promise.all([
      startTestRuntime(),
      startSmtpServer(),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    await mailThrough(runtime, smtp);
    const context = await browser.newContext({ viewport: { width: 1400, height: 1000 } });
    page = await context.newPage();
    page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));
    page.on('console', (message) => {
      if (message.type() === 'error' && /Content Security Policy|Refused to/i.test(message.text())) {
        problems.push(`console: ${message.text()}`);
      }
    });
    await page.goto(runtime.url);
    await page.fill('#token', runtime.adminToken);
    await page.click('#signin-submit');
    await page.waitForSelector('#console:not([hidden])');
  });

  afterAll(async () => {
    await browser?.close();
    await Promise.all([runtime?.stop(), smtp?.stop()]);
  });

  it('shows the shipped default with its live preview', async () => {
    await page.click('a[href="#templates"]');
    await page.waitForFunction(() => (document.getElementById('preview-subject')?.textContent ?? '') !== '');
    expect(await page.textContent('#preview-subject')).toBe(
      '[FIRING:1] KubePodCrashLooping (prod-eu-1, payments, critical)',
    );
    expect(await page.inputValue('#template-html')).toContain('{%- for alert in alerts -%}');
    expect(await page.textContent('#preview-text')).toContain('Silence this:');
    expect((await frameText()).replace(/\u200b/g, '')).toContain('Pod payments/api-7d9f8b6c5-x2k4q is crash looping');
    // The frame is sandboxed: no scripts.
    expect(await page.getAttribute('#preview-html', 'sandbox')).toBe('allow-same-origin');
    await page.locator('#templates').screenshot({ path: path.join(SHOTS, '01-default-375.png') });
  });

  it('re-renders the preview as the template is edited, and on another sample or width', async () => {
    await page.fill('#template-subject', 'Paged: {{ alerts.size }} in {{ commonLabels.namespace }}');
    await page.waitForFunction(
      () => document.getElementById('preview-subject')?.textContent === 'Paged: 1 in payments',
    );
    const html = await page.inputValue('#template-html');
    await page.fill('#template-html', html.replace('Sent by alertmail at', 'Paged by alertmail at'));
    await page.waitForFunction(
      () =>
        document
          .querySelector<HTMLIFrameElement>('#preview-html')
          ?.contentDocument?.body?.textContent?.includes('Paged by alertmail at') === true,
    );
    await page.selectOption('#template-sample', 'resolved-many');
    await page.waitForFunction(
      () => document.getElementById('preview-subject')?.textContent === 'Paged: 3 in payments',
    );
    expect(await page.textContent('#preview-text')).toContain('RESOLVED');
    await page.check('#preview-width-800');
    expect(await page.evaluate(() => document.getElementById('preview-html')?.getBoundingClientRect().width)).toBe(800);
    await page.check('#preview-width-375');
    expect(await page.evaluate(() => document.getElementById('preview-html')?.getBoundingClientRect().width)).toBe(375);
    await page.locator('#templates').screenshot({ path: path.join(SHOTS, '02-edited.png') });
  });

  it('names the part, line and column of an error', async () => {
    const text = await page.inputValue('#template-text');
    await page.fill('#template-text', `line one\n  {{ alerts[0].labels.nope }}\n${text}`);
    await page.waitForSelector('#template-problem:not([hidden])');
    expect(await page.textContent('#template-problem')).toBe(
      'Text part: line 2, column 6: undefined variable: alerts.0.labels.nope',
    );
    expect(await page.isDisabled('#template-send')).toBe(true);
    await page.fill('#template-text', text);
    await page.waitForSelector('#template-problem', { state: 'hidden' });
  });

  it('saves, and sends the preview as a test message that the SMTP server receives', async () => {
    await page.click('#template-save');
    await page.waitForFunction(
      () => document.getElementById('template-status')?.textContent === 'Template default saved.',
    );
    const stored = await call(runtime.url, 'GET', '/v1/templates/default', { token: runtime.adminToken });
    expect(stored.body).toMatchObject({
      stored: true,
      subject: 'Paged: {{ alerts.size }} in {{ commonLabels.namespace }}',
    });

    await page.click('#template-send');
    await page.waitForFunction(
      () => document.getElementById('template-status')?.textContent?.startsWith('Preview sent') === true,
    );
    const [mail] = await smtp.waitFor(1);
    expect(mail?.parsed.subject).toBe('[TEST] Paged: 3 in payments');
    expect(mail?.parsed.html).toContain('Paged by alertmail at');
    expect(mail?.envelope.to).toEqual(['oncall@example.com']);

    await page.click('#template-delete');
    await page.waitForFunction(
      () => document.getElementById('template-status')?.textContent === 'The shipped default template is restored.',
    );
    expect(await page.inputValue('#template-subject')).toContain('[{{ status | upcase }}');
    expect(problems).toEqual([]);
  });

  it('fits a 375 px phone', async () => {
    await page.setViewportSize({ width: 375, height: 800 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
    );
    // Nothing of the view sticks out (the HTML preview scrolls inside its own frame, as a 375 px mail would not need to).
    const widest = await page.evaluate(() =>
      Array.from(document.querySelectorAll<HTMLElement>('#templates *'))
        .filter(
          (e) =>
            e.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !e.closest('.preview-frame'),
        )
        .map((e) => `${e.tagName}#${e.id}.${e.className}`)
        .slice(0, 5),
    );
    expect({ overflow, widest }).toEqual({ overflow: 0, widest: [] });
    await page.locator('#templates').screenshot({ path: path.join(SHOTS, '03-phone.png') });
  });
});
