/**
 * "Silence this" from a real received mail, in Debian's chromium (playwright-core), against the
 * real local runtime and a real SMTP server: an alert is mailed; the mail's "Silence this" link
 * (checked against `silenceUrl()` of the labels the mail lists) opens the console, which asks for the admin token, then
 * shows a new silence pre-filled with one `In` matcher per label and a duration choice; confirmed
 * with 4 hours, it holds the alert's next post. At 1280 and 375 px, the page never scrolls
 * sideways. The Silences and Mute windows views are read at both widths too. Screenshots go to
 * test-artifacts/silences/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { silenceUrl } from '../../lib/domain/mail/silence-link';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'silences');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];

jest.setTimeout(120_000);

/** The labels a received mail's text part lists (`  name = value` under "Labels:"). */
function labelsOfMail(text: string): Record<string, string> {
  const labels: Record<string, string> = {};
  const block = /Labels:\n((?: {2}\S+ = .*\n)+)/.exec(text)?.[1] ?? '';
  for (const line of block.split('\n')) {
    const match = /^ {2}(\S+) = (.*)$/.exec(line);
    if (match?.[1]) labels[match[1]] = match[2] ?? '';
  }
  return labels;
}

describe('the "Silence this" link in chromium', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let browser: Browser;
  const problems: string[] = [];
  const alert = {
    labels: { alertname: 'DiskAlmostFull', instance: 'db-1:9100', severity: 'warning' },
    annotations: { summary: 'Disk 91% full on db-1' },
    status: 'firing',
  };

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    [runtime, smtp, browser] = await Promise.all([
      startTestRuntime({ sweepSeconds: 0 }),
      startSmtpServer(),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
    await smtp?.stop();
  });

  it('opens a pre-filled silence after sign-in; confirmed, it holds the alert', async () => {
    const posted = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: { alerts: [alert] },
    });
    expect(posted.body).toMatchObject({ notified: 1 });
    const [mail] = await smtp.waitFor(1);
    const labels = labelsOfMail(mail?.parsed.text ?? '');
    expect(labels).toEqual(alert.labels);
    // The mail's own "Silence this" link (the templates work put it there), as silence-link.ts builds it.
    const link = /(http:\/\/127\.0\.0\.1:\d+\/#silence\?[^\s>)"]+)/.exec(mail?.parsed.text ?? '')?.[1];
    expect(link).toBe(silenceUrl(`${runtime.url}/`, labels));
    if (!link) throw new Error('the mail carries no "Silence this" link');

    for (const width of [1280, 375]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      page.on('pageerror', (error) => problems.push(error.message));
      page.on('console', (m) => m.type() === 'error' && problems.push(m.text()));
      await page.goto(link);
      await page.fill('#token', runtime.adminToken);
      await page.click('#signin-submit');
      await page.waitForSelector('#silence-form');
      // The form is where the link leads: its duration choice has the focus, in view.
      await page.waitForFunction(() => document.activeElement?.id === 'silence-duration-1h');
      for (const [i, name] of Object.keys(alert.labels).sort().entries()) {
        expect(await page.inputValue(`#silence-label-${i}`)).toBe(name);
        expect(await page.inputValue(`#silence-operator-${i}`)).toBe('In');
        expect(await page.inputValue(`#silence-values-${i}`)).toBe(alert.labels[name as keyof typeof alert.labels]);
      }
      for (const d of ['1h', '4h', '1d', 'custom']) expect(await page.isVisible(`#silence-duration-${d}`)).toBe(true);
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: path.join(SHOTS, `prefilled-${width}.png`), fullPage: false });
      if (width === 1280) {
        // Nothing exists until the admin confirms.
        expect((await call(runtime.url, 'GET', '/v1/silences', { token: runtime.adminToken })).body.silences).toEqual(
          [],
        );
        await page.check('#silence-duration-4h');
        await page.fill('#silence-comment', 'disk cleanup');
        const started = Date.now();
        await page.click('#silence-save');
        await page.waitForSelector('#silences-message:has-text("Silence created.")');
        const { silences } = (await call(runtime.url, 'GET', '/v1/silences', { token: runtime.adminToken })).body;
        expect(silences).toHaveLength(1);
        expect(silences[0]).toMatchObject({
          state: 'active',
          comment: 'disk cleanup',
          matchers: Object.keys(alert.labels)
            .sort()
            .map((label) => ({ label, operator: 'In', values: [alert.labels[label as keyof typeof alert.labels]] })),
        });
        const hours = (Date.parse(silences[0].endsAt) - started) / 3_600_000;
        expect(hours).toBeGreaterThan(3.99);
        expect(hours).toBeLessThan(4.01);
        await page.waitForSelector(`#silence-${silences[0].id}`);
        await page.screenshot({ path: path.join(SHOTS, `listed-${width}.png`), fullPage: true });
      }
      await page.close();
    }
    // The silence holds the alert (and one with a label more: the matchers name these three), on its next post.
    const again = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: { alerts: [{ ...alert, labels: { ...alert.labels, attempt: '2' } }] },
    });
    expect(again.body).toMatchObject({ notified: 0, suppressed: { silenced: 1 } });
    const held = await call(runtime.url, 'POST', '/v1/alerts/dry-run', {
      token: runtime.adminToken,
      body: { alerts: [alert] },
    });
    expect(held.body.alerts[0].routes[0].decision).toBe('silenced');
    expect(problems).toEqual([]);
  });

  it('shows a mute window as a week in its timezone, at 1280 and 375 px', async () => {
    const window = {
      timezone: 'Europe/Berlin',
      intervals: [{ weekdays: ['monday:friday'], times: [{ start: '18:00', end: '24:00' }] }],
    };
    expect(
      (await call(runtime.url, 'PUT', '/v1/mute-windows/evenings', { token: runtime.adminToken, body: window })).status,
    ).toBe(201);
    for (const width of [1280, 375]) {
      const page = await browser.newPage({ viewport: { width, height: 900 } });
      await page.goto(`${runtime.url}/#mute-windows`);
      await page.fill('#token', runtime.adminToken);
      await page.click('#signin-submit');
      await page.waitForSelector('#window-evenings table.week');
      const rows = await page.$$eval('#window-evenings tbody tr', (trs) =>
        trs.map((tr) =>
          Array.from(tr.querySelectorAll('td'))
            .map((td) => (td.classList.contains('on') ? 1 : 0))
            .join(''),
        ),
      );
      const evening = `${'0'.repeat(18)}${'1'.repeat(6)}`;
      expect(rows).toEqual([evening, evening, evening, evening, evening, '0'.repeat(24), '0'.repeat(24)]);
      expect(await page.textContent('#window-evenings h3')).toContain('Europe/Berlin');
      expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
      await page.screenshot({ path: path.join(SHOTS, `windows-${width}.png`), fullPage: true });
      await page.close();
    }
  });
});
