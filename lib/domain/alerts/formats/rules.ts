/**
 * The rules every payload format checks, once for both of its paths (the fast path and the
 * schema): timestamps, label / annotation names and their limits, what JSON.parse makes.
 */
import { ALERT_LIMITS } from '../model';

/** Go's `time.Time{}` as Alertmanager and Grafana write it for "no end". */
const GO_ZERO_TIME_MS = Date.UTC(2000, 0, 1) - 730_119 * 86_400_000; // 0001-01-01T00:00:00Z

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([Zz])|([+-])(\d{2}):?(\d{2}))$/;

/**
 * RFC 3339 timestamp (any fraction precision, `Z` or a numeric offset, with or without the
 * colon) → Date; `null` when the string is not one or names no real instant (02-30, 25:00).
 * The Go zero time (0001-01-01T00:00:00Z) parses to the instant; see `isGoZeroTime`.
 */
function timestampMs(s: string): number | null {
  const m = RFC3339.exec(s);
  if (!m) return null;
  const n = (i: number): number => Number(m[i] ?? 0);
  const [year, month, day, hour, minute, second] = [n(1), n(2), n(3), n(4), n(5), n(6)];
  const offsetHours = n(10);
  const offsetMinutes = n(11);
  if (month < 1 || month > 12 || hour > 23 || minute > 59 || second > 59) return null;
  if (offsetHours > 23 || offsetMinutes > 59) return null;
  const d = new Date(0);
  d.setUTCFullYear(year, month - 1, day); // not Date.UTC: it maps years 0-99 to 1900-1999
  if (d.getUTCDate() !== day) return null;
  d.setUTCHours(hour, minute, second, Number((m[7] ?? '').padEnd(3, '0').slice(0, 3)));
  const offsetMs = (m[9] === '-' ? -1 : 1) * (offsetHours * 60 + offsetMinutes) * 60_000;
  return d.getTime() - offsetMs;
}

/**
 * Timestamps repeat across a batch (Prometheus stamps one evaluation's alerts alike) and each is
 * checked by the schema and then converted: a small memo makes both one regex match.
 */
const timestampMemo = new Map<string, number | null>();
const TIMESTAMP_MEMO_SIZE = 4096;

/** Parses an RFC 3339 timestamp strictly; null when `s` is not one. */
export function parseTimestamp(s: string): Date | null {
  // Longer strings are never RFC 3339 (at most 35 characters): not worth keeping, and the memo stays small.
  if (s.length > 40) return null;
  let ms = timestampMemo.get(s);
  if (ms === undefined) {
    ms = timestampMs(s);
    if (timestampMemo.size >= TIMESTAMP_MEMO_SIZE) timestampMemo.clear();
    timestampMemo.set(s, ms);
  }
  return ms === null ? null : new Date(ms);
}

export function isGoZeroTime(d: Date): boolean {
  return d.getTime() === GO_ZERO_TIME_MS;
}

/** C0/C1 control characters (CR and LF included) and the Unicode line/paragraph separators. */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

export function nameProblem(kind: 'label' | 'annotation', name: string): string | undefined {
  // The quoted name is built only for a refusal: this runs for every label of every alert.
  const shown = () => JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
  if (name === '') return `${kind} names must not be empty`;
  if (name.length > ALERT_LIMITS.maxLabelNameLength) {
    return `${kind} name ${shown()} is longer than ${ALERT_LIMITS.maxLabelNameLength} characters`;
  }
  if (CONTROL_CHARACTER.test(name)) return `${kind} name ${shown()} contains a control character`;
  return undefined;
}

export interface MapLimits {
  kind: 'label' | 'annotation';
  minCount: number;
  maxCount: number;
  maxValueLength: number;
}

export const LABEL_LIMITS: MapLimits = {
  kind: 'label',
  minCount: 1,
  maxCount: ALERT_LIMITS.maxLabelsPerAlert,
  maxValueLength: ALERT_LIMITS.maxLabelValueLength,
};

export const ANNOTATION_LIMITS: MapLimits = {
  kind: 'annotation',
  minCount: 0,
  maxCount: ALERT_LIMITS.maxAnnotationsPerAlert,
  maxValueLength: ALERT_LIMITS.maxAnnotationValueLength,
};

/** An object, not an array: what a zod object accepts. */
export function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * What JSON.parse makes: an object whose prototype is Object.prototype. The fast paths accept only
 * these and leave any other object to the schemas, whose rules for them are subtler.
 */
export function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

export function isNullishString(v: unknown): v is string | null | undefined {
  return v == null || typeof v === 'string';
}
