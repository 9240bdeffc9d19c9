/**
 * The Silences and Mute windows views driven in Debian's chromium (playwright-core) against the real
 * local runtime, each step checked through the API: a silence extended, edited and expired from its
 * row; a mute window created in the editor (a bad timezone refused first), shown as a week, edited
 * and deleted. At 1280 and 375 px, the page never scrolls sideways.
 */
import { type Browser, chromium, type Page } from 'playwright-core';
import { call, startTestRuntime, type TestRuntime } from './support';

const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
jest.setTimeout(120_000);

describe('the Silences and Mute windows views in chromium', () => {
  let runtime: TestRuntime;
  let browser: Browser;
  const problems: string[] = [];

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });

  async function signIn(width: number, section: string): Promise<Page> {
    const page = await browser.newPage({ viewport: { width, height: 900 } });
    page.on('pageerror', (error) => problems.push(error.message));
    // The browser logs the refused write (the bad timezone, on purpose) as a failed load: not a page error.
    page.on('console', (m) => m.type() === 'error' && !/status of 400/.test(m.text()) && problems.push(m.text()));
    await page.goto(`${runtime.url}/#${section}`);
    await page.fill('#token', runtime.adminToken);
    await page.click('#signin-submit');
    await page.waitForSelector(`#${section}`);
    return page;
  }
  const noSidewaysScroll = async (page: Page, width: number) =>
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);

  beforeAll(async () => {
    [runtime, browser] = await Promise.all([
      startTestRuntime({ sweepSeconds: 0 }),
      chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS }),
    ]);
  });

  afterAll(async () => {
    await browser?.close();
    await runtime?.stop();
  });

  for (const width of [1280, 375]) {
    it(`extends, edits and expires a silence from its row at ${width} px`, async () => {
      const endsAt = new Date(Date.now() + 2 * 3_600_000);
      const created = await admin('POST', '/v1/silences', {
        matchers: [{ label: 'alertname', operator: 'In', values: [`Views${width}`] }],
        endsAt: endsAt.toISOString(),
        comment: 'maintenance',
      });
      expect(created.status).toBe(201);
      const id = created.body.id as string;
      const silence = async () =>
        ((await admin('GET', '/v1/silences')).body.silences as Array<Record<string, unknown>>).find((s) => s.id === id);
      const page = await signIn(width, 'silences');
      const row = page.locator(`#silence-${id}`);
      await row.waitFor();
      await noSidewaysScroll(page, width);

      await row.getByRole('button', { name: 'Extend 1 h' }).click();
      await page.waitForSelector('#silences-message:has-text("extended")');
      expect(Date.parse(String((await silence())?.endsAt))).toBe(endsAt.getTime() + 3_600_000);

      await row.getByRole('button', { name: 'Edit' }).click();
      await page.fill('#silence-comment', 'maintenance, longer');
      await page.click('#silence-save');
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.textContent?.includes('maintenance, longer'),
        `#silence-${id}`,
      );
      expect(await silence()).toMatchObject({ comment: 'maintenance, longer', state: 'active' });

      await page.locator(`#silence-${id}`).getByRole('button', { name: 'Expire' }).click();
      await page.waitForSelector('#silences-message:has-text("expired")');
      expect(await silence()).toMatchObject({ state: 'expired' });
      // Listed under Expired, with nothing left to do to it.
      await page.waitForFunction(
        (sel) => document.querySelector(sel)?.closest('.silence-group')?.querySelector('h3')?.id === 'silences-expired',
        `#silence-${id}`,
      );
      expect(await page.locator(`#silence-${id} button`).count()).toBe(0);
      await noSidewaysScroll(page, width);
      await page.close();
    });

    it(`creates, shows, edits and deletes a mute window at ${width} px`, async () => {
      const name = `weekend-${width}`;
      const page = await signIn(width, 'mute-windows');
      await page.click('#window-new');
      await page.fill('#window-name', name);
      await page.fill('#window-timezone', 'Mars/Olympus_Mons');
      await page.fill('#window-intervals', JSON.stringify([{ weekdays: ['saturday', 'sunday'] }]));
      await page.click('#window-save');
      await page.waitForSelector('#windows-message:has-text("timezone")');
      expect((await admin('GET', `/v1/mute-windows/${name}`)).status).toBe(404);

      await page.fill('#window-timezone', 'America/New_York');
      await page.click('#window-save');
      await page.waitForSelector(`#window-${name} table.week`);
      expect((await admin('GET', `/v1/mute-windows/${name}`)).body).toMatchObject({
        name,
        timezone: 'America/New_York',
        intervals: [{ weekdays: ['saturday', 'sunday'] }],
      });
      const rows = () =>
        page.$$eval(`#window-${name} tbody tr`, (trs) =>
          trs.map((tr) => Array.from(tr.querySelectorAll('td')).filter((td) => td.classList.contains('on')).length),
        );
      // Monday first: the weekend rows are the whole day muted.
      expect(await rows()).toEqual([0, 0, 0, 0, 0, 24, 24]);
      await noSidewaysScroll(page, width);

      await page.getByRole('button', { name: `Edit ${name}` }).click();
      await page.fill(
        '#window-intervals',
        JSON.stringify([{ weekdays: ['sunday'], times: [{ start: '02:00', end: '06:00' }] }]),
      );
      await page.click('#window-save');
      await page.waitForFunction((sel) => document.querySelectorAll(`${sel} td.on`).length === 4, `#window-${name}`);
      expect(await rows()).toEqual([0, 0, 0, 0, 0, 0, 4]);
      expect((await admin('GET', `/v1/mute-windows/${name}`)).body.intervals).toEqual([
        { weekdays: ['sunday'], times: [{ start: '02:00', end: '06:00' }] },
      ]);

      page.once('dialog', (dialog) => void dialog.accept());
      await page.getByRole('button', { name: `Delete ${name}` }).click();
      await page.waitForSelector(`#window-${name}`, { state: 'detached' });
      expect((await admin('GET', `/v1/mute-windows/${name}`)).status).toBe(404);
      await page.close();
    });
  }

  it('raised no page error', () => {
    expect(problems).toEqual([]);
  });
});
