/**
 * Mute windows: named recurring time windows with Alertmanager's `time_intervals` semantics
 * (weekdays, times, days of month, months; ranges `a:b`, inclusive; negative days count from the
 * month's end), read in the window's IANA timezone, so DST changes move the instant, not the wall
 * time. Pure: `isInWindow(window, instant)` and `nextChange(window, instant)`.
 */
import type { DateTime } from 'luxon';

type Engine = typeof import('./luxon-engine');
let engine: Engine | undefined;

/** Loads luxon when there is a window to read; after it, isInWindow and nextChange are synchronous. */
export async function loadWindowEngine(windows: readonly unknown[]): Promise<void> {
  if (!engine && windows.length > 0) engine = await import('./luxon-engine');
}

function luxon(): Engine['DateTime'] {
  if (!engine) throw new Error('the window engine is not loaded: call loadWindowEngine first');
  return engine.DateTime;
}

/** An IANA timezone name this runtime knows (Intl's own database, as luxon uses it). */
export function isTimezone(name: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return name.length > 0;
  } catch {
    return false;
  }
}

export interface TimeRange {
  /** `HH:MM`, inclusive. */
  readonly start: string;
  /** `HH:MM` up to `24:00`, exclusive. */
  readonly end: string;
}

export interface WindowInterval {
  /** `monday`, `monday:friday`. Omitted: every day. */
  readonly weekdays?: readonly string[];
  /** Omitted: all day. */
  readonly times?: readonly TimeRange[];
  /** `1`, `1:5`, `-1` (the last day), `-3:-1`. Omitted: every day of the month. */
  readonly daysOfMonth?: readonly string[];
  /** `january`, `1`, `january:march`, `1:3`. Omitted: every month. */
  readonly months?: readonly string[];
}

export interface MuteWindow {
  readonly name: string;
  /** IANA timezone (`Europe/Berlin`, `UTC`). */
  readonly timezone: string;
  /** The window is in force while any interval holds. */
  readonly intervals: readonly WindowInterval[];
}

/** Mute windows kept at most (one document item in the config table). */
export const MAX_MUTE_WINDOWS = 100;
export const MAX_INTERVALS_PER_WINDOW = 20;

const WEEKDAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'] as const;
const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
] as const;

interface CompiledInterval {
  /** Minutes of the local day, [start, end). */
  readonly times?: ReadonlyArray<readonly [number, number]>;
  /** Sunday 0 … Saturday 6. */
  readonly weekdays?: ReadonlyArray<readonly [number, number]>;
  readonly daysOfMonth?: ReadonlyArray<readonly [number, number]>;
  readonly months?: ReadonlyArray<readonly [number, number]>;
}

/** A field's problem, as `field` (relative to the window) and message. */
export interface WindowProblem {
  readonly field: string;
  readonly message: string;
}

function parseRange(
  text: string,
  parseOne: (part: string) => number | undefined,
): readonly [number, number] | undefined {
  const parts = text.trim().toLowerCase().split(':');
  if (parts.length > 2) return undefined;
  const start = parseOne(parts[0] ?? '');
  const end = parts.length === 2 ? parseOne(parts[1] ?? '') : start;
  if (start === undefined || end === undefined) return undefined;
  return [start, end];
}

const weekday = (part: string) => {
  const index = WEEKDAYS.indexOf(part as (typeof WEEKDAYS)[number]);
  return index < 0 ? undefined : index;
};
const month = (part: string) => {
  const byName = MONTHS.indexOf(part as (typeof MONTHS)[number]);
  if (byName >= 0) return byName + 1;
  const n = /^\d{1,2}$/.test(part) ? Number(part) : Number.NaN;
  return n >= 1 && n <= 12 ? n : undefined;
};
const dayOfMonth = (part: string) => {
  const n = /^-?\d{1,2}$/.test(part) ? Number(part) : Number.NaN;
  return n !== 0 && n >= -31 && n <= 31 ? n : undefined;
};
function minuteOfDay(text: string, allow24: boolean): number | undefined {
  const match = /^(\d{2}):(\d{2})$/.exec(text);
  if (!match) return undefined;
  const minutes = Number(match[1]) * 60 + Number(match[2]);
  if (Number(match[2]) > 59) return undefined;
  return minutes < 24 * 60 || (allow24 && minutes === 24 * 60) ? minutes : undefined;
}

/** Every problem of a window (empty: valid). The edge's schema reports these with their fields. */
export function windowProblems(window: Pick<MuteWindow, 'timezone' | 'intervals'>): WindowProblem[] {
  const problems: WindowProblem[] = [];
  if (!isTimezone(window.timezone)) {
    problems.push({ field: 'timezone', message: 'must be an IANA timezone such as Europe/Berlin or UTC' });
  }
  window.intervals.forEach((interval, i) => {
    const at = `intervals[${i}]`;
    interval.weekdays?.forEach((text, j) => {
      const range = parseRange(text, weekday);
      if (!range)
        problems.push({ field: `${at}.weekdays[${j}]`, message: 'must be a weekday or a range like monday:friday' });
      else if (range[0] > range[1])
        problems.push({ field: `${at}.weekdays[${j}]`, message: 'the range must run from sunday towards saturday' });
    });
    interval.months?.forEach((text, j) => {
      const range = parseRange(text, month);
      if (!range)
        problems.push({
          field: `${at}.months[${j}]`,
          message: 'must be a month (name or 1-12) or a range like january:march',
        });
      else if (range[0] > range[1])
        problems.push({ field: `${at}.months[${j}]`, message: 'the range must start before it ends' });
    });
    interval.daysOfMonth?.forEach((text, j) => {
      const range = parseRange(text, dayOfMonth);
      if (!range)
        problems.push({
          field: `${at}.daysOfMonth[${j}]`,
          message: 'must be a day 1..31 or -31..-1, or a range like 1:5',
        });
      else if (Math.sign(range[0]) === Math.sign(range[1]) && range[0] > range[1])
        problems.push({ field: `${at}.daysOfMonth[${j}]`, message: 'the range must start before it ends' });
    });
    interval.times?.forEach((range, j) => {
      const start = minuteOfDay(range.start, false);
      const end = minuteOfDay(range.end, true);
      if (start === undefined)
        problems.push({ field: `${at}.times[${j}].start`, message: 'must be HH:MM, 00:00 to 23:59' });
      if (end === undefined)
        problems.push({ field: `${at}.times[${j}].end`, message: 'must be HH:MM, 00:01 to 24:00' });
      if (start !== undefined && end !== undefined && start >= end)
        problems.push({ field: `${at}.times[${j}].end`, message: 'must be after start' });
    });
  });
  return problems;
}

const compiled = new WeakMap<MuteWindow, readonly CompiledInterval[]>();

function compile(window: MuteWindow): readonly CompiledInterval[] {
  const cached = compiled.get(window);
  if (cached) return cached;
  const ranges = (texts: readonly string[] | undefined, parse: (part: string) => number | undefined) =>
    texts?.map((t) => parseRange(t, parse)).filter((r): r is readonly [number, number] => r !== undefined);
  const out = window.intervals.map(
    (interval): CompiledInterval => ({
      weekdays: ranges(interval.weekdays, weekday),
      months: ranges(interval.months, month),
      daysOfMonth: ranges(interval.daysOfMonth, dayOfMonth),
      times: interval.times?.map((t) => [minuteOfDay(t.start, false) ?? 0, minuteOfDay(t.end, true) ?? 0] as const),
    }),
  );
  compiled.set(window, out);
  return out;
}

function holds(interval: CompiledInterval, local: DateTime): boolean {
  const minute = local.hour * 60 + local.minute;
  if (interval.times && !interval.times.some(([start, end]) => start <= minute && minute < end)) return false;
  const day = local.weekday % 7; // luxon: Monday 1 … Sunday 7
  if (interval.weekdays && !interval.weekdays.some(([start, end]) => start <= day && day <= end)) return false;
  if (interval.months && !interval.months.some(([start, end]) => start <= local.month && local.month <= end))
    return false;
  if (interval.daysOfMonth) {
    const days = local.daysInMonth ?? 31;
    const positive = (d: number) => (d < 0 ? days + d + 1 : d);
    if (!interval.daysOfMonth.some(([s, e]) => positive(s) <= local.day && local.day <= Math.min(positive(e), days)))
      return false;
  }
  return true;
}

/** Is the window in force at this instant (read in its timezone)? */
export function isInWindow(window: MuteWindow, instant: Date): boolean {
  const local = luxon().fromJSDate(instant, { zone: window.timezone });
  if (!local.isValid) return false;
  return compile(window).some((interval) => holds(interval, local));
}

/** How far ahead nextChange looks: a window that does not change within this never changes for it (null). */
const LOOKAHEAD_DAYS = 400;

/**
 * The next instant after `instant` at which the window opens or closes, or null when it does not
 * change within about 400 days (always or never in force). State can only change at a local
 * boundary (midnight, a range's start or end) or at a DST jump, so those are the candidates,
 * checked in order; a fall-back day's repeated hour gives each boundary in it twice. With `until`,
 * looks no further than that (null: no change by then), so a short span costs a day's candidates.
 */
export function nextChange(window: MuteWindow, instant: Date, until?: Date): Date | null {
  const zone = window.timezone;
  const now = luxon().fromJSDate(instant, { zone });
  if (!now.isValid) return null;
  const inside = isInWindow(window, instant);
  const boundaries = new Set<number>([0]);
  for (const interval of compile(window))
    for (const [start, end] of interval.times ?? []) {
      boundaries.add(start);
      if (end < 24 * 60) boundaries.add(end);
    }
  const minutes = [...boundaries].sort((a, b) => a - b);
  let day = now.startOf('day');
  for (let d = 0; d < LOOKAHEAD_DAYS; d++, day = day.plus({ days: 1 }).startOf('day')) {
    if (until && day.toMillis() > until.getTime()) return null;
    const next = day.plus({ days: 1 }).startOf('day');
    const candidates: number[] = [];
    for (const m of minutes) {
      const local = day.set({ hour: Math.floor(m / 60), minute: m % 60 });
      candidates.push(local.toMillis());
      if (day.offset !== next.offset) candidates.push(local.toMillis() + 3_600_000, local.toMillis() - 3_600_000);
    }
    if (day.offset !== next.offset) candidates.push(offsetChangeAt(day.toMillis(), next.toMillis(), zone));
    const after = candidates.filter((ms) => ms > instant.getTime()).sort((a, b) => a - b);
    for (const ms of after) {
      if (until && ms > until.getTime()) return null;
      if (isInWindow(window, new Date(ms)) !== inside) return new Date(ms);
    }
  }
  return null;
}

/** The first instant (to the minute) in [from, to] whose UTC offset in `zone` differs from `from`'s. */
function offsetChangeAt(fromMs: number, toMs: number, zone: string): number {
  const offset = (ms: number) => luxon().fromMillis(ms, { zone }).offset;
  const before = offset(fromMs);
  let lo = fromMs;
  let hi = toMs;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offset(mid) === before) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** Windows by name, for a route's `muteWindows`. */
export function windowsByName(windows: readonly MuteWindow[]): ReadonlyMap<string, MuteWindow> {
  return new Map(windows.map((w) => [w.name, w]));
}

/** A window's name, as a route's or a template's (`[a-z0-9][a-z0-9-]{0,62}`). */
export const MUTE_WINDOW_NAME = /^[a-z0-9][a-z0-9-]{0,62}$/;
