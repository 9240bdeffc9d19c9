/**
 * The ingest's stages, each one job: take what is still in play, return what goes on and a reason
 * for each one stopped (the counts of the answer come from those reasons). Composed in
 * service.ts, as Alertmanager composes its receiver pipeline (notify/notify.go). After routing,
 * what is in play are targets: an alert on one route it goes to.
 */

import type { RequestDeadlines } from '../../deadlines';
import type { Alert } from '../../domain/alerts/model';
import type { StoredConfig } from '../../domain/config';
import { decide, isResolvedDue } from '../../domain/decide';
import type { MailTemplate } from '../../domain/mail/templates/model';
import type { MuteWindow } from '../../domain/mute-windows';
import {
  heldAlert,
  isHeld,
  type MutedRecord,
  type MuteNow,
  type MuteVerdict,
  muteNow,
  muteVerdict,
} from '../../domain/muted';
import { type RoutePlan, routesTaking, stateKeyOf } from '../../domain/routes';
import type { Silence } from '../../domain/silences';
import type { Claim, MutedWrite, NotificationState } from '../../ports';
import type { IngestDeps } from './service';

/** Why an alert got no mail from this request, or that it did. */
export type Reason =
  | 'conditions'
  | 'disabled'
  | 'notConfigured'
  | 'silenced'
  | 'muted'
  | 'repeatInterval'
  | 'undeliverable'
  | 'notified';

/**
 * How far each reason got through the pipeline. An alert on several routes is counted once, under
 * the furthest reason any of its routes reached (`notified` if any route mailed it), so `received`
 * still adds up.
 */
export const REASON_RANK: Readonly<Record<Reason, number>> = {
  conditions: 0,
  disabled: 1,
  notConfigured: 2,
  silenced: 3,
  muted: 4,
  repeatInterval: 5,
  undeliverable: 6,
  notified: 7,
};

/** Stopped alerts: `count` of them (before routing), or the one alert `fingerprint` on one of its routes. */
export type Settled =
  | { readonly reason: Reason; readonly count: number }
  | { readonly reason: Reason; readonly fingerprint: string };

/** An alert on one route it goes to; `key` is the pair's notification-state key. */
export interface Target {
  readonly route: RoutePlan;
  readonly alert: Alert;
  readonly key: string;
}

/** What every stage of one request shares. */
export interface IngestRequest {
  readonly deps: IngestDeps;
  readonly config: StoredConfig;
  /** The named routes in order, then the default route. */
  readonly plans: readonly RoutePlan[];
  readonly deadlines: RequestDeadlines;
  /** Every silence (read with the config); the active ones hold alerts on every route. */
  readonly silences: readonly Silence[];
  /** The mute windows by name; a route's `muteWindows` names those that hold its alerts. */
  readonly muteWindows: ReadonlyMap<string, MuteWindow>;
  /**
   * The templates this process read at the templates' current generation, by name (null: none
   * stored). A mail whose template is not here reads it and adds it (lib/usecases/mail-delivery.ts).
   */
  readonly templates: Map<string, MailTemplate | null>;
  /** The latest states read, by state key: the request's first read, then re-reads while waiting on other invocations. */
  states: ReadonlyMap<string, NotificationState>;
  /** The keys read so far (a key read and absent has no state). */
  readonly read: Set<string>;
}

export interface StageResult<Next> {
  readonly next: Next;
  readonly settled: readonly Settled[];
}

const counted = (reason: Reason, count: number): Settled => ({ reason, count });
const stopped = (reason: Reason, target: Target): Settled => ({ reason, fingerprint: target.alert.fingerprint });

/** The targets of a batch of alerts: each alert on every route that takes it, in route order. */
export function targetsOf(plans: readonly RoutePlan[], alerts: readonly Alert[]): Target[] {
  return alerts.flatMap((alert) =>
    routesTaking(plans, alert.labels).map((route) => ({ route, alert, key: stateKeyOf(route, alert.fingerprint) })),
  );
}

/** Routing: alerts no route takes (the default route's conditions included) stop here. */
export function matchRoutes(request: IngestRequest, alerts: readonly Alert[]): StageResult<Alert[]> {
  const matched = alerts.filter((alert) => routesTaking(request.plans, alert.labels).length > 0);
  return { next: matched, settled: [counted('conditions', alerts.length - matched.length)] };
}

/** The last occurrence of each fingerprint, in the order of those last occurrences: a re-send replaces what it repeats. */
export function lastOccurrences(alerts: readonly Alert[]): Alert[] {
  const byFingerprint = new Map<string, Alert>();
  for (const alert of alerts) {
    byFingerprint.delete(alert.fingerprint);
    byFingerprint.set(alert.fingerprint, alert);
  }
  return [...byFingerprint.values()];
}

/** One alert per fingerprint: the last occurrence in the request wins, as in a re-send; the repeats count as such. */
export function onePerFingerprint(_request: IngestRequest, alerts: readonly Alert[]): StageResult<Alert[]> {
  const unique = lastOccurrences(alerts);
  return { next: unique, settled: [counted('repeatInterval', alerts.length - unique.length)] };
}

/** Why nothing can be mailed on this route now, if so: delivery off, no mail server, or (the default route) no recipient. */
export function gateOf(config: StoredConfig, route: RoutePlan): 'disabled' | 'notConfigured' | undefined {
  if (!config.enabled) return 'disabled';
  if (!config.server || route.recipients.length === 0) return 'notConfigured';
  return undefined;
}

/**
 * Nothing can be mailed while delivery is off or unconfigured: the alerts are counted, and one that
 * resolved still ends its episode (its state is cleared), or once delivery is back a new firing would
 * wait out the old repeat interval.
 */
export async function deliveryGate(request: IngestRequest, targets: readonly Target[]): Promise<StageResult<Target[]>> {
  const nowMs = request.deps.clock().getTime();
  const next: Target[] = [];
  const settled: Settled[] = [];
  const ended: string[] = [];
  for (const target of targets) {
    const gate = gateOf(request.config, target.route);
    if (!gate) {
      next.push(target);
      continue;
    }
    settled.push(stopped(gate, target));
    if (target.alert.status === 'resolved' && isResolvedDue(request.states.get(target.key), nowMs)) {
      ended.push(target.key);
    }
  }
  if (ended.length > 0) await request.deps.state.clear(ended);
  return { next, settled };
}

/** One instant per request (or sweeper run): its first mute decision's; every alert of it is judged at that instant. */
const muteInstants = new WeakMap<object, MuteNow>();
function muteNowOf(request: Pick<IngestRequest, 'silences' | 'muteWindows' | 'deps'>): MuteNow {
  let now = muteInstants.get(request);
  if (!now) {
    now = muteNow(request.silences, request.muteWindows, request.deps.clock());
    muteInstants.set(request, now);
  }
  return now;
}

/**
 * What holds a target back, if anything: an active silence (every route; `silenced`, its ids) or
 * one of its route's mute windows in force (`muted`, their names). Shared with the dry run.
 */
export function muteOf(
  request: Pick<IngestRequest, 'silences' | 'muteWindows' | 'deps'>,
  target: Pick<Target, 'route' | 'alert'>,
): ({ readonly reason: 'silenced' | 'muted'; readonly by: readonly string[] } & MuteVerdict) | undefined {
  if (request.silences.length === 0 && target.route.muteWindows.length === 0) return undefined;
  const verdict = muteVerdict(target.alert.labels, target.route.muteWindows, muteNowOf(request));
  if (!isHeld(verdict)) return undefined;
  return verdict.silencedBy.length > 0
    ? { reason: 'silenced', by: verdict.silencedBy, ...verdict }
    : { reason: 'muted', by: verdict.mutedBy, ...verdict };
}

/**
 * Silences and mute windows hold targets here. A held firing alert whose notice was due is
 * remembered once per episode (its state becomes `muted`, with what its mail needs), so the
 * sweeper can mail it when the mute ends; a re-send finds it muted already and writes nothing.
 * A held alert that resolves is forgotten: nothing is owed for it.
 */
export async function mute(request: IngestRequest, targets: readonly Target[]): Promise<StageResult<Target[]>> {
  const next: Target[] = [];
  const settled: Settled[] = [];
  const record: MutedWrite[] = [];
  const forget: Array<Pick<MutedRecord, 'key' | 'mutedAt'>> = [];
  const now = request.deps.clock();
  for (const target of targets) {
    const held = muteOf(request, target);
    if (!held) {
      next.push(target);
      continue;
    }
    settled.push(stopped(held.reason, target));
    const { alert, key, route } = target;
    const state = request.states.get(key);
    if (alert.status === 'resolved') {
      if (state?.status === 'muted') forget.push({ key, mutedAt: state.muted?.mutedAt ?? 0 });
    } else if (
      state?.status !== 'muted' &&
      decide('firing', state, now.getTime(), route.policy).kind === 'sendFiring'
    ) {
      record.push({
        record: {
          key,
          route: route.name,
          alert: heldAlert(alert),
          mutedAt: now.getTime(),
          silencedBy: held.silencedBy,
          mutedBy: held.mutedBy,
        },
        repeatIntervalMs: route.policy.repeatIntervalMs,
      });
    }
  }
  await Promise.all([
    record.length > 0 ? request.deps.state.recordMuted(record, now) : undefined,
    forget.length > 0 ? request.deps.state.forgetMuted(forget) : undefined,
  ]);
  return { next, settled };
}

export interface Decided {
  /** Claims to write: their notice is due. */
  readonly due: Claim[];
  /** Another invocation is sending their notice: look again shortly. */
  readonly waiting: Target[];
}

/** The repeat decision for each target (lib/domain/decide.ts, with its route's policy); clears the states whose episode ended without a notice. */
export async function decideEach(request: IngestRequest, targets: readonly Target[]): Promise<StageResult<Decided>> {
  const nowMs = request.deps.clock().getTime();
  const due: Claim[] = [];
  const waiting: Target[] = [];
  const toClear: string[] = [];
  const settled: Settled[] = [];
  for (const target of targets) {
    const { alert, key, route } = target;
    const decision = decide(alert.status, request.states.get(key), nowMs, route.policy);
    const claim = { key, fingerprint: alert.fingerprint, repeatIntervalMs: route.policy.repeatIntervalMs };
    switch (decision.kind) {
      case 'sendFiring':
        due.push({ ...claim, kind: 'firing', ...(decision.resume ? { resume: true } : {}) });
        break;
      case 'sendResolved':
        due.push({ ...claim, kind: 'resolved' });
        break;
      case 'inFlight':
        waiting.push(target);
        break;
      case 'clear':
        toClear.push(key);
        settled.push(stopped('repeatInterval', target));
        break;
      case 'repeatInterval':
      case 'nothingToTell':
        settled.push(stopped('repeatInterval', target));
        break;
    }
  }
  if (toClear.length > 0) await request.deps.state.clear(toClear);
  return { next: { due, waiting }, settled };
}

export interface Claimed {
  readonly won: Claim[];
  readonly claimId: string;
  /** Lost to another invocation between our read and our write (by state key): look again. */
  readonly lost: Set<string>;
}

/** Claims the due notices with conditional writes; a lost claim is another invocation's to send. */
export async function claim(request: IngestRequest, due: readonly Claim[], claimId: string): Promise<Claimed> {
  if (due.length === 0) return { won: [], claimId, lost: new Set() };
  const won = await request.deps.state.claim(due, claimId, request.deps.clock());
  const wonKeys = new Set(won.map((c) => c.key));
  return { won, claimId, lost: new Set(due.filter((c) => !wonKeys.has(c.key)).map((c) => c.key)) };
}
