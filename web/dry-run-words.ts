/**
 * "Who gets this?" in words: the answer of `POST /v1/alerts/dry-run` (DESIGN.md "Routes") read
 * route by route, e.g. "payments-oncall gets it; database skipped: severity is not critical;
 * default route not reached (payments-oncall did not continue)". Pure, so each decision's
 * wording is unit-tested in node.
 */
import type { ApiCondition } from './model';
import { DEFAULT_ROUTE_NAME } from './routes-model';

export type Decision =
  | 'send'
  | 'repeatInterval'
  | 'silenced'
  | 'muted'
  | 'disabled'
  | 'notConfigured'
  /** Resolved, and no firing notice went out that a resolved one would answer. */
  | 'nothingToTell';

export interface DryRunRoute {
  route: string;
  /** Its conditions all hold (whether or not it was reached or is enabled). */
  matched: boolean;
  /**
   * false: an earlier route took the alert without `continue` (for the default route: any named
   * route took it). An answer without it says `matched: false` and no failed condition instead.
   */
  reached?: boolean;
  failedCondition?: ApiCondition;
  /** Who gets the alert from this route. */
  recipients: string[];
  /** For a route that takes the alert (or would, but is disabled). */
  decision?: Decision;
  silencedBy?: string[];
  mutedBy?: string[];
  nextAt?: string;
}

export interface DryRunAlert {
  fingerprint: string;
  labels: Record<string, string>;
  routes: DryRunRoute[];
}

export interface DryRunAnswer {
  alerts: DryRunAlert[];
}

/** gets: mailed now · held: matched but not mailed now · skipped: did not match · notReached: never offered. */
export type Verdict = 'gets' | 'held' | 'skipped' | 'notReached';

export interface RouteWords {
  readonly route: string;
  readonly verdict: Verdict;
  readonly text: string;
  /** Whom the route would mail (when it matched). */
  readonly recipients: readonly string[];
}

export interface AlertWords {
  readonly fingerprint: string;
  /** Who is mailed now, each once (a recipient gets an alert at most once per request). */
  readonly recipients: readonly string[];
  readonly headline: string;
  readonly routes: readonly RouteWords[];
  /** The routes' texts in one sentence. */
  readonly sentence: string;
}

export interface WordsOptions {
  /** How `nextAt` reads (the browser's locale by default). */
  readonly formatTime?: (iso: string) => string;
  /** Routes the console knows are disabled: their `disabled` means the route, not the whole service. */
  readonly disabledRoutes?: ReadonlySet<string>;
  /** The configuration's `enabled`: off, a `disabled` decision on an enabled route means the whole service. */
  readonly notificationsEnabled?: boolean;
}

const MAX_VALUE_SHOWN = 60;

export function routeTitle(name: string): string {
  return name === DEFAULT_ROUTE_NAME ? 'default route' : name;
}

function orList(values: readonly string[]): string {
  if (values.length <= 1) return values[0] ?? '';
  return `${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;
}

function shown(value: string): string {
  return value.length > MAX_VALUE_SHOWN ? `${value.slice(0, MAX_VALUE_SHOWN)}…` : value;
}

/** Why `condition` fails for `labels`: "severity is not critical (it is warning)", "namespace is missing". */
export function describeFailure(condition: ApiCondition, labels: Readonly<Record<string, string>>): string {
  const { label } = condition;
  const values = condition.values ?? [];
  const value = Object.hasOwn(labels, label) ? labels[label] : undefined;
  const missing = `${label} is missing`;
  const itIs = value === undefined ? '' : ` (it is ${shown(value)})`;
  switch (condition.operator) {
    case 'In':
      return value === undefined ? missing : `${label} is not ${orList(values)}${itIs}`;
    case 'NotIn':
      return `${label} is ${shown(value ?? orList(values))}, which this route leaves out`;
    case 'Exists':
      return missing;
    case 'DoesNotExist':
      return `${label} is present${itIs}`;
    case 'Matches':
      return value === undefined ? missing : `${label} does not match ${values[0] ?? ''}${itIs}`;
    case 'NotMatches':
      return `${label} matches ${values[0] ?? ''}${itIs}, which this route leaves out`;
  }
}

/** A `disabled` decision is the route's own (it takes nothing), or the whole service's (notifications off). */
function routeIsDisabled(r: DryRunRoute, options: WordsOptions): boolean {
  if (r.decision !== 'disabled') return false;
  if (options.disabledRoutes?.has(r.route)) return true;
  return r.route !== DEFAULT_ROUTE_NAME && options.notificationsEnabled !== false;
}

function takenWords(r: DryRunRoute, title: string, options: WordsOptions): { verdict: Verdict; text: string } {
  switch (r.decision) {
    case 'send':
      return {
        verdict: 'gets',
        text: r.recipients.length > 0 ? `${title} gets it` : `${title} takes it; its recipients get it already`,
      };
    case 'repeatInterval': {
      const when = r.nextAt ? ` at ${(options.formatTime ?? defaultTime)(r.nextAt)}` : ' later';
      return {
        verdict: 'held',
        text: `${title} matches but sent it recently: the repeat interval sends it again${when}`,
      };
    }
    case 'silenced': {
      const ids = r.silencedBy ?? [];
      const by = ids.length > 0 ? ` (${ids.length === 1 ? 'silence' : 'silences'} ${ids.join(', ')})` : '';
      return { verdict: 'held', text: `${title} matches but it is silenced${by}` };
    }
    case 'muted': {
      const names = r.mutedBy ?? [];
      const by =
        names.length > 0 ? ` (${names.length === 1 ? 'mute window' : 'mute windows'} ${names.join(', ')})` : '';
      return { verdict: 'held', text: `${title} matches but it is muted now${by}` };
    }
    case 'disabled':
      return { verdict: 'held', text: `${title} matches but notifications are switched off: nothing is sent` };
    case 'notConfigured':
      return {
        verdict: 'held',
        text: `${title} matches but nothing can be sent: ${r.recipients.length === 0 ? 'it has no recipients' : 'no mail server is set up'}`,
      };
    case 'nothingToTell':
      return {
        verdict: 'held',
        text: `${title} matches but has nothing to tell: the alert is resolved and no one was told it fired`,
      };
    case undefined:
      return { verdict: 'held', text: `${title} matches` };
    default:
      return { verdict: 'held', text: `${title} matches: ${String(r.decision)}` };
  }
}

function defaultTime(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

function andList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

/**
 * Was the route offered the alert? The answer says so (`reached`); an older answer only says
 * `matched: false` with no failed condition, after a route that took the alert.
 */
function wasReached(r: DryRunRoute, takers: readonly string[]): boolean {
  if (r.reached !== undefined) return r.reached;
  return r.matched || r.failedCondition !== undefined || r.decision === 'disabled' || takers.length === 0;
}

/** One route's line, given the routes before it that took the alert. */
function routeWords(
  r: DryRunRoute,
  labels: Readonly<Record<string, string>>,
  takers: readonly string[],
  options: WordsOptions,
): RouteWords {
  const title = routeTitle(r.route);
  const line = (verdict: Verdict, text: string, recipients: readonly string[] = []): RouteWords => ({
    route: r.route,
    verdict,
    text,
    recipients,
  });
  if (!wasReached(r, takers)) {
    const last = takers[takers.length - 1];
    if (last === undefined) return line('notReached', `${title} not reached`);
    // the default route takes what no named route took; a named one what the last taker let go on
    return r.route === DEFAULT_ROUTE_NAME
      ? line('notReached', `${title} not reached (${andList(takers.map(routeTitle))} took it)`)
      : line('notReached', `${title} not reached (${routeTitle(last)} did not continue)`);
  }
  if (routeIsDisabled(r, options) || (!r.matched && options.disabledRoutes?.has(r.route)))
    return line('skipped', `${title} skipped: the route is disabled`);
  if (!r.matched)
    return r.failedCondition
      ? line('skipped', `${title} skipped: ${describeFailure(r.failedCondition, labels)}`)
      : line('skipped', `${title} skipped`);
  const { verdict, text } = takenWords(r, title, options);
  return line(verdict, text, r.recipients ?? []);
}

/** Did the route take the alert (so later routes see it only if it continues, the default route not at all)? */
function took(r: DryRunRoute, takers: readonly string[], options: WordsOptions): boolean {
  return r.matched && wasReached(r, takers) && !routeIsDisabled(r, options);
}

export function explainAlert(alert: DryRunAlert, options: WordsOptions = {}): AlertWords {
  const routes: RouteWords[] = [];
  const takers: string[] = [];
  for (const r of alert.routes) {
    routes.push(routeWords(r, alert.labels, takers, options));
    if (took(r, takers, options) && r.route !== DEFAULT_ROUTE_NAME) takers.push(r.route);
  }
  const seen = new Set<string>();
  const recipients: string[] = [];
  for (const w of routes) {
    if (w.verdict !== 'gets') continue;
    for (const address of w.recipients) {
      if (seen.has(address.toLowerCase())) continue;
      seen.add(address.toLowerCase());
      recipients.push(address);
    }
  }
  const headline =
    recipients.length > 0
      ? `${recipients.join(', ')} ${recipients.length === 1 ? 'gets' : 'get'} this alert now.`
      : 'Nobody is emailed about this alert now.';
  return {
    fingerprint: alert.fingerprint,
    recipients,
    headline,
    routes,
    sentence: routes.map((w) => w.text).join('; '),
  };
}
