/** Durations as admins write them (`30s`, `30m`, `12h`, `1d`, `1h30m`), and the repeat interval's bounds. */

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

/** The repeat interval until an admin sets one (and the deployment's default unless it names another). */
export const DEFAULT_REPEAT_INTERVAL = '12h';
/** DEFAULT_REPEAT_INTERVAL in milliseconds (it is a duration: test/unit/env.test.ts). */
export const DEFAULT_REPEAT_INTERVAL_MS = parseDuration(DEFAULT_REPEAT_INTERVAL) as number;
