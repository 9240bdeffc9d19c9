import { type ErrorDetail, ValidationError } from '../errors';
import { parseWith } from '../validation';
import * as z from '../zod';
import { alertFromCloudWatchEvent, alertFromCloudWatchSnsMessage } from './cloudwatch';
import { fingerprint } from './fingerprint';
import { ALERT_LIMITS, type Alert, type AlertSource, type AlertStatus, type Labels } from './model';

/**
 * Every alert payload alertmail accepts, detected by shape and parsed into `Alert`s:
 *  1. a JSON array: Alertmanager API v2 `POST /api/v2/alerts`, as Prometheus sends it;
 *  2. `{version: "4", alerts}`: the Alertmanager webhook receiver;
 *  3. `{version: "1", orgId | state | title, alerts}`: Grafana's webhook contact point;
 *  4. `{alerts: [{labels, …}]}`: the generic shape for scripts;
 *  5. an SNS HTTP(S) notification carrying a CloudWatch alarm (or the bare alarm message, with
 *     SNS raw message delivery), and an EventBridge "CloudWatch Alarm State Change" event.
 * The schemas below describe the payloads for the OpenAPI document too.
 */
export interface ParsedAlerts {
  format: AlertSource;
  alerts: Alert[];
}

export const ACCEPTED_FORMATS =
  'an Alertmanager webhook (version "4"), a Prometheus / Alertmanager API v2 alert array, ' +
  'a Grafana webhook contact point (version "1"), the generic {"alerts": [{"labels": {...}}]}, ' +
  'an SNS notification carrying a CloudWatch alarm, or a CloudWatch Alarm State Change event';

// ---------------------------------------------------------------------------------------------
// Building blocks

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

const TimestampSchema = z
  .string()
  .check(
    z.refine((s) => parseTimestamp(s) !== null, {
      message: 'must be an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
    }),
  )
  .register(z.globalRegistry, { format: 'date-time' });

/** C0/C1 control characters (CR and LF included) and the Unicode line/paragraph separators. */
const CONTROL_CHARACTER = /[\p{Cc}\u2028\u2029]/u;

function nameProblem(kind: 'label' | 'annotation', name: string): string | undefined {
  // The quoted name is built only for a refusal: this runs for every label of every alert.
  const shown = () => JSON.stringify(name.length > 40 ? `${name.slice(0, 40)}…` : name);
  if (name === '') return `${kind} names must not be empty`;
  if (name.length > ALERT_LIMITS.maxLabelNameLength) {
    return `${kind} name ${shown()} is longer than ${ALERT_LIMITS.maxLabelNameLength} characters`;
  }
  if (CONTROL_CHARACTER.test(name)) return `${kind} name ${shown()} contains a control character`;
  return undefined;
}

interface MapLimits {
  kind: 'label' | 'annotation';
  minCount: number;
  maxCount: number;
  maxValueLength: number;
}

/**
 * A `{name: value}` map of strings with the ALERT_LIMITS of its kind. Values may hold anything
 * (they are escaped where they are rendered); names are bounded and free of control characters.
 */
function stringMapSchema({ kind, minCount, maxCount, maxValueLength }: MapLimits) {
  // zod drops a `__proto__` key silently; refuse it instead of fingerprinting a different set.
  // (What classic zod's `z.preprocess` is: a transform piped into the schema; an issue stops the pipe.)
  const refuseProtoKey = (input: unknown, payload: z.core.ParsePayload): unknown => {
    if (input !== null && typeof input === 'object' && Object.hasOwn(input, '__proto__')) {
      payload.issues.push({ code: 'custom', message: `${kind} name "__proto__" is not supported`, input });
    }
    return input;
  };
  return z.pipe(
    z.transform(refuseProtoKey),
    z.record(z.string(), z.string()).check(
      z.superRefine((map, ctx) => {
        const names = Object.keys(map);
        if (names.length < minCount)
          ctx.addIssue({ code: 'custom', message: `at least ${minCount} ${kind} is required` });
        if (names.length > maxCount) {
          ctx.addIssue({ code: 'custom', message: `at most ${maxCount} ${kind}s are allowed, got ${names.length}` });
        }
        for (const name of names) {
          const problem = nameProblem(kind, name);
          if (problem) {
            ctx.addIssue({ code: 'custom', message: problem });
            continue;
          }
          const value = map[name] ?? '';
          if (value.length > maxValueLength) {
            ctx.addIssue({
              code: 'custom',
              path: [name],
              message: `${kind} value is longer than ${maxValueLength} characters (${value.length})`,
            });
          }
        }
      }),
    ),
  );
}

export const LabelsSchema = stringMapSchema({
  kind: 'label',
  minCount: 1,
  maxCount: ALERT_LIMITS.maxLabelsPerAlert,
  maxValueLength: ALERT_LIMITS.maxLabelValueLength,
}).register(z.globalRegistry, {
  description: 'Identifies the alert: its fingerprint is computed from these labels alone.',
});

export const AnnotationsSchema = stringMapSchema({
  kind: 'annotation',
  minCount: 0,
  maxCount: ALERT_LIMITS.maxAnnotationsPerAlert,
  maxValueLength: ALERT_LIMITS.maxAnnotationValueLength,
}).register(z.globalRegistry, { description: 'summary, description, runbook_url, …' });

export const AlertStatusSchema = z.enum(['firing', 'resolved']);

const alertFields = {
  labels: LabelsSchema,
  annotations: z.nullish(AnnotationsSchema),
  startsAt: z.nullish(TimestampSchema).register(z.globalRegistry, {
    description: 'Defaults to the time alertmail receives the alert.',
  }),
  endsAt: z.nullish(TimestampSchema).register(z.globalRegistry, {
    description: 'Absent or 0001-01-01T00:00:00Z: no end. At or before now: the alert is resolved.',
  }),
  generatorURL: z.nullish(z.string().check(z.maxLength(ALERT_LIMITS.maxUrlLength))),
};

// ---------------------------------------------------------------------------------------------
// The payload schemas (exported for the OpenAPI document)

/** One alert of the generic shape; also the alert shape of the Alertmanager and Grafana webhooks. */
export const GenericAlertSchema = z.object({ ...alertFields, status: z.nullish(AlertStatusSchema) });

const alertsArray = <T extends z.core.SomeType>(alert: T) =>
  z.array(alert).check(z.maxLength(ALERT_LIMITS.maxAlertsPerRequest));

export const GenericAlertsPayloadSchema = z.object({
  alerts: alertsArray(GenericAlertSchema),
});

/** `POST /api/v2/alerts` (Alertmanager's `postableAlerts`): no status, resolved when endsAt has passed. */
export const AlertmanagerV2AlertSchema = z.object(alertFields);
export const AlertmanagerV2AlertsSchema = alertsArray(AlertmanagerV2AlertSchema);

/** Alertmanager's webhook receiver, payload version 4. Its `fingerprint`s are ignored (recomputed). */
export const AlertmanagerWebhookSchema = z.object({
  version: z.literal('4'),
  status: z.nullish(AlertStatusSchema),
  receiver: z.nullish(z.string()),
  alerts: alertsArray(GenericAlertSchema),
});

/** Grafana's webhook contact point (unified alerting), payload version 1. */
export const GrafanaWebhookSchema = z.object({
  version: z.literal('1'),
  status: z.nullish(AlertStatusSchema),
  alerts: alertsArray(GenericAlertSchema),
});

/** An Amazon SNS HTTP(S) notification; `Message` holds the CloudWatch alarm as a JSON string. */
export const SnsNotificationSchema = z.object({
  Type: z.literal('Notification'),
  Message: z.string(),
  TopicArn: z.nullish(z.string()),
  Subject: z.nullish(z.string()),
});

/** Any of the accepted payloads, for the OpenAPI request body. */
export const AlertPayloadSchema = z.union([
  AlertmanagerV2AlertsSchema,
  AlertmanagerWebhookSchema,
  GrafanaWebhookSchema,
  GenericAlertsPayloadSchema,
  SnsNotificationSchema,
]);

type RawAlert = z.output<typeof GenericAlertSchema>;

// ---------------------------------------------------------------------------------------------
// Parsing

/**
 * Detects the format of `body` (already JSON-decoded) and parses it into alerts. `now` decides
 * what "already ended" means and is the default start. Throws ValidationError (400) naming the
 * offending field, or listing the accepted formats when the shape is none of them.
 */
export function parseAlertPayload(body: unknown, now: Date): ParsedAlerts {
  return parsePayload(body, now, wellFormedAlerts);
}

/**
 * `parseAlertPayload` without the fast path: every payload through the schemas. Same results;
 * for the differential test and the micro-benchmark.
 */
export function parseAlertPayloadWithSchemas(body: unknown, now: Date): ParsedAlerts {
  return parsePayload(body, now, () => undefined);
}

/** The alerts of a well-formed payload of `format`, or undefined to have the schemas decide. */
type FastPath = (body: unknown, format: AlertSource) => RawAlert[] | undefined;

function parsePayload(body: unknown, now: Date, fast: FastPath): ParsedAlerts {
  if (Array.isArray(body)) {
    refuseTooMany(body.length, '(body)');
    const alerts = fast(body, 'prometheus') ?? parseWith(AlertmanagerV2AlertsSchema, body, '', 'alerts');
    return { format: 'prometheus', alerts: alerts.map((a) => toAlert(a, 'prometheus', now)) };
  }
  if (!isRecord(body)) throw unrecognised(body);

  if (typeof body.Type === 'string') return parseSns(body, now);
  if (body['detail-type'] === 'CloudWatch Alarm State Change') {
    return { format: 'cloudwatch', alerts: [alertFromCloudWatchEvent(body, now)] };
  }
  if (typeof body.AlarmName === 'string' && 'NewStateValue' in body) {
    // SNS with raw message delivery: the body is the alarm message itself.
    return { format: 'cloudwatch', alerts: [alertFromCloudWatchSnsMessage(body, now, '')] };
  }
  if (!('alerts' in body)) throw unrecognised(body);
  if (Array.isArray(body.alerts)) refuseTooMany(body.alerts.length, 'alerts');

  if (body.version === '4') {
    const alerts =
      fast(body, 'alertmanager') ?? parseWith(AlertmanagerWebhookSchema, body, '', 'Alertmanager webhook').alerts;
    return { format: 'alertmanager', alerts: alerts.map((a) => toAlert(a, 'alertmanager', now)) };
  }
  if (body.version === '1' && ('orgId' in body || 'state' in body || 'title' in body)) {
    const alerts = fast(body, 'grafana') ?? parseWith(GrafanaWebhookSchema, body, '', 'Grafana webhook').alerts;
    return { format: 'grafana', alerts: alerts.map((a) => toAlert(a, 'grafana', now)) };
  }
  const alerts = fast(body, 'generic') ?? parseWith(GenericAlertsPayloadSchema, body, '', 'alerts payload').alerts;
  return { format: 'generic', alerts: alerts.map((a) => toAlert(a, 'generic', now)) };
}

// ---------------------------------------------------------------------------------------------
// The fast path: zod costs ~10 % of the runtime's CPU on steady Prometheus re-posts

/** How many payloads the fast path parsed (the others went through the schemas): read by tests and benchmarks. */
export const fastPathStats = { parsed: 0 };

/**
 * The alerts of a well-formed payload, checked by hand against every rule of the schemas above
 * and returned as they would return them; undefined on anything that fails a rule or is unusual
 * (an object JSON.parse does not make: another prototype, a symbol key), so that the schemas run
 * and word the refusal. `parsePayload` has detected `format` already (and checked `version`). Pure: falling
 * back costs time, never a different result (test/unit/parse-fast-path.test.ts proves it).
 */
function wellFormedAlerts(body: unknown, format: AlertSource): RawAlert[] | undefined {
  let items = body;
  if (format !== 'prometheus') {
    const envelope = body as Record<string, unknown>;
    if (format !== 'generic' && !isNullishStatus(envelope.status)) return undefined;
    if (format === 'alertmanager' && !isNullishString(envelope.receiver)) return undefined;
    items = envelope.alerts;
  }
  if (!Array.isArray(items) || items.length > ALERT_LIMITS.maxAlertsPerRequest) return undefined;
  const alerts: RawAlert[] = [];
  for (let i = 0; i < items.length; i++) {
    const item: unknown = items[i];
    if (!isPlainObject(item)) return undefined;
    const { annotations, startsAt, endsAt, generatorURL } = item;
    // The API v2 alert has no status: the schema drops it unread.
    const status = format === 'prometheus' ? undefined : item.status;
    const labels = wellFormedMap(item.labels, LABEL_LIMITS);
    if (labels === undefined) return undefined;
    const annotationMap = annotations == null ? annotations : wellFormedMap(annotations, ANNOTATION_LIMITS);
    if (annotationMap === undefined && annotations !== undefined) return undefined;
    if (!isNullishTimestamp(startsAt) || !isNullishTimestamp(endsAt) || !isNullishStatus(status)) return undefined;
    if (generatorURL != null && !(typeof generatorURL === 'string' && generatorURL.length <= ALERT_LIMITS.maxUrlLength))
      return undefined;
    alerts.push({ labels, annotations: annotationMap, startsAt, endsAt, generatorURL, status });
  }
  fastPathStats.parsed++;
  return alerts;
}

const LABEL_LIMITS: MapLimits = {
  kind: 'label',
  minCount: 1,
  maxCount: ALERT_LIMITS.maxLabelsPerAlert,
  maxValueLength: ALERT_LIMITS.maxLabelValueLength,
};
const ANNOTATION_LIMITS: MapLimits = {
  kind: 'annotation',
  minCount: 0,
  maxCount: ALERT_LIMITS.maxAnnotationsPerAlert,
  maxValueLength: ALERT_LIMITS.maxAnnotationValueLength,
};

/** A copy of a string map that `stringMapSchema(limits)` accepts, as it returns it; else undefined. */
function wellFormedMap(map: unknown, limits: MapLimits): Record<string, string> | undefined {
  if (!isPlainObject(map)) return undefined;
  // Own enumerable properties in key order, as the record schema copies them (and faster than one by one).
  const copy: Record<string, unknown> = { ...map };
  const names = Object.keys(copy);
  if (names.length < limits.minCount || names.length > limits.maxCount) return undefined;
  if (Object.getOwnPropertySymbols(map).length !== 0) return undefined;
  for (const name of names) {
    if (name === '__proto__') return undefined;
    const value = copy[name];
    if (typeof value !== 'string' || value.length > limits.maxValueLength) return undefined;
    if (nameProblem(limits.kind, name) !== undefined) return undefined;
  }
  return copy as Record<string, string>;
}

/** What JSON.parse makes: an object whose prototype is Object.prototype. */
function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && Object.getPrototypeOf(v) === Object.prototype;
}

function isNullishString(v: unknown): v is string | null | undefined {
  return v == null || typeof v === 'string';
}

function isNullishStatus(v: unknown): v is AlertStatus | null | undefined {
  return v == null || v === 'firing' || v === 'resolved';
}

function isNullishTimestamp(v: unknown): v is string | null | undefined {
  return v == null || (typeof v === 'string' && parseTimestamp(v) !== null);
}

function parseSns(body: Record<string, unknown>, now: Date): ParsedAlerts {
  if (body.Type === 'SubscriptionConfirmation') {
    throw refusal(
      'Type',
      'This is an Amazon SNS subscription confirmation, not an alert. alertmail does not confirm subscriptions ' +
        'itself: confirm it in the Amazon SNS console (Subscriptions → Confirm subscription, using the SubscribeURL ' +
        'of this request), then alarm notifications will be accepted.',
    );
  }
  if (body.Type !== 'Notification') {
    throw refusal('Type', `SNS message type ${JSON.stringify(body.Type)} carries no alert; only "Notification" does`);
  }
  const envelope = parseWith(SnsNotificationSchema, body, '', 'SNS notification');
  let message: unknown;
  try {
    message = JSON.parse(envelope.Message);
  } catch {
    throw refusal('Message', 'must be the JSON alarm message CloudWatch publishes to SNS');
  }
  return { format: 'cloudwatch', alerts: [alertFromCloudWatchSnsMessage(message, now, 'Message')] };
}

function toAlert(raw: RawAlert, source: AlertSource, now: Date): Alert {
  const labels: Labels = raw.labels;
  const startsAt = timestampOrUndefined(raw.startsAt) ?? now;
  const endsAt = timestampOrUndefined(raw.endsAt);
  const status: AlertStatus =
    raw.status === 'resolved' || (endsAt !== undefined && endsAt.getTime() <= now.getTime()) ? 'resolved' : 'firing';
  const generatorURL = linkOrUndefined(raw.generatorURL);
  return {
    fingerprint: fingerprint(labels),
    labels,
    annotations: raw.annotations ?? {},
    status,
    startsAt,
    ...(endsAt ? { endsAt } : {}),
    ...(generatorURL ? { generatorURL } : {}),
    source,
  };
}

/** Validated already; absent, null and the Go zero time all mean "none". */
function timestampOrUndefined(s: string | null | undefined): Date | undefined {
  if (s === null || s === undefined) return undefined;
  const d = parseTimestamp(s);
  return d === null || isGoZeroTime(d) ? undefined : d;
}

/**
 * The source link is shown in the email: keep only absolute http(s) URLs. Anything else
 * (empty, relative, `javascript:`) is dropped rather than refusing the alert over a link.
 */
function linkOrUndefined(url: string | null | undefined): string | undefined {
  if (!url) return undefined;
  return /^https?:\/\/[^\s]+$/i.test(url) ? url : undefined;
}

function refuseTooMany(count: number, field: string): void {
  if (count > ALERT_LIMITS.maxAlertsPerRequest) {
    throw refusal(field, `at most ${ALERT_LIMITS.maxAlertsPerRequest} alerts per request, got ${count}`);
  }
}

function refusal(field: string, message: string): ValidationError {
  const detail: ErrorDetail = { field, message };
  return new ValidationError(`Invalid alert payload: ${field}: ${message}`, [detail]);
}

function unrecognised(body: unknown): ValidationError {
  const legacyGrafana = isRecord(body) && 'evalMatches' in body;
  const message = legacyGrafana
    ? `Legacy Grafana alerting webhooks are not supported; use a Grafana (unified alerting) webhook contact point. alertmail accepts ${ACCEPTED_FORMATS}.`
    : `Unrecognised alert payload. alertmail accepts ${ACCEPTED_FORMATS}.`;
  return new ValidationError(message, [{ field: '(body)', message }]);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
