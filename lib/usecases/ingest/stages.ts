/**
 * The ingest's stages, each one job: take the alerts still in play, return those that go on and a
 * reason for each one stopped (the counts of the answer come from those reasons). Composed in
 * service.ts, as Alertmanager composes its receiver pipeline (notify/notify.go).
 */

import type { RequestDeadlines } from '../../deadlines';
import type { Alert } from '../../domain/alerts/model';
import { evaluateConditions } from '../../domain/conditions';
import type { StoredConfig } from '../../domain/config';
import { type DeliveryPolicy, decide, isResolvedDue } from '../../domain/decide';
import type { MuteWindow } from '../../domain/mute-windows';
import { heldAlert, isHeld, type MutedRecord, muteVerdict } from '../../domain/muted';
import type { Silence } from '../../domain/silences';
import type { Claim, NotificationState } from '../../ports';
import type { IngestDeps } from './service';

/** Why an alert got no mail from this request, or that it did. Each alert has one: the first. */
export type Reason =
  | 'conditions'
  | 'repeatInterval'
  | 'disabled'
  | 'notConfigured'
  | 'undeliverable'
  | 'notified'
  | 'silenced'
  | 'muted';

export interface Settled {
  readonly reason: Reason;
  /** How many received alerts this stands for. */
  readonly count: number;
}

/** What every stage of one request shares. */
export interface IngestRequest {
  readonly deps: IngestDeps;
  readonly config: StoredConfig;
  readonly policy: DeliveryPolicy;
  readonly deadlines: RequestDeadlines;
  readonly silences: readonly Silence[];
  readonly muteWindows: ReadonlyMap<string, MuteWindow>;
  /** The latest states read: the request's first read, then re-reads while waiting on other invocations. */
  states: ReadonlyMap<string, NotificationState>;
}

export interface StageResult<Next> {
  readonly next: Next;
  readonly settled: readonly Settled[];
}

const settle = (reason: Reason, count = 1): Settled => ({ reason, count });

/** The notification conditions (the default route's, until routes land): all must hold. */
export function matchConditions(request: IngestRequest, alerts: readonly Alert[]): StageResult<Alert[]> {
  const matched = alerts.filter((alert) => evaluateConditions(request.config.conditions, alert.labels).matched);
  return { next: matched, settled: [settle('conditions', alerts.length - matched.length)] };
}

/** The last occurrence of each fingerprint, in the order of those last occurrences: a re-send replaces what it repeats. */
function lastOccurrences(alerts: readonly Alert[]): Alert[] {
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
  return { next: unique, settled: [settle('repeatInterval', alerts.length - unique.length)] };
}

/** The route the pipeline delivers to until named routes land: the seed's page, no mute windows. */
export const DEFAULT_ROUTE = { name: 'default', muteWindows: [] as readonly string[] };

/**
 * Silences (every route) and the route's mute windows hold alerts here, counted as `silenced`
 * (a silence holds it) or `muted` (only windows do). A held firing alert whose notice was due is
 * remembered once per episode (its state becomes `muted`, with what its mail needs), so the
 * sweeper can mail it when the mute ends; a re-send finds it muted already and writes nothing.
 * A held alert that resolves is forgotten: nothing is owed for it.
 */
export async function mute(request: IngestRequest, alerts: readonly Alert[]): Promise<StageResult<Alert[]>> {
  if (request.silences.length === 0 && DEFAULT_ROUTE.muteWindows.length === 0) return { next: [...alerts], settled: [] };
  const now = request.deps.clock();
  const nowMs = now.getTime();
  const next: Alert[] = [];
  const record: MutedRecord[] = [];
  const forget: Array<Pick<MutedRecord, 'key' | 'mutedAt'>> = [];
  let silenced = 0;
  let muted = 0;
  for (const alert of alerts) {
    const verdict = muteVerdict(alert.labels, DEFAULT_ROUTE.muteWindows, request.silences, request.muteWindows, now);
    if (!isHeld(verdict)) {
      next.push(alert);
      continue;
    }
    if (verdict.silencedBy.length > 0) silenced++;
    else muted++;
    const key = alert.fingerprint;
    const state = request.states.get(key);
    if (alert.status === 'resolved') {
      if (state?.status === 'muted') forget.push({ key, mutedAt: state.muted?.mutedAt ?? 0 });
    } else if (state?.status !== 'muted' && decide('firing', state, nowMs, request.policy).kind === 'sendFiring') {
      record.push({
        key,
        route: DEFAULT_ROUTE.name,
        alert: heldAlert(alert),
        mutedAt: nowMs,
        silencedBy: verdict.silencedBy,
        mutedBy: verdict.mutedBy,
      });
    }
  }
  await Promise.all([
    record.length > 0 ? request.deps.state.recordMuted(record, now, request.policy.repeatIntervalMs) : undefined,
    forget.length > 0 ? request.deps.state.forgetMuted(forget) : undefined,
  ]);
  return { next, settled: [settle('silenced', silenced), settle('muted', muted)] };
}

/**
 * Nothing can be mailed while delivery is off or unconfigured: the alerts are counted, and one that
 * resolved still ends its episode (its state is cleared), or once delivery is back a new firing would
 * wait out the old repeat interval.
 */
export async function deliveryGate(request: IngestRequest, alerts: readonly Alert[]): Promise<StageResult<Alert[]>> {
  const { config } = request;
  if (config.enabled && config.server && config.recipients.length > 0) return { next: [...alerts], settled: [] };
  const nowMs = request.deps.clock().getTime();
  const ended = lastOccurrences(alerts)
    .filter((alert) => alert.status === 'resolved' && isResolvedDue(request.states.get(alert.fingerprint), nowMs))
    .map((alert) => alert.fingerprint);
  if (ended.length > 0) await request.deps.state.clear(ended);
  return { next: [], settled: [settle(config.enabled ? 'notConfigured' : 'disabled', alerts.length)] };
}

export interface Decided {
  /** Claims to write: their notice is due. */
  readonly due: Claim[];
  /** Another invocation is sending their notice: look again shortly. */
  readonly waiting: Alert[];
}

/** The repeat decision for each alert (lib/domain/decide.ts); clears the states whose episode ended without a notice. */
export async function decideEach(request: IngestRequest, alerts: readonly Alert[]): Promise<StageResult<Decided>> {
  const nowMs = request.deps.clock().getTime();
  const due: Claim[] = [];
  const waiting: Alert[] = [];
  const toClear: string[] = [];
  let suppressed = 0;
  for (const alert of alerts) {
    const decision = decide(alert.status, request.states.get(alert.fingerprint), nowMs, request.policy);
    switch (decision.kind) {
      case 'sendFiring':
        due.push({ fingerprint: alert.fingerprint, kind: 'firing', ...(decision.resume ? { resume: true } : {}) });
        break;
      case 'sendResolved':
        due.push({ fingerprint: alert.fingerprint, kind: 'resolved' });
        break;
      case 'inFlight':
        waiting.push(alert);
        break;
      case 'clear':
        toClear.push(alert.fingerprint);
        suppressed++;
        break;
      case 'repeatInterval':
      case 'nothingToTell':
        suppressed++;
        break;
    }
  }
  if (toClear.length > 0) await request.deps.state.clear(toClear);
  return { next: { due, waiting }, settled: [settle('repeatInterval', suppressed)] };
}

export interface Claimed {
  readonly won: Claim[];
  readonly claimId: string;
  /** Lost to another invocation between our read and our write: look again. */
  readonly lost: Set<string>;
}

/** Claims the due notices with conditional writes; a lost claim is another invocation's to send. */
export async function claim(request: IngestRequest, due: readonly Claim[], claimId: string): Promise<Claimed> {
  if (due.length === 0) return { won: [], claimId, lost: new Set() };
  const won = await request.deps.state.claim(due, claimId, request.deps.clock(), request.policy.repeatIntervalMs);
  const wonKeys = new Set(won.map((c) => c.fingerprint));
  return { won, claimId, lost: new Set(due.filter((c) => !wonKeys.has(c.fingerprint)).map((c) => c.fingerprint)) };
}
