/** Durations as admins write them (`30s`, `30m`, `12h`, `1d`, `1h30m`) and the repeat-interval decision. */

const UNIT_MS: Readonly<Record<string, number>> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };
const DURATION = /^(?:(\d{1,5})w)?(?:(\d{1,5})d)?(?:(\d{1,5})h)?(?:(\d{1,5})m)?(?:(\d{1,5})s)?$/;

/** Milliseconds, or undefined when `text` is not a duration. */
export function parseDuration(text: string): number | undefined {
  const match = DURATION.exec(text);
  if (!match || text === '') return undefined;
  const [, w, d, h, m, s] = match;
  const parts: Array<[string | undefined, string]> = [
    [w, 'w'],
    [d, 'd'],
    [h, 'h'],
    [m, 'm'],
    [s, 's'],
  ];
  let total = 0;
  for (const [amount, unit] of parts) {
    if (amount !== undefined) total += Number(amount) * (UNIT_MS[unit] ?? 0);
  }
  return total;
}

export const MIN_REPEAT_INTERVAL_MS = 60_000;
export const MAX_REPEAT_INTERVAL_MS = 30 * 86_400_000;

/**
 * How long a `sent` state outlives its repeat interval. Alertmanager re-sends a firing group only
 * every `repeat_interval` (4h by default), so the repeat interval can pass without a re-send; the
 * state is kept so that a resolved notice for a mail that went out is still sent then. The repeat
 * decision itself reads `sentAt`, never the TTL, so this retention delays nothing.
 */
export const SENT_STATE_RETENTION_MS = 7 * 86_400_000;

/** A notification state as the decisions below need it (epoch ms for `sentAt`, epoch seconds for the others). */
export interface StateView {
  readonly status: 'pending' | 'sent' | 'partial';
  readonly sentAt?: number;
  readonly expiresAt: number;
  readonly resolvingUntil?: number;
  readonly firingProgressAt?: number;
}

/** The TTL (`expiresAt`, epoch seconds) of the state of an alert emailed at `sentAtMs`. */
export function sentStateExpiresAt(sentAtMs: number, repeatIntervalMs: number): number {
  return Math.ceil((sentAtMs + repeatIntervalMs + SENT_STATE_RETENTION_MS) / 1000);
}

/** An item whose `expiresAt` has passed counts as absent, whether or not TTL has deleted it yet. */
export function isExpired(state: Pick<StateView, 'expiresAt'>, nowMs: number): boolean {
  return state.expiresAt * 1000 <= nowMs;
}

/**
 * Is a firing alert due for an email? Due when never notified, when its state has expired
 * (including an in-flight claim whose invocation crashed), or when the last notice is at least
 * one repeat interval old. Boundaries are inclusive: at exactly `sentAt + interval` the alert is
 * due, matching the claim's `expiresAt <= :now` and `sentAt <= :dueBefore` conditions.
 */
export function isFiringDue(state: StateView | undefined, nowMs: number, repeatIntervalMs: number): boolean {
  if (!state) return true;
  if (isExpired(state, nowMs)) return true;
  // A notice some recipients did not get (a failed chunk) is due at once, for them.
  if (state.status === 'partial') return true;
  if (state.status === 'sent' && state.sentAt !== undefined) return state.sentAt + repeatIntervalMs <= nowMs;
  return false;
}

/**
 * Does a due firing claim resume a partly delivered notice (keep who already has it) rather than
 * start afresh? Only while that notice is younger than one repeat interval: past it, everyone is
 * due a repeat anyway. Matches the claim's `firingProgressAt > :freshAfter` condition.
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
