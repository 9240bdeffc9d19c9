/**
 * The data a template sees, named as Alertmanager's template data (`.Status`, `.Alerts`,
 * `.CommonLabels`, ... in camelCase) so templates port over (DESIGN.md "Templates").
 *
 * Where the spec was silent: `alerts` come in the order the mail shows them (most severe first,
 * then the oldest: render-batch.ts); label and annotation sets have their names sorted, so a
 * `for` over them is in the order the built-in mail lists them; times are RFC 3339 strings (UTC);
 * an absent URL or time is `null` (falsy in Liquid, unlike ""). Beside Alertmanager's names:
 * `now` (the render time) and `subject` (the rendered subject, for the HTML `<title>`).
 */
import type { Alert } from '../../alerts/model';
import { DEFAULT_ROUTE_NAME } from '../../routes';
import { type Field, type MailKind, safeHttpUrl, viewBatch } from '../render-batch';
import { silenceUrl } from '../silence-link';

export type StringMap = Readonly<Record<string, string>>;

export interface TemplateAlert {
  readonly status: 'firing' | 'resolved';
  readonly labels: StringMap;
  readonly annotations: StringMap;
  readonly startsAt: string | null;
  readonly endsAt: string | null;
  readonly generatorURL: string | null;
  readonly fingerprint: string;
  readonly silenceURL: string | null;
}

export interface TemplateContext {
  readonly status: MailKind;
  readonly alerts: readonly TemplateAlert[];
  readonly commonLabels: StringMap;
  readonly commonAnnotations: StringMap;
  /** The name of the route the mail is for (`default` for the default route). */
  readonly route: string;
  readonly consoleURL: string | null;
  readonly externalURL: string | null;
  readonly now: string;
  subject?: string;
}

export interface ContextOptions {
  readonly consoleUrl?: string | undefined;
  readonly route?: string | undefined;
  /** The source's own URL (Alertmanager's externalURL), when it sent one. */
  readonly externalUrl?: string | undefined;
}

const iso = (date: Date | undefined): string | null =>
  date === undefined || Number.isNaN(date.getTime()) ? null : date.toISOString();

export function sortedMap(entries: Iterable<readonly [string, string]>): StringMap {
  return Object.fromEntries([...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

const fieldsMap = (fields: readonly Field[]): StringMap => sortedMap(fields.map((f) => [f.name, f.value] as const));

/** Annotations carried with the same value by every alert. */
function commonAnnotations(alerts: readonly Alert[]): StringMap {
  const [first, ...rest] = alerts;
  if (first === undefined) return {};
  return sortedMap(
    Object.entries(first.annotations).filter(([name, value]) =>
      rest.every((a) => Object.hasOwn(a.annotations, name) && a.annotations[name] === value),
    ),
  );
}

export function templateContext(
  kind: MailKind,
  alerts: readonly Alert[],
  now: Date,
  options: ContextOptions = {},
): TemplateContext {
  const batch = viewBatch(kind, alerts, now);
  const consoleURL = safeHttpUrl(options.consoleUrl) ?? null;
  return {
    status: kind,
    alerts: batch.alerts.map(({ alert, resolved }) => ({
      status: resolved ? 'resolved' : 'firing',
      labels: sortedMap(Object.entries(alert.labels)),
      annotations: sortedMap(Object.entries(alert.annotations)),
      startsAt: iso(alert.startsAt),
      endsAt: resolved ? iso(alert.endsAt ?? now) : iso(alert.endsAt),
      generatorURL: alert.generatorURL ?? null,
      fingerprint: alert.fingerprint,
      silenceURL: consoleURL === null ? null : silenceUrl(consoleURL, alert.labels),
    })),
    commonLabels: fieldsMap(batch.common),
    commonAnnotations: commonAnnotations(alerts),
    route: options.route ?? DEFAULT_ROUTE_NAME,
    consoleURL,
    externalURL: options.externalUrl ?? null,
    now: now.toISOString(),
  };
}
