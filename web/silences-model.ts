/**
 * The silences and mute-windows console's pure logic: a silence pre-filled from a "Silence this"
 * link, the durations offered, the request body, which held alerts a matcher set would catch, and
 * the week grid of a mute window (in its own timezone's wall-clock time).
 */

export type MatcherOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Matches' | 'NotMatches';

export interface Matcher {
  readonly label: string;
  readonly operator: MatcherOperator;
  readonly values: readonly string[];
}

export interface ApiSilence {
  readonly id: string;
  readonly matchers: readonly Matcher[];
  readonly startsAt: string;
  readonly endsAt: string;
  readonly createdBy: string;
  readonly comment: string;
  readonly state: 'active' | 'pending' | 'expired';
}

export interface HeldAlert {
  readonly fingerprint: string;
  readonly route: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly mutedAt: string;
  readonly silencedBy: readonly string[];
  readonly mutedBy: readonly string[];
}

export interface WindowInterval {
  readonly weekdays?: readonly string[];
  readonly times?: ReadonlyArray<{ readonly start: string; readonly end: string }>;
  readonly daysOfMonth?: readonly string[];
  readonly months?: readonly string[];
}

export interface ApiMuteWindow {
  readonly name: string;
  readonly timezone: string;
  readonly intervals: readonly WindowInterval[];
}

/** The durations a new silence offers; `custom` takes an end time. */
export const DURATIONS = [
  { id: '1h', label: '1 hour', ms: 3_600_000 },
  { id: '4h', label: '4 hours', ms: 4 * 3_600_000 },
  { id: '1d', label: '1 day', ms: 86_400_000 },
] as const;
export type DurationChoice = (typeof DURATIONS)[number]['id'] | 'custom';

/** One `In` matcher per label of the link (labels sorted, as the link carries them). */
export function matchersFromLabels(labels: Readonly<Record<string, string>>): Matcher[] {
  return Object.keys(labels)
    .sort()
    .map((label) => ({ label, operator: 'In', values: [labels[label] ?? ''] }));
}

/** When a silence of this choice, written now, ends; undefined when a custom end is not a time. */
export function endOf(choice: DurationChoice, customEnd: string, now: Date): Date | undefined {
  const duration = DURATIONS.find((d) => d.id === choice);
  if (duration) return new Date(now.getTime() + duration.ms);
  const end = new Date(customEnd);
  return Number.isNaN(end.getTime()) ? undefined : end;
}

/** Values typed as `a, b`: trimmed, empty ones dropped. */
export function valuesOf(text: string): string[] {
  return text
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v !== '');
}

const takesValues = (operator: MatcherOperator) => operator !== 'Exists' && operator !== 'DoesNotExist';

/** The body of `POST /v1/silences` (or PUT): matchers without the values their operator refuses. */
export function silenceBody(matchers: readonly Matcher[], endsAt: Date, comment: string) {
  return {
    matchers: matchers.map((m) => ({
      label: m.label.trim(),
      operator: m.operator,
      ...(takesValues(m.operator) ? { values: [...m.values] } : {}),
    })),
    endsAt: endsAt.toISOString(),
    ...(comment.trim() ? { comment: comment.trim() } : {}),
  };
}

/** Does a matcher hold for these labels? Patterns are the server's to judge (RE2): undefined. */
function holds(matcher: Matcher, labels: Readonly<Record<string, string>>): boolean | undefined {
  const value = Object.hasOwn(labels, matcher.label) ? labels[matcher.label] : undefined;
  switch (matcher.operator) {
    case 'In':
      return value !== undefined && matcher.values.includes(value);
    case 'NotIn':
      return value === undefined || !matcher.values.includes(value);
    case 'Exists':
      return value !== undefined;
    case 'DoesNotExist':
      return value === undefined;
    default:
      return undefined;
  }
}

/** The preview: which of these alerts the matchers would hold (all must hold), and whether a pattern went unjudged. */
export function previewMatches(
  matchers: readonly Matcher[],
  alerts: readonly HeldAlert[],
): { readonly caught: HeldAlert[]; readonly unjudged: boolean } {
  let unjudged = false;
  const caught = alerts.filter((alert) =>
    matchers.every((m) => {
      const verdict = holds(m, alert.labels);
      if (verdict === undefined) unjudged = true;
      return verdict ?? true;
    }),
  );
  return { caught: matchers.length === 0 ? [] : caught, unjudged };
}

/** A matcher as words: `severity in critical, page`. */
export function matcherText(m: Matcher): string {
  const op: Record<MatcherOperator, string> = {
    In: 'is',
    NotIn: 'is not',
    Exists: 'exists',
    DoesNotExist: 'does not exist',
    Matches: 'matches',
    NotMatches: 'does not match',
  };
  return takesValues(m.operator)
    ? `${m.label} ${op[m.operator]} ${m.values.join(' or ')}`
    : `${m.label} ${op[m.operator]}`;
}

export const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday'] as const;
const WEEK_INDEX: Readonly<Record<string, number>> = {
  sunday: 6,
  monday: 0,
  tuesday: 1,
  wednesday: 2,
  thursday: 3,
  friday: 4,
  saturday: 5,
};
/** Alertmanager's order (sunday first) for ranges: `monday:friday`, `saturday:sunday` is refused by the server. */
const SUNDAY_FIRST = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

function weekdaysOf(interval: WindowInterval): Set<number> {
  if (!interval.weekdays) return new Set([0, 1, 2, 3, 4, 5, 6]);
  const days = new Set<number>();
  for (const text of interval.weekdays) {
    const [from = '', to = from] = text.toLowerCase().split(':');
    const a = SUNDAY_FIRST.indexOf(from);
    const b = SUNDAY_FIRST.indexOf(to);
    if (a < 0 || b < 0) continue;
    for (let i = a; i <= b; i++) days.add(WEEK_INDEX[SUNDAY_FIRST[i] ?? ''] ?? 0);
  }
  return days;
}

const minutes = (hhmm: string) => {
  const [h = '0', m = '0'] = hhmm.split(':');
  return Number(h) * 60 + Number(m);
};

/**
 * The week view: for each weekday (Monday first) and each hour of its wall-clock day in the
 * window's timezone, whether the window is in force for any of that hour (`partly` when for only
 * part of it). Days of month and months make a window date-dependent: `dated` says so.
 */
export function weekGrid(window: ApiMuteWindow): {
  readonly hours: ReadonlyArray<ReadonlyArray<'on' | 'partly' | 'off'>>;
  readonly dated: boolean;
} {
  const hours = WEEKDAYS.map(() => Array.from({ length: 24 }, () => 0));
  for (const interval of window.intervals) {
    const ranges = interval.times?.map((t) => [minutes(t.start), minutes(t.end)] as const) ?? [[0, 1440] as const];
    for (const day of weekdaysOf(interval)) {
      const row = hours[day];
      if (!row) continue;
      for (let hour = 0; hour < 24; hour++) {
        const covered = ranges.reduce(
          (sum, [start, end]) => sum + Math.max(0, Math.min(end, hour * 60 + 60) - Math.max(start, hour * 60)),
          0,
        );
        row[hour] = Math.max(row[hour] ?? 0, Math.min(60, covered));
      }
    }
  }
  return {
    hours: hours.map((row) => row.map((m) => (m >= 60 ? 'on' : m > 0 ? 'partly' : 'off'))),
    dated: window.intervals.some((i) => i.daysOfMonth !== undefined || i.months !== undefined),
  };
}
