/**
 * The email a recipient reads at 3 a.m. on a phone: one message per batch, a
 * plain-text part and an HTML part that say the same thing.
 *
 * Better than Alertmanager's default email in the ways DESIGN.md "The email" asks:
 * labels common to the batch are shown once at the top and each alert shows only
 * the labels that differ; each alert's `summary` is its headline with the
 * `description` under it; severity is a colored badge; the start time and how
 * long it has been firing (or how long it lasted) are spelled out; the source
 * link is a link. The HTML uses inline styles only, no remote images, no
 * scripts, and a fluid single column (max 640 px) that never scrolls sideways.
 *
 * Safety: every label/annotation value is HTML-escaped; only http(s) URLs become
 * links; the subject has every control character (CR, LF, ...) replaced so no
 * value can ever reach a mail header as anything but text.
 */
import type { Alert } from '../alerts/model';

export interface RenderedMail {
  subject: string;
  text: string;
  html: string;
}

export type MailKind = 'firing' | 'resolved';

export interface RenderOptions {
  /** Link to the alertmail console, shown in the footer when given (only if http(s)). */
  consoleUrl?: string;
}

/**
 * Labels whose common value is shown in the subject after the alert name, in this
 * order: where it happens (cluster, namespace), what it is (service, instance), and
 * how bad (severity). `job`, `container` and the like are left out: they add length
 * rather than meaning on a phone's lock screen.
 */
export const SUBJECT_LABELS: readonly string[] = ['cluster', 'namespace', 'service', 'instance', 'severity'];

/** Subject length cap in characters (code points), ellipsis included. */
export const SUBJECT_MAX_LENGTH = 150;

/** How many distinct alert names the subject spells out before `+N`. */
const SUBJECT_MAX_NAMES = 2;

/** Annotations shown in their own place rather than in the "other annotations" list. */
const HEADLINE_ANNOTATION = 'summary';
const BODY_ANNOTATIONS = ['description', 'message'] as const;

// ---------------------------------------------------------------------------
// Text hygiene

/** C0/C1 controls, DEL, line/paragraph separators and bidi overrides: never in a header or a one-line field. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_INLINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]+/g;
/** The same but keeping \n (and \t) for multi-line text such as descriptions; also drops ANSI escapes via ESC. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
const UNSAFE_MULTILINE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/g;

/** One line of text: control characters become a space, runs of whitespace collapse. */
export function singleLine(value: string): string {
  return value.replace(UNSAFE_INLINE, ' ').replace(/\s+/g, ' ').trim();
}

/** Multi-line text: CRLF/CR normalized to LF, other control characters dropped, trailing space trimmed. */
function multiLine(value: string): string {
  return value
    .replace(/\r\n?/g, '\n')
    .replace(UNSAFE_MULTILINE, '')
    .replace(/[ \t]+\n/g, '\n')
    .trim();
}

/** Cuts `value` to at most `max` code points, ending with an ellipsis when cut. */
export function truncate(value: string, max: number): string {
  const chars = Array.from(value);
  if (chars.length <= max) return value;
  return `${chars
    .slice(0, Math.max(0, max - 1))
    .join('')
    .trimEnd()}…`;
}

const HTML_ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Escapes text for HTML element content and double- or single-quoted attributes. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => HTML_ESCAPES[c] ?? c);
}

/** The URL, normalized, when it is an absolute http(s) URL; otherwise undefined (never `javascript:`, `data:`, ...). */
export function safeHttpUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (!/^https?:\/\//i.test(trimmed)) return undefined;
  try {
    const url = new URL(trimmed);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// Time

/** `2026-11-24 11:15:51 UTC`. */
export function formatUtc(date: Date): string {
  if (Number.isNaN(date.getTime())) return 'unknown time';
  return `${date.toISOString().slice(0, 19).replace('T', ' ')} UTC`;
}

/**
 * A duration for humans, the two largest units: `45s`, `9m 55s`, `45m`, `2h 13m`, `3d 4h`.
 * Negative durations (clock skew between the source and us) count as zero.
 */
export function formatDuration(ms: number): string {
  const totalSeconds = Number.isFinite(ms) ? Math.max(0, Math.floor(ms / 1000)) : 0;
  const days = Math.floor(totalSeconds / 86_400);
  const hours = Math.floor((totalSeconds % 86_400) / 3_600);
  const minutes = Math.floor((totalSeconds % 3_600) / 60);
  const seconds = totalSeconds % 60;
  if (days > 0) return hours > 0 ? `${days}d ${hours}h` : `${days}d`;
  if (hours > 0) return minutes > 0 ? `${hours}h ${minutes}m` : `${hours}h`;
  if (minutes > 0) return seconds > 0 ? `${minutes}m ${seconds}s` : `${minutes}m`;
  return `${seconds}s`;
}

// ---------------------------------------------------------------------------
// Severity

type SeverityLevel = 'critical' | 'warning' | 'info' | 'other';

const SEVERITY_LEVELS: Readonly<Record<string, SeverityLevel>> = {
  critical: 'critical',
  crit: 'critical',
  fatal: 'critical',
  emergency: 'critical',
  alert: 'critical',
  page: 'critical',
  high: 'critical',
  error: 'critical',
  major: 'critical',
  warning: 'warning',
  warn: 'warning',
  medium: 'warning',
  minor: 'warning',
  info: 'info',
  informational: 'info',
  notice: 'info',
  low: 'info',
  none: 'info',
};

const SEVERITY_RANK: Readonly<Record<SeverityLevel, number>> = { critical: 0, warning: 1, other: 2, info: 3 };

/** Badge colors: text on background, all at least 4.5:1 contrast. */
const SEVERITY_COLORS: Readonly<Record<SeverityLevel, { fg: string; bg: string; edge: string }>> = {
  critical: { fg: '#ffffff', bg: '#b91c1c', edge: '#b91c1c' },
  warning: { fg: '#1f2937', bg: '#fbbf24', edge: '#d97706' },
  info: { fg: '#ffffff', bg: '#1d4ed8', edge: '#1d4ed8' },
  other: { fg: '#ffffff', bg: '#4b5563', edge: '#6b7280' },
};

function severityOf(alert: Alert): { label: string | undefined; level: SeverityLevel } {
  const raw = alert.labels.severity;
  const label = raw === undefined ? undefined : singleLine(raw);
  if (label === undefined || label === '') return { label: undefined, level: 'other' };
  return { label: truncate(label, 24), level: SEVERITY_LEVELS[label.toLowerCase()] ?? 'other' };
}

// ---------------------------------------------------------------------------
// The batch, digested once for both parts

interface Field {
  readonly name: string;
  readonly value: string;
}

interface AlertView {
  readonly alert: Alert;
  readonly headline: string;
  readonly description: string | undefined;
  readonly severity: { label: string | undefined; level: SeverityLevel };
  /** Labels not common to the whole batch, sorted by name. */
  readonly labels: readonly Field[];
  /** Annotations other than the headline and description, sorted by name. */
  readonly annotations: readonly Field[];
  readonly resolved: boolean;
  readonly startedAt: string;
  readonly endedAt: string | undefined;
  /** `firing for 2h 13m` or `lasted 45m`. */
  readonly duration: string;
  readonly sourceUrl: string | undefined;
  /** The raw generatorURL when it is not an http(s) URL: shown as text, never linked. */
  readonly sourceText: string | undefined;
}

interface BatchView {
  readonly kind: MailKind;
  readonly count: number;
  /** `KubePodCrashLooping` or `HighCPU, DiskFull +2`. */
  readonly names: string;
  /** Values of SUBJECT_LABELS common to the batch, in that order, de-duplicated. */
  readonly keyValues: readonly string[];
  readonly common: readonly Field[];
  readonly alerts: readonly AlertView[];
}

const byName = (a: Field, b: Field): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Labels carried with the same value by every alert of the batch. */
function commonLabels(alerts: readonly Alert[]): Field[] {
  const [first, ...rest] = alerts;
  if (first === undefined) return [];
  return Object.entries(first.labels)
    .filter(([name, value]) => rest.every((a) => Object.hasOwn(a.labels, name) && a.labels[name] === value))
    .map(([name, value]) => ({ name, value }))
    .sort(byName);
}

function alertNames(alerts: readonly Alert[]): string {
  const names: string[] = [];
  for (const alert of alerts) {
    const name = singleLine(alert.labels.alertname ?? '');
    if (name !== '' && !names.includes(name)) names.push(name);
  }
  if (names.length === 0) return 'Alert';
  const shown = names.slice(0, SUBJECT_MAX_NAMES).join(', ');
  const more = names.length - SUBJECT_MAX_NAMES;
  return more > 0 ? `${shown} +${more}` : shown;
}

function keyValues(common: readonly Field[]): string[] {
  const values: string[] = [];
  for (const name of SUBJECT_LABELS) {
    const field = common.find((f) => f.name === name);
    const value = field === undefined ? '' : singleLine(field.value);
    if (value !== '' && !values.includes(value)) values.push(value);
  }
  return values;
}

function viewAlert(alert: Alert, kind: MailKind, commonNames: ReadonlySet<string>, now: Date): AlertView {
  const { annotations } = alert;
  const summary = singleLine(annotations[HEADLINE_ANNOTATION] ?? '');
  const alertname = singleLine(alert.labels.alertname ?? '');
  const headline = summary !== '' ? summary : alertname !== '' ? alertname : 'Alert';
  const bodyKey = BODY_ANNOTATIONS.find((k) => (annotations[k] ?? '').trim() !== '');
  const description = bodyKey === undefined ? undefined : multiLine(annotations[bodyKey] ?? '');
  const shownElsewhere = new Set<string>([HEADLINE_ANNOTATION, ...(bodyKey === undefined ? [] : [bodyKey])]);

  const labels = Object.entries(alert.labels)
    .filter(([name]) => !commonNames.has(name))
    .map(([name, value]) => ({ name, value }))
    .sort(byName);
  const others = Object.entries(annotations)
    .filter(([name, value]) => !shownElsewhere.has(name) && value.trim() !== '')
    .map(([name, value]) => ({ name, value }))
    .sort(byName);

  const resolved = kind === 'resolved' || alert.status === 'resolved';
  const end = resolved ? (alert.endsAt ?? now) : now;
  const elapsed = formatDuration(end.getTime() - alert.startsAt.getTime());
  const sourceUrl = safeHttpUrl(alert.generatorURL);
  const rawSource = alert.generatorURL === undefined ? '' : singleLine(alert.generatorURL);
  return {
    alert,
    headline,
    description: description === '' ? undefined : description,
    severity: severityOf(alert),
    labels,
    annotations: others,
    resolved,
    startedAt: formatUtc(alert.startsAt),
    endedAt: resolved ? formatUtc(end) : undefined,
    duration: resolved ? `lasted ${elapsed}` : `firing for ${elapsed}`,
    sourceUrl,
    sourceText: sourceUrl === undefined && rawSource !== '' ? rawSource : undefined,
  };
}

/** Most severe first, then the oldest first, then by fingerprint: the same order in both parts and the subject. */
function compareAlerts(a: AlertView, b: AlertView): number {
  const rank = SEVERITY_RANK[a.severity.level] - SEVERITY_RANK[b.severity.level];
  if (rank !== 0) return rank;
  const start = a.alert.startsAt.getTime() - b.alert.startsAt.getTime();
  if (start !== 0) return start;
  return a.alert.fingerprint < b.alert.fingerprint ? -1 : a.alert.fingerprint > b.alert.fingerprint ? 1 : 0;
}

function viewBatch(kind: MailKind, alerts: readonly Alert[], now: Date): BatchView {
  if (alerts.length === 0) throw new RangeError('renderAlertMail needs at least one alert');
  const common = commonLabels(alerts);
  const commonNames = new Set(common.map((f) => f.name));
  const views = alerts.map((a) => viewAlert(a, kind, commonNames, now)).sort(compareAlerts);
  const ordered = views.map((v) => v.alert);
  return {
    kind,
    count: alerts.length,
    names: alertNames(ordered),
    keyValues: keyValues(common),
    common,
    alerts: views,
  };
}

function subjectOf(batch: BatchView): string {
  const state = batch.kind === 'firing' ? 'FIRING' : 'RESOLVED';
  const context = batch.keyValues.length > 0 ? ` (${batch.keyValues.join(', ')})` : '';
  return truncate(singleLine(`[${state}:${batch.count}] ${batch.names}${context}`), SUBJECT_MAX_LENGTH);
}

// ---------------------------------------------------------------------------
// Plain text

const RULE = '-'.repeat(60);

function indent(text: string, prefix: string): string {
  return text
    .split('\n')
    .map((line) => (line === '' ? '' : prefix + line))
    .join('\n');
}

function textFields(fields: readonly Field[], prefix: string): string[] {
  return fields.map((f) => `${prefix}${singleLine(f.name)} = ${singleLine(f.value)}`);
}

function renderText(batch: BatchView, subject: string, now: Date, consoleUrl: string | undefined): string {
  const lines: string[] = [];
  const state = batch.kind === 'firing' ? 'FIRING' : 'RESOLVED';
  lines.push(`${state}: ${batch.count} ${batch.count === 1 ? 'alert' : 'alerts'}`);
  lines.push(subject.replace(/^\[[A-Z]+:\d+\] /, ''));
  lines.push('');
  if (batch.common.length > 0) {
    lines.push(batch.count === 1 ? 'Labels:' : 'Labels common to all alerts:');
    lines.push(...textFields(batch.common, '  '));
    lines.push('');
  }
  batch.alerts.forEach((view, i) => {
    lines.push(RULE);
    const badge = view.severity.label === undefined ? '' : `${view.severity.label.toUpperCase()} | `;
    const status = view.resolved ? 'RESOLVED | ' : '';
    lines.push(`[${i + 1}/${batch.count}] ${status}${badge}${view.headline}`);
    if (view.description !== undefined) lines.push(indent(view.description, '    '));
    if (view.labels.length > 0) {
      lines.push('    Labels:');
      lines.push(...textFields(view.labels, '      '));
    }
    for (const a of view.annotations) {
      const value = multiLine(a.value);
      if (value.includes('\n')) lines.push(`    ${singleLine(a.name)}:`, indent(value, '      '));
      else lines.push(`    ${singleLine(a.name)}: ${value}`);
    }
    lines.push(`    Started: ${view.startedAt} (${view.duration})`);
    if (view.endedAt !== undefined) lines.push(`    Resolved: ${view.endedAt}`);
    if (view.sourceUrl !== undefined) lines.push(`    Source: ${view.sourceUrl}`);
    else if (view.sourceText !== undefined) lines.push(`    Source (not a web link): ${view.sourceText}`);
    lines.push(`    Fingerprint: ${singleLine(view.alert.fingerprint)}`);
    lines.push('');
  });
  lines.push('--');
  lines.push(`Sent by alertmail at ${formatUtc(now)}.`);
  if (consoleUrl !== undefined) lines.push(`Console: ${consoleUrl}`);
  return `${lines.join('\n')}\n`;
}

// ---------------------------------------------------------------------------
// HTML

const FONT = "-apple-system,BlinkMacSystemFont,'Segoe UI',Roboto,Helvetica,Arial,sans-serif";
const MONO = 'ui-monospace,Menlo,Consolas,monospace';
const WRAP = 'word-break:break-word;overflow-wrap:anywhere;';
const STATE_COLORS: Readonly<Record<MailKind, string>> = { firing: '#b91c1c', resolved: '#15803d' };

function link(url: string, text: string): string {
  return `<a href="${escapeHtml(url)}" style="color:#1d4ed8;${WRAP}">${escapeHtml(text)}</a>`;
}

/** A value as HTML: a link when it is an http(s) URL, escaped text otherwise (labels on one line, annotations may span lines). */
function valueHtml(value: string, lines: 'single' | 'multi'): string {
  const url = safeHttpUrl(value);
  if (url !== undefined && !/\s/.test(value.trim())) return link(url, value.trim());
  return escapeHtml(lines === 'single' ? singleLine(value) : multiLine(value));
}

/**
 * Name/value rows; `table-layout:fixed` plus break-word keeps long values from widening the page.
 * What the cells share (colour, wrapping: inherited properties) is set once on the table and the
 * alignment as `valign`, not repeated in every cell: a 100-alert mail is ~40 % smaller for it
 * (Gmail clips messages over 102 KB, and every byte is QP-encoded and sent per recipient chunk).
 */
function fieldsTable(fields: readonly Field[], lines: 'single' | 'multi'): string {
  const rows = fields
    .map(
      (f) =>
        `<tr valign="top"><td style="width:34%;padding:3px 10px 3px 0;color:#6b7280;">${escapeHtml(singleLine(f.name))}</td>` +
        `<td style="padding:3px 0;font-family:${MONO};white-space:pre-line;">${valueHtml(f.value, lines)}</td></tr>`,
    )
    .join('');
  return `<table role="presentation" cellpadding="0" cellspacing="0" border="0" style="width:100%;border-collapse:collapse;table-layout:fixed;font-size:13px;line-height:1.45;color:#111827;${WRAP}">${rows}</table>`;
}

function sectionTitle(text: string): string {
  return `<div style="font-size:11px;font-weight:700;letter-spacing:0.06em;text-transform:uppercase;color:#6b7280;margin:0 0 6px;">${escapeHtml(text)}</div>`;
}

function badge(text: string, fg: string, bg: string): string {
  return `<span style="display:inline-block;padding:2px 8px;border-radius:10px;font-size:11px;font-weight:700;letter-spacing:0.04em;line-height:1.5;color:${fg};background:${bg};${WRAP}">${escapeHtml(text)}</span>`;
}

/** One alert. Wrapping is set once on the card and inherited (word-break and overflow-wrap are inherited properties). */
function alertCard(view: AlertView, index: number, count: number): string {
  const colors = SEVERITY_COLORS[view.severity.level];
  const badges = [
    view.resolved ? badge('RESOLVED', '#ffffff', STATE_COLORS.resolved) : '',
    view.severity.label === undefined ? '' : badge(view.severity.label.toUpperCase(), colors.fg, colors.bg),
    `<span style="font-size:13px;color:#4b5563;white-space:nowrap;">${escapeHtml(view.duration)}</span>`,
  ]
    .filter((b) => b !== '')
    .join(' ');
  const parts: string[] = [
    `<div style="margin:0 0 8px;">${badges}${count > 1 ? `<span style="float:right;font-size:12px;color:#9ca3af;">${index + 1}/${count}</span>` : ''}</div>`,
    `<div style="font-size:17px;font-weight:600;line-height:1.35;color:#111827;">${escapeHtml(view.headline)}</div>`,
  ];
  if (view.description !== undefined) {
    parts.push(
      `<div style="margin:6px 0 0;font-size:14px;line-height:1.5;color:#374151;white-space:pre-line;">${escapeHtml(view.description)}</div>`,
    );
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
  parts.push(`<div style="margin:12px 0 0;font-size:13px;color:#4b5563;">${times.join(' · ')}</div>`);
  if (view.sourceUrl !== undefined) {
    parts.push(
      `<div style="margin:6px 0 0;font-size:13px;"><a href="${escapeHtml(view.sourceUrl)}" style="color:#1d4ed8;font-weight:600;">View source &#8250;</a></div>`,
    );
  } else if (view.sourceText !== undefined) {
    parts.push(
      `<div style="margin:6px 0 0;font-size:13px;color:#4b5563;">Source (not a web link): ${escapeHtml(view.sourceText)}</div>`,
    );
  }
  parts.push(
    `<div style="margin:8px 0 0;font-size:11px;color:#9ca3af;font-family:${MONO};">${escapeHtml(singleLine(view.alert.fingerprint))}</div>`,
  );
  return `<div style="background:#ffffff;border:1px solid #e5e7eb;border-left:4px solid ${colors.edge};border-radius:6px;padding:14px 16px;margin:0 0 12px;${WRAP}">${parts.join('')}</div>`;
}

function renderHtml(batch: BatchView, subject: string, now: Date, consoleUrl: string | undefined): string {
  const stateColor = STATE_COLORS[batch.kind];
  const state = batch.kind === 'firing' ? 'Firing' : 'Resolved';
  const countText = `${batch.count} ${batch.count === 1 ? 'alert' : 'alerts'}`;
  const first = batch.alerts[0];
  const preheader = first === undefined ? '' : first.headline;
  const header =
    `<div style="background:${stateColor};color:#ffffff;padding:16px 18px;border-radius:8px 8px 0 0;">` +
    `<div style="font-size:12px;font-weight:700;letter-spacing:0.08em;text-transform:uppercase;">${state} &middot; ${countText}</div>` +
    `<div style="font-size:21px;font-weight:700;line-height:1.3;margin:4px 0 0;${WRAP}">${escapeHtml(batch.names)}</div>` +
    (batch.keyValues.length > 0
      ? `<div style="font-size:14px;margin:2px 0 0;${WRAP}">${batch.keyValues.map(escapeHtml).join(' &middot; ')}</div>`
      : '') +
    '</div>';
  const common =
    batch.common.length > 0
      ? `<div style="background:#ffffff;border:1px solid #e5e7eb;border-top:0;border-radius:0 0 8px 8px;padding:12px 18px;margin:0 0 14px;">${sectionTitle(batch.count === 1 ? 'Labels' : 'Labels common to all alerts')}${fieldsTable(batch.common, 'single')}</div>`
      : '<div style="height:14px;"></div>';
  const cards = batch.alerts.map((v, i) => alertCard(v, i, batch.count)).join('');
  const footer =
    `<div style="font-size:12px;line-height:1.5;color:#6b7280;padding:4px 2px 0;${WRAP}">Sent by alertmail at ${escapeHtml(formatUtc(now))}.` +
    (consoleUrl !== undefined ? ` ${link(consoleUrl, 'Open the alertmail console')}` : '') +
    '</div>';
  return htmlDocument(subject, preheader, `${header}${common}${cards}${footer}`);
}

function htmlDocument(title: string, preheader: string, body: string): string {
  return (
    '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width, initial-scale=1">' +
    '<meta name="color-scheme" content="light"><meta name="supported-color-schemes" content="light">' +
    `<title>${escapeHtml(title)}</title></head>` +
    `<body style="margin:0;padding:0;background:#f3f4f6;font-family:${FONT};color:#111827;-webkit-text-size-adjust:100%;">` +
    `<div style="display:none;max-height:0;overflow:hidden;opacity:0;">${escapeHtml(preheader)}</div>` +
    `<div style="max-width:640px;margin:0 auto;padding:12px;box-sizing:border-box;">${body}</div>` +
    '</body></html>'
  );
}

// ---------------------------------------------------------------------------
// Public API

/** One email for a batch of alerts of one kind. `now` is the render time (durations of firing alerts end there). */
export function renderAlertMail(
  kind: MailKind,
  alerts: readonly Alert[],
  now: Date,
  options: RenderOptions = {},
): RenderedMail {
  const batch = viewBatch(kind, alerts, now);
  const subject = subjectOf(batch);
  const consoleUrl = safeHttpUrl(options.consoleUrl);
  return {
    subject,
    text: renderText(batch, subject, now, consoleUrl),
    html: renderHtml(batch, subject, now, consoleUrl),
  };
}

export type TestMailServer = { host: string; port: number; security: string } | { transport: 'ses' };

const SECURITY_WORDS: Readonly<Record<string, string>> = {
  none: 'without encryption',
  starttls: 'upgraded to TLS with STARTTLS',
  tls: 'over TLS',
};

/** The "Send Test Message" mail: says the settings work and which server delivered it. */
export function renderTestMail(now: Date, server: TestMailServer): RenderedMail {
  const subject = 'alertmail test message';
  const via =
    'transport' in server
      ? 'Amazon SES, using the permissions of the alertmail function (no password involved)'
      : `the mail server ${truncate(singleLine(server.host), 253)} on port ${server.port}, ${
          SECURITY_WORDS[server.security] ?? `security "${truncate(singleLine(server.security), 32)}"`
        }`;
  const sentAt = formatUtc(now);
  const text = [
    'alertmail test message',
    '',
    'Your email settings work: this message was accepted by',
    `${via}, and reached this mailbox.`,
    '',
    'Alert notifications that meet your notification conditions will be sent',
    'the same way. Nothing needs to be done about this message.',
    '',
    '--',
    `Sent by alertmail at ${sentAt}.`,
    '',
  ].join('\n');
  const body =
    `<div style="background:${STATE_COLORS.resolved};color:#ffffff;padding:16px 18px;border-radius:8px 8px 0 0;">` +
    '<div style="font-size:12px;font-weight:700;letter-spacing:0.08em;text-transform:uppercase;">Test message</div>' +
    '<div style="font-size:21px;font-weight:700;line-height:1.3;margin:4px 0 0;">Your email settings work</div></div>' +
    `<div style="background:#ffffff;border:1px solid #e5e7eb;border-top:0;border-radius:0 0 8px 8px;padding:14px 18px;margin:0 0 14px;font-size:15px;line-height:1.5;${WRAP}">` +
    `<p style="margin:0 0 10px;">This message was accepted by ${escapeHtml(via)}, and reached this mailbox.</p>` +
    '<p style="margin:0;">Alert notifications that meet your notification conditions will be sent the same way. Nothing needs to be done about this message.</p></div>' +
    `<div style="font-size:12px;color:#6b7280;padding:4px 2px 0;">Sent by alertmail at ${escapeHtml(sentAt)}.</div>`;
  return { subject, text, html: htmlDocument(subject, 'Your alertmail email settings work.', body) };
}
