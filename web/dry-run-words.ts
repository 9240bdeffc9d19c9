/**
 * "Who gets this?" in words: the answer of `POST /v1/alerts/dry-run` (DESIGN.md "Routes") read
 * route by route, e.g. "payments-oncall gets it; database skipped: severity is not critical;
 * default route not reached (payments-oncall did not continue)". Pure, so each decision's
 * wording is unit-tested in node.
 */
import type { ApiCondition } from './model';
import { DEFAULT_ROUTE_NAME } from './routes-model';

export type Decision = 'send' | 'repeatInterval' | 'silenced' | 'muted' | 'disabled' | 'notConfigured';

export interface DryRunRoute {
  route: string;
  matched: boolean;
  /** false: an earlier route matched without `continue` (older answers say only `matched: false`). */
  reached?: boolean;
  failedCondition?: ApiCondition;
  recipients: string[];
  decision: Decision;
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

function matchedWords(r: DryRunRoute, title: string, options: WordsOptions): { verdict: Verdict; text: string } {
  switch (r.decision) {
    case 'send':
      return { verdict: 'gets', text: `${title} gets it` };
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
      return options.disabledRoutes?.has(r.route)
        ? { verdict: 'skipped', text: `${title} skipped: the route is disabled` }
        : { verdict: 'held', text: `${title} matches but notifications are switched off: nothing is sent` };
    case 'notConfigured':
      return {
        verdict: 'held',
        text: `${title} matches but nothing can be sent: ${r.recipients.length === 0 ? 'it has no recipients' : 'no mail server is set up'}`,
      };
    default:
      return { verdict: 'held', text: `${title} matches: ${String(r.decision)}` };
  }
}

function defaultTime(iso: string): string {
  const t = new Date(iso);
  return Number.isNaN(t.getTime()) ? iso : t.toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/** One route's line, given the route before it that matched (the one that may not have continued). */
function routeWords(
  r: DryRunRoute,
  labels: Readonly<Record<string, string>>,
  stoppedBy: string | null,
  options: WordsOptions,
): RouteWords {
  const title = routeTitle(r.route);
  const recipients = r.recipients ?? [];
  if (r.matched) return { route: r.route, recipients, ...matchedWords(r, title, options) };
  const notReached = (text: string): RouteWords => ({ route: r.route, verdict: 'notReached', text, recipients: [] });
  if (r.reached === false || (r.failedCondition === undefined && stoppedBy !== null && r.decision !== 'disabled'))
    return notReached(
      stoppedBy === null ? `${title} not reached` : `${title} not reached (${routeTitle(stoppedBy)} did not continue)`,
    );
  if (r.failedCondition)
    return {
      route: r.route,
      verdict: 'skipped',
      text: `${title} skipped: ${describeFailure(r.failedCondition, labels)}`,
      recipients: [],
    };
  if (r.decision === 'disabled' || options.disabledRoutes?.has(r.route))
    return { route: r.route, verdict: 'skipped', text: `${title} skipped: the route is disabled`, recipients: [] };
  return notReached(`${title} not reached`);
}

export function explainAlert(alert: DryRunAlert, options: WordsOptions = {}): AlertWords {
  const routes: RouteWords[] = [];
  let lastMatched: string | null = null;
  for (const r of alert.routes) {
    routes.push(routeWords(r, alert.labels, lastMatched, options));
    if (r.matched) lastMatched = r.route;
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
