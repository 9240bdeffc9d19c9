/**
 * The routes console's pure logic, free of the DOM so it is unit-tested in node: the shapes of
 * `GET /v1/routes`, a route as edited and the body it is saved as, client-side checks, where an
 * API error detail belongs in the editor, moving a route in the order, and reading an alert's
 * labels as the admin pastes them for "Who gets this?".
 */
import { MAX_REPEAT_INTERVAL_MS, MIN_REPEAT_INTERVAL_MS, parseDuration } from '../lib/domain/durations';
import { parseSilenceLink } from '../lib/domain/mail/silence-link';
import {
  type ApiCondition,
  type ApiErrorDetail,
  checkAddress,
  checkConditions,
  conditionBody,
  LABEL_NAME,
  LABEL_PRESETS,
} from './model';
import type { ConditionRow } from './state';

/** DESIGN.md "Routes": the same name rule as the server's (lib/domain/routes.ts NAME_PATTERN). */
export const ROUTE_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
export const MAX_ROUTE_RECIPIENTS = 100;
export const DEFAULT_ROUTE_NAME = 'default';

export interface ApiRoute {
  name: string;
  recipients: string[];
  conditions: ApiCondition[];
  continue: boolean;
  enabled: boolean;
  repeatInterval?: string;
  sendResolved?: boolean;
  /** Edited elsewhere (mute windows, templates): kept as they are when a route is saved here. */
  muteWindows?: string[];
  template?: string;
}

/** An omitted `repeatInterval` / `sendResolved` inherits the configuration's. */
export type Inherited = 'inherit' | 'on' | 'off';

/** A route as the editor holds it: strings as typed. */
export interface RouteDraft {
  name: string;
  /** One address per line (commas and semicolons also separate). */
  recipients: string;
  conditions: ConditionRow[];
  continue: boolean;
  enabled: boolean;
  /** Empty: inherit the configuration's repeat interval. */
  repeatInterval: string;
  sendResolved: Inherited;
}

export const NEW_ROUTE: RouteDraft = {
  name: '',
  recipients: '',
  conditions: [],
  continue: false,
  enabled: true,
  repeatInterval: '',
  sendResolved: 'inherit',
};

export function draftFromRoute(route: ApiRoute): RouteDraft {
  const presets: readonly string[] = LABEL_PRESETS;
  return {
    name: route.name,
    recipients: route.recipients.join('\n'),
    conditions: route.conditions.map((c) => ({
      label: c.label,
      operator: c.operator,
      values: (c.values ?? []).join(', '),
      custom: !presets.includes(c.label),
    })),
    continue: route.continue,
    enabled: route.enabled,
    repeatInterval: route.repeatInterval ?? '',
    sendResolved: route.sendResolved === undefined ? 'inherit' : route.sendResolved ? 'on' : 'off',
  };
}

export function splitAddresses(text: string): string[] {
  return text
    .split(/[\n,;]/)
    .map((a) => a.trim())
    .filter((a) => a !== '');
}

/** The body of `POST /v1/routes` and `PUT /v1/routes/{name}`; `original` keeps what this editor does not show. */
export function routeBody(draft: RouteDraft, original?: ApiRoute): ApiRoute {
  const body: ApiRoute = {
    name: draft.name.trim(),
    recipients: splitAddresses(draft.recipients),
    conditions: draft.conditions.map(conditionBody),
    continue: draft.continue,
    enabled: draft.enabled,
  };
  if (draft.repeatInterval.trim() !== '') body.repeatInterval = draft.repeatInterval.trim();
  if (draft.sendResolved !== 'inherit') body.sendResolved = draft.sendResolved === 'on';
  if (original?.muteWindows !== undefined) body.muteWindows = [...original.muteWindows];
  if (original?.template !== undefined) body.template = original.template;
  return body;
}

/** Client-side checks before anything is sent; fields named as the API names them. */
export function checkRoute(draft: RouteDraft, others: readonly string[] = []): ApiErrorDetail[] {
  const out: ApiErrorDetail[] = [];
  const name = draft.name.trim();
  if (name === '') out.push({ field: 'name', message: 'Enter a name for the route.' });
  else if (name === DEFAULT_ROUTE_NAME)
    out.push({ field: 'name', message: '“default” is the default route’s name; choose another.' });
  else if (!ROUTE_NAME.test(name))
    out.push({
      field: 'name',
      message: 'Lowercase letters, digits and -, starting with a letter or digit, at most 63 characters.',
    });
  else if (others.includes(name)) out.push({ field: 'name', message: `A route named ${name} exists already.` });
  const recipients = splitAddresses(draft.recipients);
  if (recipients.length === 0) out.push({ field: 'recipients', message: 'Enter at least one email address.' });
  if (recipients.length > MAX_ROUTE_RECIPIENTS)
    out.push({ field: 'recipients', message: `At most ${MAX_ROUTE_RECIPIENTS} addresses per route.` });
  const seen = new Set<string>();
  recipients.forEach((address, i) => {
    const problem = checkAddress(address) ?? (seen.has(address.toLowerCase()) ? 'This address is listed twice.' : null);
    seen.add(address.toLowerCase());
    if (problem) out.push({ field: `recipients[${i}]`, message: `${address}: ${problem}` });
  });
  out.push(...checkConditions(draft.conditions));
  const interval = draft.repeatInterval.trim();
  if (interval !== '') {
    const ms = parseDuration(interval);
    if (ms === undefined || ms < MIN_REPEAT_INTERVAL_MS || ms > MAX_REPEAT_INTERVAL_MS)
      out.push({ field: 'repeatInterval', message: 'Enter a duration from 1m to 30d, such as 30m, 4h or 1d.' });
  }
  return out;
}

/**
 * The editor's error slot for a field the API (or checkRoute) names: `name`, `recipients`,
 * `conditions[1].values`, `conditions[1]`, `conditions`, `repeatInterval`, `sendResolved`,
 * `continue`, `enabled`, else `general`. A body-relative prefix (`route.`) is dropped.
 */
export function routeSlotFor(field: string): string {
  const f = field.replace(/^route\./, '');
  if (/^name\b/.test(f)) return 'name';
  if (f.startsWith('recipients')) return 'recipients';
  const condition = /^conditions\[(\d+)\](?:\.(label|operator|values))?/.exec(f);
  if (condition) return condition[2] ? `conditions[${condition[1]}].${condition[2]}` : `conditions[${condition[1]}]`;
  if (f.startsWith('conditions')) return 'conditions';
  for (const slot of ['repeatInterval', 'sendResolved', 'continue', 'enabled']) if (f.startsWith(slot)) return slot;
  return 'general';
}

/** Error slot → its messages, from details. */
export function routeErrors(details: readonly ApiErrorDetail[]): Record<string, string[]> {
  const slots: Record<string, string[]> = {};
  for (const d of details) {
    const slot = routeSlotFor(d.field);
    slots[slot] = [...(slots[slot] ?? []), d.message];
  }
  return slots;
}

/** The order after moving the route at `index` by `delta` (-1 up, +1 down); null when it cannot move. */
export function moved(names: readonly string[], index: number, delta: -1 | 1): string[] | null {
  const target = index + delta;
  if (index < 0 || index >= names.length || target < 0 || target >= names.length) return null;
  const out = [...names];
  const [name] = out.splice(index, 1);
  if (name === undefined) return null;
  out.splice(target, 0, name);
  return out;
}

function conditionText(c: ApiCondition): string {
  const values = c.values ?? [];
  switch (c.operator) {
    case 'In':
      return `${c.label} = ${values.join(' | ')}`;
    case 'NotIn':
      return `${c.label} ≠ ${values.join(' | ')}`;
    case 'Exists':
      return `${c.label} is set`;
    case 'DoesNotExist':
      return `${c.label} is not set`;
    case 'Matches':
      return `${c.label} =~ ${values[0] ?? ''}`;
    case 'NotMatches':
      return `${c.label} !~ ${values[0] ?? ''}`;
  }
}

/** One line of a route in the list: "severity = critical · team is set", or "every alert". */
export function conditionsSummary(conditions: readonly ApiCondition[]): string {
  return conditions.length === 0 ? 'every alert' : conditions.map(conditionText).join(' · ');
}

// ---------------------------------------------------------------- "Who gets this?" input

/** What the panel posts to `POST /v1/alerts/dry-run`: any body `POST /v1/alerts` takes. */
export type DryRunInput = { ok: true; body: unknown } | { ok: false; error: string };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function firing(labels: Record<string, string>): DryRunInput {
  return { ok: true, body: { alerts: [{ labels, status: 'firing' }] } };
}

function fromJson(text: string): DryRunInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    return { ok: false, error: `This is not valid JSON: ${e instanceof Error ? e.message : String(e)}` };
  }
  // a whole payload (Alertmanager webhook, generic, Alertmanager API v2 array) goes as it is
  if (Array.isArray(parsed) || (isRecord(parsed) && Array.isArray(parsed.alerts))) return { ok: true, body: parsed };
  const labels = isRecord(parsed) && isRecord(parsed.labels) ? parsed.labels : parsed;
  if (!isRecord(labels) || Object.keys(labels).length === 0)
    return { ok: false, error: 'Paste a JSON object of labels, such as {"severity": "critical"}.' };
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(labels)) {
    if (typeof value !== 'string') return { ok: false, error: `The value of ${name} is not a string.` };
    out[name] = value;
  }
  return firing(out);
}

/** `severity=critical`, `severity = critical` (as the mail's text lists labels), `severity="critical"`. */
function fromLines(text: string): DryRunInput {
  const labels: Record<string, string> = {};
  const lines = text
    .replace(/^\s*\{/, '')
    .replace(/\}\s*$/, '')
    .split(/\r?\n|,(?=\s*[a-zA-Z_][a-zA-Z0-9_]*\s*=)/);
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([^=\s]+)\s*=\s*(.*)$/.exec(line);
    if (!match) return { ok: false, error: `Line ${i + 1} is not name=value: ${line}` };
    const [, name = '', value = ''] = match;
    if (!LABEL_NAME.test(name))
      return { ok: false, error: `Line ${i + 1}: ${name} is not a label name (letters, digits and _).` };
    const quoted = /^"(.*)"$/.exec(value.trim());
    labels[name] = quoted ? (quoted[1] ?? '') : value.trim();
  }
  if (Object.keys(labels).length === 0)
    return { ok: false, error: 'Paste at least one label, such as severity=critical.' };
  return firing(labels);
}

/**
 * Reads what the admin pasted: `name=value` lines (also Prometheus' `{a="b", c="d"}`), a JSON
 * object of labels (or `{"labels": {...}}`, or a whole alerts payload), or a mail's "Silence this"
 * link, which carries all the alert's labels.
 */
export function parseAlertInput(text: string): DryRunInput {
  const t = text.trim();
  if (t === '') return { ok: false, error: 'Paste the alert’s labels first.' };
  if (t.startsWith('[') || (t.startsWith('{') && /^\{\s*("|\}|$)/.test(t))) return fromJson(t);
  const hash = t.indexOf('#');
  if (/^https?:\/\//i.test(t) || t.startsWith('#')) {
    const labels = hash >= 0 ? parseSilenceLink(t.slice(hash)) : null;
    if (!labels || Object.keys(labels).length === 0)
      return { ok: false, error: 'This link is not a “Silence this” link with labels.' };
    return firing(labels);
  }
  return fromLines(t);
}
