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
 * Is a firing alert due for an email? Due when never notified, when the last
 * notice is at least one repeat interval old, or when an in-flight claim has
 * expired (its invocation crashed). Boundaries are inclusive: at exactly
 * `sentAt + interval` the alert is due, matching the `expiresAt <= :now` claim condition.
 */
export function isFiringDue(
  state: { status: 'pending' | 'sent'; sentAt?: number; expiresAt: number } | undefined,
  nowMs: number,
  repeatIntervalMs: number,
): boolean {
  if (!state) return true;
  if (state.expiresAt * 1000 <= nowMs) return true;
  if (state.status === 'sent' && state.sentAt !== undefined) return state.sentAt + repeatIntervalMs <= nowMs;
  return false;
}
