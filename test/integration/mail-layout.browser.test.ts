/**
 * The alert mail's HTML in a real browser (Debian's chromium through playwright-core), for the
 * fixtures and the hostile generated sets: no horizontal scrolling at 375 px (a phone) nor at
 * 800 px; every piece of text legible in light mode, in dark mode (prefers-color-scheme, as Apple
 * Mail and Outlook for Mac/iOS apply it) and with its colours inverted (as the Gmail and Outlook
 * apps do); the severity shown as a word on a coloured badge in each. Screenshots in light, dark
 * and Chromium's forced dark mode at 375 and 800 px go to test-artifacts/mail/.
 */
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { type Browser, chromium, type Page } from 'playwright-core';
import { renderAlertMail } from '../../lib/domain/mail/render';
import { MAIL_NOW, type MailSet, mailSets } from '../fixtures/mail-sets';

const SHOTS = path.join(__dirname, '..', '..', 'test-artifacts', 'mail');
const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'];
/** Chromium's own dark mode: dark UI and prefers-color-scheme, and automatic darkening of pages. */
const FORCED_DARK_ARGS = [...CHROMIUM_ARGS, '--force-dark-mode', '--enable-features=WebContentsForceDark'];
const WIDTHS = [375, 800] as const;
/** WCAG AA for normal text. */
const MIN_CONTRAST = 4.5;

jest.setTimeout(120_000);

const sets = mailSets();
const html = (set: MailSet): string =>
  renderAlertMail(set.kind, set.alerts, MAIL_NOW, { consoleUrl: 'https://alertmail.example/' }).html;
const byName = (name: string): MailSet => {
  const set = sets.find((s) => s.name === name);
  if (set === undefined) throw new Error(`no mail set ${name}`);
  return set;
};

/** The mail as a client that inverts colours itself sees it: no dark-mode declarations of its own. */
function asInvertingClientSees(mailHtml: string): string {
  return mailHtml
    .replace(/<meta name="(color-scheme|supported-color-schemes)"[^>]*>/g, '')
    .replace(/@media \(prefers-color-scheme:dark\)\{.*\}\}/, '');
}

async function open(browser: Browser, mailHtml: string, width: number, colorScheme: 'light' | 'dark'): Promise<Page> {
  const page = await browser.newPage({
    viewport: { width, height: 900 },
    isMobile: width < 600,
    colorScheme,
  });
  await page.setContent(mailHtml);
  return page;
}

interface Illegible {
  text: string;
  fg: string;
  bg: string;
  ratio: number;
}

/**
 * Every element with text of its own whose colour on its background is below `min` contrast,
 * as rendered, and (when `inverted`) with both colours inverted the way a client's dark mode does.
 */
function illegibleText(page: Page, min: number, inverted: boolean): Promise<Illegible[]> {
  return page.evaluate(
    ({ min, inverted }) => {
      const rgb = (css: string): number[] => (css.match(/[\d.]+/g) ?? []).map(Number);
      const luminance = ([r = 0, g = 0, b = 0]: number[]): number => {
        const channel = (c: number): number => {
          const s = c / 255;
          return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
      };
      const contrast = (a: number[], b: number[]): number => {
        const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
        return ((hi ?? 0) + 0.05) / ((lo ?? 0) + 0.05);
      };
      const invert = (c: number[]): number[] => c.slice(0, 3).map((v) => 255 - v);
      const canvas = matchMedia('(prefers-color-scheme: dark)').matches ? 'rgb(18, 18, 18)' : 'rgb(255, 255, 255)';
      const background = (el: Element | null): string => {
        for (let e = el; e !== null; e = e.parentElement) {
          const bg = getComputedStyle(e).backgroundColor;
          if ((rgb(bg)[3] ?? 1) > 0 && bg !== 'transparent') return bg;
        }
        return canvas;
      };
      const found: { text: string; fg: string; bg: string; ratio: number }[] = [];
      for (const el of Array.from(document.body.querySelectorAll('*'))) {
        const own = Array.from(el.childNodes)
          .filter((n) => n.nodeType === Node.TEXT_NODE)
          .map((n) => n.textContent ?? '')
          .join('')
          .replace(/[\s\u200b]+/g, ' ')
          .trim();
        if (own === '') continue;
        const fg = getComputedStyle(el).color;
        const bg = background(el);
        const ratio = inverted ? contrast(invert(rgb(fg)), invert(rgb(bg))) : contrast(rgb(fg), rgb(bg));
        if (ratio < min) found.push({ text: own.slice(0, 40), fg, bg, ratio: Math.round(ratio * 100) / 100 });
      }
      return found;
    },
    { min, inverted },
  );
}

describe('the alert mail in chromium', () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: CHROMIUM_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  const cases = sets.flatMap((set) => WIDTHS.map((width) => ({ name: set.name, set, width })));
  it.each(cases)('shows the $name mail at $width px without horizontal scrolling', async ({ set, width }) => {
    const page = await open(browser, html(set), width, 'light');

    const scrollWidth = await page.evaluate(() => document.documentElement.scrollWidth);

    expect(scrollWidth).toBeLessThanOrEqual(width);
    await page.close();
  });

  it.each(['alertmanager-firing', 'alertmanager-resolved', 'long-values', 'fifty-labels', 'cloudwatch-sns'])(
    'keeps every text of the %s mail legible in light and dark mode, and inverted',
    async (name) => {
      const mailHtml = html(byName(name));
      const light = await open(browser, mailHtml, 375, 'light');
      const dark = await open(browser, mailHtml, 375, 'dark');

      const found = {
        light: await illegibleText(light, MIN_CONTRAST, false),
        dark: await illegibleText(dark, MIN_CONTRAST, false),
        inverted: await illegibleText(light, MIN_CONTRAST, true),
      };

      expect(found).toEqual({ light: [], dark: [], inverted: [] });
      // the dark mode is really applied: the cards are dark
      const cardBackground = (page: Page): Promise<string> =>
        page.evaluate(() => getComputedStyle(document.querySelector('td.c') as Element).backgroundColor);
      expect(await cardBackground(light)).toBe('rgb(255, 255, 255)');
      expect(await cardBackground(dark)).toBe('rgb(31, 41, 55)');
      await Promise.all([light.close(), dark.close()]);
    },
  );

  it.each(['light', 'dark'] as const)('shows each severity as a word on its own colour in %s mode', async (scheme) => {
    const alerts = byName('hundred-alerts').alerts.slice(0, 3); // critical, warning, warning
    const page = await open(browser, renderAlertMail('firing', alerts, MAIL_NOW).html, 375, scheme);

    const badges = await page.evaluate(() =>
      Array.from(document.querySelectorAll('td.c span'))
        .filter((s) => /^(CRITICAL|WARNING)$/.test(s.textContent ?? ''))
        .map((s) => ({ text: s.textContent, background: getComputedStyle(s).backgroundColor })),
    );

    expect(badges).toEqual([
      { text: 'CRITICAL', background: 'rgb(185, 28, 28)' },
      { text: 'WARNING', background: 'rgb(251, 191, 36)' },
      { text: 'WARNING', background: 'rgb(251, 191, 36)' },
    ]);
    await page.close();
  });

  it.each(['alertmanager-firing', 'long-values'])(
    'screenshots the %s mail in light and dark mode at 375 and 800 px',
    async (name) => {
      for (const scheme of ['light', 'dark'] as const) {
        for (const width of WIDTHS) {
          const page = await open(browser, html(byName(name)), width, scheme);
          const file = path.join(SHOTS, `${name}-${scheme}-${width}.png`);
          await page.screenshot({ path: file, fullPage: true });
          expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
          await page.close();
        }
      }
    },
  );
});

describe("the alert mail in chromium's forced dark mode", () => {
  let browser: Browser;

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: FORCED_DARK_ARGS });
  });

  afterAll(async () => {
    await browser?.close();
  });

  it.each(['alertmanager-firing', 'long-values'])(
    'screenshots the %s mail as a client that darkens it (Gmail, Outlook apps) shows it, at 375 and 800 px',
    async (name) => {
      for (const width of WIDTHS) {
        const page = await open(browser, asInvertingClientSees(html(byName(name))), width, 'dark');
        await page.screenshot({ path: path.join(SHOTS, `${name}-forced-dark-${width}.png`), fullPage: true });

        expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(width);
        await page.close();
      }
    },
  );
});
