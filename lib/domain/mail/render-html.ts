/**
 * The HTML part, built from what Outlook (Word), Gmail, Apple Mail and Yahoo all
 * keep (caniemail): tables with widths for structure, padding only on table cells,
 * colours as `bgcolor` and `color`, and `max-width` with an Outlook-only fixed-width
 * table. Nothing depends on CSS those clients drop (`overflow-wrap`, `word-break`,
 * `white-space`, `table-layout`, `box-sizing`, `float`, `overflow`, `display`):
 * long values get zero-width break opportunities from the renderer (breakable()).
 * Rounded corners are cosmetic: square where a client drops them.
 *
 * Dark mode: clients that honour `prefers-color-scheme` (Apple Mail, Outlook for
 * Mac/iOS) get the overrides in DARK_MODE_CSS; clients that invert colours
 * themselves (Gmail and Outlook apps) get light colours with enough contrast that
 * the inverted ones stay legible. Severity is a word in a badge as well as a colour,
 * so it survives any inversion.
 */
import {
  type AlertView,
  type BatchView,
  escapeHtml,
  type Field,
  formatUtc,
  type MailKind,
  multiLine,
  type SeverityLevel,
  safeHttpUrl,
  singleLine,
} from './render-batch';
import { silenceUrl } from './silence-link';

/** The longest run of characters the HTML leaves without a break opportunity (fits a 375 px phone in any cell). */
export const MAX_UNBROKEN = 16;

/**
 * The break opportunity: U+200B ZERO WIDTH SPACE, written as an entity to keep the part ASCII.
 * Not `<wbr>`: caniemail lists `<wbr>` as unsupported in Outlook for Windows, Windows Mail and
 * Gmail for iOS, while U+200B is text, and every line breaker (Word's included) breaks at it.
 */
const BREAK = '&#8203;';

/** Natural places to break a long token: after a separator (not inside a run of them), or at a camelCase hump. */
function isNaturalBreak(chars: readonly string[], at: number): boolean {
  const before = chars[at - 1] ?? '';
  const after = chars[at] ?? '';
  if (/[-/.=_:]/.test(before)) return !/[-/.=_:]/.test(after);
  return /[a-z]/.test(before) && /[A-Z]/.test(after);
}

/** One token (no whitespace) as escaped HTML with break opportunities so no run exceeds MAX_UNBROKEN. */
function breakToken(token: string): string {
  const chars = Array.from(token);
  if (chars.length <= MAX_UNBROKEN) return escapeHtml(token);
  const pieces: string[] = [];
  let start = 0;
  while (chars.length - start > MAX_UNBROKEN) {
    let cut = start + MAX_UNBROKEN;
    for (let at = start + MAX_UNBROKEN; at > start + MAX_UNBROKEN / 4; at--) {
      if (isNaturalBreak(chars, at)) {
        cut = at;
        break;
      }
    }
    pieces.push(chars.slice(start, cut).join(''));
    start = cut;
  }
  pieces.push(chars.slice(start).join(''));
  return pieces.map(escapeHtml).join(BREAK);
}

/** Text as escaped HTML whose long tokens can break (line feeds become `<br>`). */
export function breakable(text: string): string {
  return text
    .split('\n')
    .map((line) =>
      line
        .split(/(\s+)/)
        .map((part, i) => (i % 2 === 1 ? part : breakToken(part)))
        .join(''),
    )
    .join('<br>');
}

export const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
export const MONO = 'ui-monospace,Menlo,Consolas,monospace';
export const TABLE = 'cellpadding="0" cellspacing="0"';

/** Light colours (inline, so every client has them) with their dark-mode overrides in DARK_MODE_CSS. */
export const PAGE_BG = '#f3f4f6';
export const CARD_BG = '#ffffff';
export const CARD_EDGE = '#e5e7eb';
export const TEXT = '#111827';
export const MUTED = '#4b5563';
export const LINK = '#1d4ed8';

export const STATE_COLORS: Readonly<Record<MailKind, string>> = { firing: '#b91c1c', resolved: '#15803d' };

/** Badge colors: text on background, all at least 4.5:1 contrast, on a light and on a dark card. */
export const SEVERITY_COLORS: Readonly<Record<SeverityLevel, { fg: string; bg: string; edge: string }>> = {
  critical: { fg: '#ffffff', bg: '#b91c1c', edge: '#b91c1c' },
  warning: { fg: '#1f2937', bg: '#fbbf24', edge: '#d97706' },
  info: { fg: '#ffffff', bg: '#1d4ed8', edge: '#1d4ed8' },
  other: { fg: '#ffffff', bg: '#4b5563', edge: '#6b7280' },
};

/**
 * For clients that honour `prefers-color-scheme`: page `b`, panels `c` (the card's left edge keeps
 * its severity colour), muted text `m`, name/value tables `f` (names muted, values like the text).
 * Type selectors set the font for Outlook, whose tables do not inherit it.
 */
export const DARK_MODE_CSS =
  `table,td{font-family:${FONT}}` +
  '@media (prefers-color-scheme:dark){' +
  '.b{background-color:#111827!important}' +
  '.c{background-color:#1f2937!important;color:#f3f4f6!important;border-top-color:#374151!important;border-right-color:#374151!important;border-bottom-color:#374151!important}' +
  '.m,.f td{color:#9ca3af!important}.f td+td{color:#f3f4f6!important}.b a{color:#93c5fd!important}}';

export function link(url: string, text: string): string {
  return `<a href="${escapeHtml(url)}" style="color:${LINK};">${breakable(text)}</a>`;
}

/** A value as HTML: a link when it is an http(s) URL, breakable text otherwise (labels on one line, annotations may span lines). */
export function valueHtml(value: string, lines: 'single' | 'multi'): string {
  const url = safeHttpUrl(value);
  if (url !== undefined && !/\s/.test(value.trim())) return link(url, value.trim());
  return breakable(lines === 'single' ? singleLine(value) : multiLine(value));
}

/**
 * Name/value rows. What the cells share (colour, font size) is set once on the table and the
 * alignment as `valign`, not repeated in every cell: a 100-alert mail stays well under Gmail's
 * 102 KB clipping for it.
 */
function fieldsTable(fields: readonly Field[], lines: 'single' | 'multi'): string {
  const rows = fields
    .map(
      (f) =>
        `<tr valign="top"><td width="34%" style="padding:3px 10px 3px 0;color:${MUTED};">${breakable(singleLine(f.name))}</td>` +
        `<td style="padding:3px 0;font-family:${MONO};">${valueHtml(f.value, lines)}</td></tr>`,
    )
    .join('');
  return `<table class="f" width="100%" ${TABLE} style="border-collapse:collapse;font-size:13px;line-height:1.45;">${rows}</table>`;
}

function sectionTitle(text: string): string {
  return `<div class="m" style="font-size:11px;font-weight:700;letter-spacing:0.06em;text-transform:uppercase;color:${MUTED};margin:0 0 6px;">${escapeHtml(text)}</div>`;
}

/** Padding and rounded corners are cosmetic here: where a client drops them the badge is still coloured text. */
function badge(text: string, fg: string, bg: string): string {
  return `<span style="padding:2px 8px;border-radius:10px;font-size:11px;font-weight:700;letter-spacing:0.04em;line-height:1.9;color:${fg};background-color:${bg};">${breakable(text)}</span>`;
}

/** A row of the main column holding a panel: white, bordered, padded (padding on cells only: Outlook drops it elsewhere). */
function panelRow(style: string, content: string): string {
  return `<tr><td class="c" bgcolor="${CARD_BG}" style="${style}">${content}</td></tr>`;
}

const spacerRow = (px: number): string => `<tr><td height="${px}"></td></tr>`;

/** One alert: a panel whose left edge has the severity colour. */
function alertCard(view: AlertView, index: number, count: number, consoleUrl: string | undefined): string {
  const colors = SEVERITY_COLORS[view.severity.level];
  const top = [
    count > 1 ? `<span class="m" style="font-size:12px;color:${MUTED};">${index + 1}/${count}</span>` : '',
    view.resolved ? badge('RESOLVED', '#ffffff', STATE_COLORS.resolved) : '',
    view.severity.label === undefined ? '' : badge(view.severity.label.toUpperCase(), colors.fg, colors.bg),
    `<span class="m" style="font-size:13px;color:${MUTED};">${escapeHtml(view.duration)}</span>`,
  ]
    .filter((b) => b !== '')
    .join(' ');
  const parts: string[] = [
    `<div style="margin:0 0 8px;">${top}</div>`,
    `<div style="font-size:17px;font-weight:600;line-height:1.35;">${breakable(view.headline)}</div>`,
  ];
  if (view.description !== undefined) {
    parts.push(`<div style="margin:6px 0 0;font-size:14px;line-height:1.5;">${breakable(view.description)}</div>`);
  }
  if (view.labels.length > 0) {
    parts.push(`<div style="margin:12px 0 0;">${sectionTitle('Labels')}${fieldsTable(view.labels, 'single')}</div>`);
  }
  if (view.annotations.length > 0) {
    parts.push(
      `<div style="margin:12px 0 0;">${sectionTitle('Annotations')}${fieldsTable(view.annotations, 'multi')}</div>`,
    );
  }
  const times = [`Started ${escapeHtml(view.startedAt)}`];
  if (view.endedAt !== undefined) times.push(`resolved ${escapeHtml(view.endedAt)}`);
  parts.push(`<div class="m" style="margin:12px 0 0;font-size:13px;color:${MUTED};">${times.join(' &middot; ')}</div>`);
  if (view.sourceUrl !== undefined) {
    parts.push(
      `<div style="margin:6px 0 0;font-size:13px;"><a href="${escapeHtml(view.sourceUrl)}" style="color:${LINK};font-weight:600;">View source &#8250;</a></div>`,
    );
  } else if (view.sourceText !== undefined) {
    parts.push(
      `<div class="m" style="margin:6px 0 0;font-size:13px;color:${MUTED};">Source (not a web link): ${breakable(view.sourceText)}</div>`,
    );
  }
  if (consoleUrl !== undefined) {
    parts.push(
      `<div style="margin:6px 0 0;font-size:13px;">${link(silenceUrl(consoleUrl, view.alert.labels), 'Silence this')}</div>`,
    );
  }
  parts.push(
    `<div class="m" style="margin:8px 0 0;font-size:11px;color:${MUTED};font-family:${MONO};">${breakable(singleLine(view.alert.fingerprint))}</div>`,
  );
  return panelRow(
    `border:1px solid ${CARD_EDGE};border-left:4px solid ${colors.edge};border-radius:6px;padding:14px 16px;`,
    parts.join(''),
  );
}

/** The coloured band at the top: state, count, names (and key values). */
function bandRow(color: string, kicker: string, title: string, subtitle: string | undefined): string {
  return (
    `<tr><td bgcolor="${color}" style="padding:16px 18px;border-radius:8px 8px 0 0;color:#ffffff;">` +
    `<div style="font-size:12px;font-weight:700;letter-spacing:0.08em;text-transform:uppercase;">${kicker}</div>` +
    `<div style="font-size:21px;font-weight:700;line-height:1.3;margin:4px 0 0;">${title}</div>` +
    (subtitle === undefined ? '' : `<div style="font-size:14px;margin:2px 0 0;">${subtitle}</div>`) +
    '</td></tr>'
  );
}

export function renderHtml(batch: BatchView, subject: string, now: Date, consoleUrl: string | undefined): string {
  const state = batch.kind === 'firing' ? 'Firing' : 'Resolved';
  const countText = `${batch.count} ${batch.count === 1 ? 'alert' : 'alerts'}`;
  const band = bandRow(
    STATE_COLORS[batch.kind],
    `${state} &middot; ${countText}`,
    breakable(batch.names),
    batch.keyValues.length > 0 ? batch.keyValues.map(breakable).join(' &middot; ') : undefined,
  );
  const common =
    batch.common.length > 0
      ? panelRow(
          `border:1px solid ${CARD_EDGE};border-top:0;border-radius:0 0 8px 8px;padding:12px 18px;`,
          `${sectionTitle(batch.count === 1 ? 'Labels' : 'Labels common to all alerts')}${fieldsTable(batch.common, 'single')}`,
        )
      : '';
  const cards = batch.alerts.map((v, i) => alertCard(v, i, batch.count, consoleUrl)).join(spacerRow(12));
  const footer =
    `<tr><td class="m" style="font-size:12px;line-height:1.5;color:${MUTED};padding:4px 2px 0;">Sent by alertmail at ${escapeHtml(formatUtc(now))}.` +
    (consoleUrl !== undefined ? ` ${link(consoleUrl, 'Open the alertmail console')}` : '') +
    '</td></tr>';
  return htmlDocument(subject, `${band}${common}${spacerRow(14)}${cards}${spacerRow(12)}${footer}`);
}

/**
 * The page: a full-width table with the page colour (Gmail drops `<body>` styles), centring a
 * column of at most 640 px (`max-width`, and a fixed 640 px table for Outlook for Windows, which
 * ignores it), whose rows are `rows`.
 */
export function htmlDocument(title: string, rows: string): string {
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light dark"><meta name="supported-color-schemes" content="light dark">' +
    `<title>${escapeHtml(title)}</title><style>${DARK_MODE_CSS}</style></head>` +
    `<body class="b" style="margin:0;padding:0;background-color:${PAGE_BG};">` +
    `<table class="b" width="100%" ${TABLE} bgcolor="${PAGE_BG}"><tr><td style="padding:12px;">` +
    `<!--[if mso]><table align="center" width="640" ${TABLE}><tr><td><![endif]-->` +
    `<table align="center" width="100%" ${TABLE} style="max-width:640px;font-family:${FONT};color:${TEXT};">${rows}</table>` +
    '<!--[if mso]></td></tr></table><![endif]-->' +
    '</td></tr></table></body></html>'
  );
}
