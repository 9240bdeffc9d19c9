/**
 * Routes: who gets which alert (DESIGN.md "Routes"), with Alertmanager's semantics. Named routes
 * are ordered; an alert goes to the first enabled route whose conditions all hold, and with
 * `continue: true` is offered to the routes after it too. An alert no named route took goes to the
 * default route: the seed page's recipients and conditions (`GET /v1/config`). Pure functions.
 */
import type { Labels } from './alerts/model';
import { evaluateConditions } from './conditions';
import type { Condition, StoredConfig } from './config';
import type { DeliveryPolicy } from './decide';
import { DEFAULT_REPEAT_INTERVAL_MS, parseDuration } from './durations';

export interface Route {
  readonly name: string;
  /** 1..MAX_ROUTE_RECIPIENTS addresses. */
  readonly recipients: readonly string[];
  readonly conditions: readonly Condition[];
  readonly continue: boolean;
  readonly enabled: boolean;
  /** Omitted: the config's. */
  readonly repeatInterval?: string;
  /** Omitted: the config's. */
  readonly sendResolved?: boolean;
  /** The mute windows during which the route is muted, by name. */
  readonly muteWindows?: readonly string[];
  /** The template of its mails, by name; omitted: `default`. */
  readonly template?: string;
}

/** The default route's name in answers (dry run, deliveries); no named route may take it. */
export const DEFAULT_ROUTE_NAME = 'default';
export const MAX_ROUTES = 100;
export const MAX_ROUTE_RECIPIENTS = 100;
/** Names of routes, templates and mute windows: DNS-label-like, so they sit in URLs and keys as they are. */
export const NAME_PATTERN = /^[a-z0-9][a-z0-9-]{0,62}$/;

/** A route as the ingest uses it: the default route included, inherited settings resolved. */
export interface RoutePlan {
  readonly name: string;
  readonly isDefault: boolean;
  readonly recipients: readonly string[];
  readonly conditions: readonly Condition[];
  readonly continue: boolean;
  readonly enabled: boolean;
  readonly policy: DeliveryPolicy;
  readonly muteWindows: readonly string[];
  readonly template: string | undefined;
}

const intervalMs = (text: string | undefined): number | undefined =>
  text === undefined ? undefined : parseDuration(text);

/** The named routes in order, then the default route. */
export function routePlans(config: StoredConfig): RoutePlan[] {
  const configInterval = intervalMs(config.repeatInterval) ?? DEFAULT_REPEAT_INTERVAL_MS;
  const named = (config.routes ?? []).map(
    (route): RoutePlan => ({
      name: route.name,
      isDefault: false,
      recipients: route.recipients,
      conditions: route.conditions,
      continue: route.continue,
      enabled: route.enabled,
      policy: {
        repeatIntervalMs: intervalMs(route.repeatInterval) ?? configInterval,
        sendResolved: route.sendResolved ?? config.sendResolved,
      },
      muteWindows: route.muteWindows ?? [],
      template: route.template,
    }),
  );
  return [
    ...named,
    {
      name: DEFAULT_ROUTE_NAME,
      isDefault: true,
      recipients: config.recipients,
      conditions: config.conditions,
      continue: false,
      enabled: true,
      policy: { repeatIntervalMs: configInterval, sendResolved: config.sendResolved },
      muteWindows: [],
      template: undefined,
    },
  ];
}

/** How one route met one alert. */
export interface RouteEvaluation {
  readonly route: RoutePlan;
  /** False when an earlier route took the alert without `continue` (or, for the default route, any named route took it). */
  readonly reached: boolean;
  /** Its conditions all hold (whether or not it was reached or is enabled). */
  readonly matched: boolean;
  /** The first condition that failed. */
  readonly failedCondition?: Condition;
  /** The alert goes to this route: reached, enabled and matched. */
  readonly takes: boolean;
}

/** Every route's verdict on one label set, in route order (the default route last). */
export function evaluateRoutes(plans: readonly RoutePlan[], labels: Labels): RouteEvaluation[] {
  const evaluations: RouteEvaluation[] = [];
  let open = true;
  let takenByNamed = false;
  for (const route of plans) {
    const verdict = evaluateConditions(route.conditions, labels);
    const reached = route.isDefault ? !takenByNamed : open;
    const takes = reached && route.enabled && verdict.matched;
    evaluations.push({
      route,
      reached,
      matched: verdict.matched,
      ...(verdict.matched ? {} : { failedCondition: verdict.failed }),
      takes,
    });
    if (takes && !route.isDefault) {
      takenByNamed = true;
      if (!route.continue) open = false;
    }
  }
  return evaluations;
}

/** The routes an alert goes to, in order. */
export function routesTaking(plans: readonly RoutePlan[], labels: Labels): RoutePlan[] {
  return evaluateRoutes(plans, labels)
    .filter((evaluation) => evaluation.takes)
    .map((evaluation) => evaluation.route);
}

/**
 * The notification-state key of an alert on a route: the repeat interval is kept per (route,
 * alert). The default route keeps the bare fingerprint, the key states had before routes, so an
 * upgrade re-sends nothing.
 */
export function stateKeyOf(route: Pick<RoutePlan, 'name' | 'isDefault'>, fingerprint: string): string {
  return route.isDefault ? fingerprint : `${route.name}/${fingerprint}`;
}

/** Every condition of the config (named routes and default), e.g. to load the pattern engine once. */
export function allConditions(plans: readonly RoutePlan[]): Condition[] {
  return plans.flatMap((plan) => plan.conditions);
}
