/**
 * The repeat decision, in one place: what to do with an alert given its notification state, the
 * time and the policy (Alertmanager's dedup stage `needsUpdate`, returning a reason). The state's
 * rules (expiry, due, in flight, resumable) belong to NotificationRecord, and the DynamoDB claim
 * conditions are written beside them (`claimConditions`), so the store and the decision cannot
 * drift: test/integration/decide-vs-store.test.ts drives random states and times through both.
 */
import type { NotificationState } from '../ports';

/**
 * How long a `sent` state outlives its repeat interval. Alertmanager re-sends a firing group only
 * every `repeat_interval` (4h by default), so the repeat interval can pass without a re-send; the
 * state is kept so that a resolved notice for a mail that went out is still sent then. The repeat
 * decision itself reads `sentAt`, never the TTL, so this retention delays nothing.
 */
export const SENT_STATE_RETENTION_MS = 7 * 86_400_000;

/** The TTL (`expiresAt`, epoch seconds) of the state of an alert emailed at `sentAtMs`. */
export function sentStateExpiresAt(sentAtMs: number, repeatIntervalMs: number): number {
  return Math.ceil((sentAtMs + repeatIntervalMs + SENT_STATE_RETENTION_MS) / 1000);
}

/** A notification state as the rules need it (epoch ms for `sentAt` and `firingProgressAt`, epoch seconds for the others). */
export type StateView = Pick<
  NotificationState,
  'status' | 'sentAt' | 'expiresAt' | 'resolvingUntil' | 'firingProgressAt'
>;

/** An item whose `expiresAt` has passed counts as absent, whether or not TTL has deleted it yet. */
export function isExpired(state: Pick<StateView, 'expiresAt'>, nowMs: number): boolean {
  return state.expiresAt * 1000 <= nowMs;
}

/**
 * Is a firing alert due for an email? Due when never notified, when its state has expired
 * (including an in-flight claim whose invocation crashed), when the last notice is at least one
 * repeat interval old, or when a notice reached only some recipients (`partial`: due at once, for
 * the others). Boundaries are inclusive: at exactly `sentAt + interval` the alert is due, matching
 * the claim's `expiresAt <= :now` and `sentAt <= :dueBefore` conditions.
 */
export function isFiringDue(state: StateView | undefined, nowMs: number, repeatIntervalMs: number): boolean {
  if (!state) return true;
  if (isExpired(state, nowMs)) return true;
  // Held while its notice was due: due as soon as nothing holds it (the sweeper or the next post sends).
  if (state.status === 'partial' || state.status === 'muted') return true;
  if (state.status === 'sent' && state.sentAt !== undefined) return state.sentAt + repeatIntervalMs <= nowMs;
  return false;
}

/**
 * Does a due firing claim resume a partly delivered notice (keep who already has it) rather than
 * start afresh? Only while that notice is younger than one repeat interval: past it, everyone is
 * due a repeat anyway.
 */
export function resumesFiringNotice(state: StateView | undefined, nowMs: number, repeatIntervalMs: number): boolean {
  return (
    state?.status === 'partial' &&
    !isExpired(state, nowMs) &&
    state.firingProgressAt !== undefined &&
    state.firingProgressAt > nowMs - repeatIntervalMs
  );
}

/**
 * Is a resolved notice due? Only for an alert whose firing notice went out (`sent`, not expired)
 * and whose resolved notice is not in flight in another invocation (`resolvingUntil` in the future).
 * Never notified, cleared after an earlier resolved notice, still pending or expired: nothing to tell.
 */
export function isResolvedDue(state: StateView | undefined, nowMs: number): boolean {
  if (state?.status !== 'sent' || isExpired(state, nowMs)) return false;
  return state.resolvingUntil === undefined || state.resolvingUntil * 1000 <= nowMs;
}

/**
 * Is another invocation sending a notice for this alert right now? A firing notice is in flight
 * while its `pending` claim is inside its window; a resolved notice while its resolving claim is
 * (or while the firing notice it must follow is). A crashed invocation's claim stops counting when
 * its window passes.
 */
export function isInFlight(state: StateView | undefined, kind: 'firing' | 'resolved', nowMs: number): boolean {
  if (!state || isExpired(state, nowMs)) return false;
  if (state.status === 'pending') return true;
  return kind === 'resolved' && state.resolvingUntil !== undefined && state.resolvingUntil * 1000 > nowMs;
}

export interface DeliveryPolicy {
  readonly repeatIntervalMs: number;
  readonly sendResolved: boolean;
}

/** What to do with one alert now, and why. */
export type Decision =
  /** Claim and send the firing notice; `resume`: to the recipients an earlier, partial try missed. */
  | { readonly kind: 'sendFiring'; readonly resume: boolean }
  /** Claim and send the resolved notice. */
  | { readonly kind: 'sendResolved' }
  /** Resolved with no notice wanted (sendResolved off): clear the state, so a new firing is emailed at once. */
  | { readonly kind: 'clear' }
  /** Firing and notified less than a repeat interval ago: nothing before `nextAt` (epoch ms). */
  | { readonly kind: 'repeatInterval'; readonly nextAt: number }
  /** Another invocation is sending this notice: wait for it, then look again. */
  | { readonly kind: 'inFlight' }
  /** Resolved and nothing to tell: never notified, already cleared, or expired. */
  | { readonly kind: 'nothingToTell' };

/** The decision: pure, from the alert's status, its state, the time and the policy. */
export function decide(
  status: 'firing' | 'resolved',
  state: StateView | undefined,
  nowMs: number,
  policy: DeliveryPolicy,
): Decision {
  if (status === 'firing') {
    if (isFiringDue(state, nowMs, policy.repeatIntervalMs)) {
      return { kind: 'sendFiring', resume: resumesFiringNotice(state, nowMs, policy.repeatIntervalMs) };
    }
    if (isInFlight(state, 'firing', nowMs)) return { kind: 'inFlight' };
    return { kind: 'repeatInterval', nextAt: nextFiringAt(state, policy.repeatIntervalMs) };
  }
  if (isResolvedDue(state, nowMs)) return policy.sendResolved ? { kind: 'sendResolved' } : { kind: 'clear' };
  // Resolved while held: nothing was sent, nothing is owed; forget it so the sweeper sends nothing.
  if (state?.status === 'muted' && !isExpired(state, nowMs)) return { kind: 'clear' };
  if (isInFlight(state, 'resolved', nowMs)) return { kind: 'inFlight' };
  return { kind: 'nothingToTell' };
}

/** When a firing alert that is not due becomes due (epoch ms): one interval after its notice, or when its state expires. */
function nextFiringAt(state: StateView | undefined, repeatIntervalMs: number): number {
  const expiry = (state?.expiresAt ?? 0) * 1000;
  return state?.status === 'sent' && state.sentAt !== undefined
    ? Math.min(state.sentAt + repeatIntervalMs, expiry)
    : expiry;
}

/** A DynamoDB condition with its placeholders' values. */
export interface ClaimCondition {
  readonly expression: string;
  readonly names: Readonly<Record<string, string>>;
  readonly values: Readonly<Record<string, { S: string } | { N: string }>>;
}

/**
 * The claim conditions DynamoDB checks, written from the rules above: a claim written with them
 * succeeds exactly when `decide` says send (and, for a firing claim, resume or not) at `nowMs`, as
 * long as nobody changed the state since it was read.
 */
export function claimConditions(nowMs: number, repeatIntervalMs: number) {
  const nowSeconds = Math.floor(nowMs / 1000);
  const names = { '#status': 'status' };
  const now = { N: String(nowSeconds) };
  const dueBefore = { N: String(nowMs - repeatIntervalMs) };
  return {
    /** isFiringDue and not resumesFiringNotice: absent, expired, a sent notice an interval old, or a partial one as old. */
    freshFiring: {
      expression:
        'attribute_not_exists(pk) OR expiresAt <= :now OR #status = :muted OR (#status = :sent AND sentAt <= :dueBefore) OR (#status = :partial AND (attribute_not_exists(firingProgressAt) OR firingProgressAt <= :dueBefore))',
      names,
      values: {
        ':now': now,
        ':sent': { S: 'sent' },
        ':partial': { S: 'partial' },
        ':muted': { S: 'muted' },
        ':dueBefore': dueBefore,
      },
    },
    /** A held alert is remembered once per episode: when a fresh firing notice is due and it is not muted already. */
    recordMuted: {
      expression:
        'attribute_not_exists(pk) OR expiresAt <= :now OR (#status = :sent AND sentAt <= :dueBefore) OR (#status = :partial AND (attribute_not_exists(firingProgressAt) OR firingProgressAt <= :dueBefore))',
      names,
      values: { ':now': now, ':sent': { S: 'sent' }, ':partial': { S: 'partial' }, ':dueBefore': dueBefore },
    },
    /** resumesFiringNotice: a live partial notice younger than an interval. */
    resumeFiring: {
      expression: '#status = :partial AND expiresAt > :now AND firingProgressAt > :dueBefore',
      names,
      values: { ':now': now, ':partial': { S: 'partial' }, ':dueBefore': dueBefore },
    },
    /** isResolvedDue: a live `sent` state with no resolved notice in flight. */
    resolved: {
      expression:
        '#status = :sent AND expiresAt > :now AND (attribute_not_exists(resolvingUntil) OR resolvingUntil <= :now)',
      names,
      values: { ':now': now, ':sent': { S: 'sent' } },
    },
  } satisfies Record<string, ClaimCondition>;
}

/** The sweeper's claim of a held alert: still the muted episode it read (no one sent or forgot it since). */
export function unmuteCondition(mutedAt: number): ClaimCondition {
  return {
    expression: '#status = :muted AND mutedAt = :mutedAt',
    names: { '#status': 'status' },
    values: { ':muted': { S: 'muted' }, ':mutedAt': { N: String(mutedAt) } },
  };
}
