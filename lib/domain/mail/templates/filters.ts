/**
 * The filters alert mails need beyond Liquid's own, as plain functions (liquid-engine.ts registers
 * them): durations, dates in a time zone, label sets without some labels, severity and its colours,
 * and the built-in mail's own pieces (headline, description, wrapping, break opportunities), so the
 * shipped `default` template lays the mail out exactly as the built-in renderer does.
 */
import {
  alertNames,
  descriptionKeyOf,
  formatDuration,
  formatUtc,
  headlineOf,
  keyValues,
  multiLine,
  otherAnnotationsOf,
  type SeverityLevel,
  safeHttpUrl,
  severityOf,
  singleLine,
} from '../render-batch';
import { breakable, SEVERITY_COLORS, valueHtml } from '../render-html';
import { wrap, wrapParagraphs } from '../render-text';
import { type StringMap, sortedMap } from './context';

type Loose = unknown;

const isRecord = (value: Loose): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A label or annotation set as strings (anything else in it is dropped). */
function stringMap(value: Loose): StringMap {
  if (!isRecord(value)) return {};
  return Object.fromEntries(
    Object.entries(value).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

const text = (value: Loose): string => (value === null || value === undefined ? '' : String(value));

/** An alert of the context (or anything with labels). */
const labelsOf = (value: Loose): StringMap =>
  isRecord(value) && isRecord(value.labels) ? stringMap(value.labels) : stringMap(value);
const annotationsOf = (value: Loose): StringMap => (isRecord(value) ? stringMap(value.annotations) : {});

function parseDate(value: Loose, filter: string): Date {
  const date = value instanceof Date ? value : new Date(text(value));
  if (Number.isNaN(date.getTime()))
    throw new Error(`${filter}: not a time: ${JSON.stringify(text(value).slice(0, 40))}`);
  return date;
}

/**
 * `{{ alert | duration }}`: `firing for 2h 13m` (until now) or `lasted 45m` (resolved).
 * `{{ alert.startsAt | duration }}`: the time since then; `{{ a | duration: b }}`: from a to b.
 */
export function duration(value: Loose, now: Date, end?: Loose): string {
  if (isRecord(value)) {
    const start = parseDate(value.startsAt, 'duration');
    const resolved = value.status === 'resolved';
    const until = resolved && value.endsAt ? parseDate(value.endsAt, 'duration') : now;
    const elapsed = formatDuration(until.getTime() - start.getTime());
    return resolved ? `lasted ${elapsed}` : `firing for ${elapsed}`;
  }
  const until = end === undefined || end === null ? now : parseDate(end, 'duration');
  return formatDuration(until.getTime() - parseDate(value, 'duration').getTime());
}

const zoneFormats = new Map<string, Intl.DateTimeFormat>();

/** `{{ alert.startsAt | datetime }}`: `2026-11-24 11:15:51 UTC`; `| datetime: "Europe/Paris"`: the same in that IANA zone. */
export function datetime(value: Loose, zone: Loose = 'UTC'): string {
  const date = parseDate(value, 'datetime');
  const timeZone = text(zone);
  if (timeZone === 'UTC') return formatUtc(date);
  let format = zoneFormats.get(timeZone);
  if (format === undefined) {
    try {
      format = new Intl.DateTimeFormat('en-CA', {
        timeZone,
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hourCycle: 'h23',
        timeZoneName: 'short',
      });
    } catch {
      throw new Error(
        `datetime: unknown time zone ${JSON.stringify(timeZone.slice(0, 64))} (an IANA name such as Europe/Paris)`,
      );
    }
    if (zoneFormats.size < 64) zoneFormats.set(timeZone, format);
  }
  const parts = Object.fromEntries(format.formatToParts(date).map((p) => [p.type, p.value]));
  return `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}:${parts.second} ${parts.timeZoneName}`;
}

/** `{{ alert.labels | without: "pod", "instance" }}` or `| without: commonLabels`: the set minus those names. */
export function without(value: Loose, ...names: Loose[]): StringMap {
  const drop = new Set<string>();
  for (const name of names) {
    if (isRecord(name)) for (const key of Object.keys(name)) drop.add(key);
    else drop.add(text(name));
  }
  return sortedMap(Object.entries(stringMap(value)).filter(([name]) => !drop.has(name)));
}

/** The severity label (one line, at most 24 characters), or null. */
export const severity = (value: Loose): string | null =>
  typeof value === 'string'
    ? (severityOf({ severity: value }).label ?? null)
    : (severityOf(labelsOf(value)).label ?? null);

/** `critical`, `warning`, `info` or `other`. */
export const severityLevel = (value: Loose): SeverityLevel =>
  severityOf(typeof value === 'string' ? { severity: value } : labelsOf(value)).level;

/** `{{ alert | severity_color }}`: the badge's background; `: "text"` its text colour; `: "edge"` the card's edge. */
export function severityColor(value: Loose, which: Loose = 'background'): string {
  const colors = SEVERITY_COLORS[severityLevel(value)];
  const key = text(which);
  if (key === 'text') return colors.fg;
  if (key === 'edge') return colors.edge;
  if (key === 'background') return colors.bg;
  throw new Error(`severity_color: "background", "text" or "edge", not ${JSON.stringify(key.slice(0, 20))}`);
}

export const headline = (alert: Loose): string => headlineOf(labelsOf(alert), annotationsOf(alert));

/** The `description` (else `message`) annotation, or null. */
export function description(alert: Loose): string | null {
  const annotations = annotationsOf(alert);
  const key = descriptionKeyOf(annotations);
  const body = key === undefined ? '' : multiLine(annotations[key] ?? '');
  return body === '' ? null : body;
}

export const otherAnnotations = (alert: Loose): StringMap =>
  sortedMap(otherAnnotationsOf(annotationsOf(alert)).map((f) => [f.name, f.value] as const));

export const alertNamesOf = (alerts: Loose): string =>
  alertNames(Array.isArray(alerts) ? alerts.map((a) => ({ labels: labelsOf(a) })) : []);

export const keyValuesOf = (labels: Loose): string[] =>
  keyValues(Object.entries(stringMap(labels)).map(([name, value]) => ({ name, value })));

export const safeUrl = (value: Loose): string | null => safeHttpUrl(text(value)) ?? null;

/** `{{ text | wrap: "    ", "        " }}`: lines of at most 78 columns, the first with one prefix, the rest with the other. */
export const wrapText = (value: Loose, first: Loose = '', rest: Loose = first): string =>
  wrap(text(value), text(first), text(rest)).join('\n');

export const paragraphs = (value: Loose, prefix: Loose = ''): string =>
  wrapParagraphs(text(value), text(prefix)).join('\n');

/** The filters of every part: name → function of (value, ...arguments), `now` the render time. */
export function commonFilters(now: () => Date): Record<string, (value: Loose, ...args: Loose[]) => unknown> {
  return {
    duration: (value, end) => duration(value, now(), end),
    datetime: (value, zone) => datetime(value, zone ?? 'UTC'),
    without: (value, ...names) => without(value, ...names),
    severity,
    severity_level: severityLevel,
    severity_color: (value, which) => severityColor(value, which ?? 'background'),
    headline,
    description,
    other_annotations: otherAnnotations,
    alert_names: alertNamesOf,
    key_values: keyValuesOf,
    single_line: (value) => singleLine(text(value)),
    multi_line: (value) => multiLine(text(value)),
    safe_url: safeUrl,
    wrap: (value, first, rest) => wrapText(value, first ?? '', rest ?? first ?? ''),
    paragraphs: (value, prefix) => paragraphs(value, prefix ?? ''),
  };
}

/** HTML filters: their output is HTML they escaped themselves (not escaped again). */
export const HTML_FILTERS: Record<string, (value: Loose, ...args: Loose[]) => string> = {
  /** Escaped text whose long words can break on a phone (the built-in mail's breakable()). */
  breakable: (value) => breakable(text(value)),
  /** A link when the value is an http(s) URL, else breakable text (`"single"` line or `"multi"`). */
  linkify: (value, lines) => valueHtml(text(value), text(lines) === 'multi' ? 'multi' : 'single'),
};
