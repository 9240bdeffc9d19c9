/**
 * The alert mail against the caniemail database (@jsx-email/doiuse-email) for the Gmail,
 * Outlook, Apple Mail and Yahoo families: every feature it reports is one this file explains,
 * either cosmetic (its absence is harmless) or partially supported in a way our use avoids.
 * Anything else (`overflow-wrap`, `word-break`, `white-space`, `table-layout`, `box-sizing`,
 * `float`, `overflow`, `display`, the `role` attribute...) fails the test.
 */
import { doIUseEmail } from '@jsx-email/doiuse-email';
import { renderAlertMail, renderTestMail } from '../../lib/domain/mail/render';
import { MAX_UNBROKEN } from '../../lib/domain/mail/render-html';
import { MAIL_NOW, mailSets } from '../fixtures/mail-sets';

const FAMILIES = ['gmail.*', 'outlook.*', 'apple-mail.*', 'yahoo.*'];

/** Not supported by some of the four families, and harmless where dropped. */
const COSMETIC_UNSUPPORTED: Readonly<Record<string, string>> = {
  '<body> element': 'the page colour is also on the outer table; body styles only reset margins',
  'border-radius': 'rounded corners: square where dropped',
  '@media': 'only the prefers-color-scheme overrides: without them the light colours stay (or the client inverts)',
  'Type selector': 'the font for Outlook tables; elsewhere the main table sets it inline',
};

/** Partially supported: the caveats caniemail lists do not apply to how the mail uses them (checked below). */
const PARTIAL_AS_USED: Readonly<Record<string, string>> = {
  margin: 'no negative or auto margins, none on <span> or <body>',
  padding: 'on table cells; elsewhere only on badges, where it is cosmetic',
  border: 'at most 4 px, on table cells only',
  'max-width': 'on the column table, with a fixed-width table for Outlook for Windows',
  'width attribute': 'on tables and cells, not on images',
  'height attribute': 'on spacer cells, not on images',
  'align attribute': 'only align="center" (Outlook for Mac ignores left/right on tables)',
  'font-size': 'px values only',
  'font-weight': '600 and 700 only',
  'line-height': 'unitless values only',
  'letter-spacing': 'small positive em values: cosmetic',
  'text-transform': 'uppercase only',
  'lang attribute': 'on <html> only',
  ...COSMETIC_UNSUPPORTED,
};

/** The features the mail used before this layout, which clients drop and which changed its layout. */
const DROPPED_LAYOUT_FEATURES = [
  'overflow-wrap',
  'word-break',
  'white-space',
  'table-layout',
  'box-sizing',
  'float',
  'overflow',
  'display',
  'display:none',
  'role attribute',
];

function featureOf(message: string): string {
  return /^`([^`]+)`/.exec(message)?.[1] ?? message;
}

const checked = new Map<string, { unsupported: Set<string>; partial: Set<string> }>();

/** The features caniemail reports for `html`, by support level (checked once per mail). */
function findings(html: string): { unsupported: Set<string>; partial: Set<string> } {
  const known = checked.get(html);
  if (known !== undefined) return known;
  const result = doIUseEmail(html, { emailClients: FAMILIES });
  const found = {
    unsupported: new Set((result.success ? [] : result.errors).map(featureOf)),
    partial: new Set(result.warnings.map(featureOf)),
  };
  checked.set(html, found);
  return found;
}

/** `[tag, style]` for every element with a style attribute. */
function styledElements(html: string): [string, string][] {
  return [...html.matchAll(/<([a-z]+)\b[^>]*?\sstyle="([^"]*)"/g)].map((m) => [m[1] ?? '', m[2] ?? '']);
}

const mails = [
  ...mailSets().map((set) => ({
    name: set.name,
    html: renderAlertMail(set.kind, set.alerts, MAIL_NOW, { consoleUrl: 'https://alertmail.example/' }).html,
  })),
  {
    name: 'test message',
    html: renderTestMail(MAIL_NOW, { host: 'smtp.example.com', port: 587, security: 'starttls' }).html,
  },
];

describe.each(mails)('the $name mail in Gmail, Outlook, Apple Mail and Yahoo (caniemail)', ({ html }) => {
  it('uses no feature those clients drop, except the cosmetic ones', () => {
    const { unsupported } = findings(html);

    expect([...unsupported].filter((f) => !(f in COSMETIC_UNSUPPORTED))).toEqual([]);
  });

  it('uses partially supported features only in the way all of them keep', () => {
    const { partial } = findings(html);

    expect([...partial].filter((f) => !(f in PARTIAL_AS_USED))).toEqual([]);
  });

  it('has none of the layout features it used to depend on', () => {
    const { unsupported, partial } = findings(html);

    for (const feature of DROPPED_LAYOUT_FEATURES) {
      expect({ feature, reported: unsupported.has(feature) || partial.has(feature) }).toEqual({
        feature,
        reported: false,
      });
    }
  });

  it('keeps to the caveats of the partially supported features', () => {
    const styled = styledElements(html);

    for (const [tag, style] of styled) {
      if (/(^|;)\s*margin/.test(style)) {
        expect({ tag, style }).not.toMatchObject({ tag: 'span' });
        expect(style).not.toMatch(/margin[^;]*(-\d|auto)/);
      }
      if (/(^|;)\s*padding/.test(style) && !['td', 'body'].includes(tag)) {
        expect({ tag, style }).toMatchObject({ tag: 'span', style: expect.stringContaining('border-radius') });
      }
      if (/(^|;)\s*border(-left|-top|-right|-bottom)?:/.test(style)) {
        expect({ tag, style }).toMatchObject({ tag: 'td' });
        for (const width of style.matchAll(/border[a-z-]*:(\d+)px/g)) expect(Number(width[1])).toBeLessThanOrEqual(8);
      }
      if (style.includes('max-width')) expect(tag).toBe('table');
      expect(style).not.toMatch(/rem\b|font-weight:(?!600|700)\d/);
      expect(style).not.toMatch(/line-height:\d+(px|em)/);
    }
    expect(html).not.toMatch(/align="(left|right)"/);
  });

  it('leaves no run of text longer than MAX_UNBROKEN characters without a break opportunity', () => {
    const text = html
      .replace(/<style>[^<]*<\/style>|<title>[^<]*<\/title>|<!--[\s\S]*?-->/g, ' ')
      .replace(/<[^>]+>/g, ' ')
      .replace(/&#8203;/g, ' ');

    const runs = text.split(/\s+/).map((run) => run.replace(/&[a-z]+;|&#\d+;/g, '_'));
    expect(runs.filter((run) => Array.from(run).length > MAX_UNBROKEN)).toEqual([]);
  });
});

describe('dark mode declarations', () => {
  const { html } = renderAlertMail('firing', mailSets()[0]?.alerts ?? [], MAIL_NOW);

  it('declares both colour schemes', () => {
    expect(html).toContain('<meta name="color-scheme" content="light dark">');
    expect(html).toContain('<meta name="supported-color-schemes" content="light dark">');
  });

  it('has dark overrides for the clients that honour prefers-color-scheme', () => {
    expect(html).toMatch(
      /<style>[^<]*@media \(prefers-color-scheme:dark\)\{[^<]*\.c\{background-color:#1f2937!important/,
    );
  });
});
