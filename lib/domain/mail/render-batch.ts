/**
 * What both parts of the alert mail share: the batch digested once (headline,
 * severity, the labels common to the batch and those that differ, times, the
 * source link), the subject, and the text hygiene every value goes through.
 * The HTML part (render-html.ts) and the text part (render-text.ts) only lay it out.
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
export function multiLine(value: string): string {
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

export type SeverityLevel = 'critical' | 'warning' | 'info' | 'other';

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

/** The severity label (one line, at most 24 characters) and its level, from an alert's labels. */
export function severityOf(labels: Readonly<Record<string, string>>): {
  label: string | undefined;
  level: SeverityLevel;
} {
  const raw = labels.severity;
  const label = raw === undefined ? undefined : singleLine(raw);
  if (label === undefined || label === '') return { label: undefined, level: 'other' };
  return { label: truncate(label, 24), level: SEVERITY_LEVELS[label.toLowerCase()] ?? 'other' };
}

// ---------------------------------------------------------------------------
// The batch, digested once for both parts

export interface Field {
  readonly name: string;
  readonly value: string;
}

export interface AlertView {
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

export interface BatchView {
  readonly kind: MailKind;
  readonly count: number;
  /** `KubePodCrashLooping` or `HighCPU, DiskFull +2`. */
  readonly names: string;
  /** Values of SUBJECT_LABELS common to the batch, in that order, de-duplicated. */
  readonly keyValues: readonly string[];
  readonly common: readonly Field[];
  readonly alerts: readonly AlertView[];
}

export const byName = (a: Field, b: Field): number => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);

/** Labels carried with the same value by every alert of the batch. */
function commonLabels(alerts: readonly Alert[]): Field[] {
  const [first, ...rest] = alerts;
  if (first === undefined) return [];
  return Object.entries(first.labels)
    .filter(([name, value]) => rest.every((a) => Object.hasOwn(a.labels, name) && a.labels[name] === value))
    .map(([name, value]) => ({ name, value }))
    .sort(byName);
}

/** `KubePodCrashLooping` or `HighCPU, DiskFull +2`: the distinct alert names, in order. */
export function alertNames(alerts: ReadonlyArray<{ readonly labels: Strings }>): string {
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

/** Values of SUBJECT_LABELS among the common labels, in that order, de-duplicated. */
export function keyValues(common: readonly Field[]): string[] {
  const values: string[] = [];
  for (const name of SUBJECT_LABELS) {
    const field = common.find((f) => f.name === name);
    const value = field === undefined ? '' : singleLine(field.value);
    if (value !== '' && !values.includes(value)) values.push(value);
  }
  return values;
}

type Strings = Readonly<Record<string, string>>;

/** The alert's headline: its `summary`, else its `alertname`, else "Alert" (one line). */
export function headlineOf(labels: Strings, annotations: Strings): string {
  const summary = singleLine(annotations[HEADLINE_ANNOTATION] ?? '');
  const alertname = singleLine(labels.alertname ?? '');
  return summary !== '' ? summary : alertname !== '' ? alertname : 'Alert';
}

/** The annotation shown under the headline (`description`, else `message`), if any. */
export function descriptionKeyOf(annotations: Strings): string | undefined {
  return BODY_ANNOTATIONS.find((k) => (annotations[k] ?? '').trim() !== '');
}

/** The annotations not shown as headline or description, non-blank, sorted by name. */
export function otherAnnotationsOf(annotations: Strings): Field[] {
  const bodyKey = descriptionKeyOf(annotations);
  return Object.entries(annotations)
    .filter(([name, value]) => name !== HEADLINE_ANNOTATION && name !== bodyKey && value.trim() !== '')
    .map(([name, value]) => ({ name, value }))
    .sort(byName);
}

function viewAlert(alert: Alert, kind: MailKind, commonNames: ReadonlySet<string>, now: Date): AlertView {
  const { annotations } = alert;
  const headline = headlineOf(alert.labels, annotations);
  const bodyKey = descriptionKeyOf(annotations);
  const description = bodyKey === undefined ? undefined : multiLine(annotations[bodyKey] ?? '');

  const labels = Object.entries(alert.labels)
    .filter(([name]) => !commonNames.has(name))
    .map(([name, value]) => ({ name, value }))
    .sort(byName);
  const others = otherAnnotationsOf(annotations);

  const resolved = kind === 'resolved' || alert.status === 'resolved';
  const end = resolved ? (alert.endsAt ?? now) : now;
  const elapsed = formatDuration(end.getTime() - alert.startsAt.getTime());
  const sourceUrl = safeHttpUrl(alert.generatorURL);
  const rawSource = alert.generatorURL === undefined ? '' : singleLine(alert.generatorURL);
  return {
    alert,
    headline,
    description: description === '' ? undefined : description,
    severity: severityOf(alert.labels),
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

export function viewBatch(kind: MailKind, alerts: readonly Alert[], now: Date): BatchView {
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

export function subjectOf(batch: BatchView): string {
  const state = batch.kind === 'firing' ? 'FIRING' : 'RESOLVED';
  const context = batch.keyValues.length > 0 ? ` (${batch.keyValues.join(', ')})` : '';
  return truncate(singleLine(`[${state}:${batch.count}] ${batch.names}${context}`), SUBJECT_MAX_LENGTH);
}
