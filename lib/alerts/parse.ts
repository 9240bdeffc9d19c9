import type { $ZodType, output } from 'zod/v4/core';
import { type ErrorDetail, ValidationError } from '../errors';
import type * as Validation from '../validation';
import { cloudwatch } from './cloudwatch-lazy';
import { fingerprint } from './fingerprint';
import { ALERT_LIMITS, type Alert, type AlertSource, type AlertStatus, type Labels } from './model';
import { isGoZeroTime, type MapLimits, nameProblem, parseTimestamp } from './payload-rules';
import type * as PayloadSchemasModule from './payload-schemas';
import type { PayloadSchemas } from './payload-schemas';

export { isGoZeroTime, parseTimestamp } from './payload-rules';

/**
 * Every alert payload alertmail accepts, detected by shape and parsed into `Alert`s:
 *  1. a JSON array: Alertmanager API v2 `POST /api/v2/alerts`, as Prometheus sends it;
 *  2. `{version: "4", alerts}`: the Alertmanager webhook receiver;
 *  3. `{version: "1", orgId | state | title, alerts}`: Grafana's webhook contact point;
 *  4. `{alerts: [{labels, …}]}`: the generic shape for scripts;
 *  5. an SNS HTTP(S) notification carrying a CloudWatch alarm (or the bare alarm message, with
 *     SNS raw message delivery), and an EventBridge "CloudWatch Alarm State Change" event.
 * The schemas (lib/alerts/payload-schemas.ts) describe the payloads for the OpenAPI document too.
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
// The payload schemas (exported for the OpenAPI document and the tests)

let builtSchemas: PayloadSchemas | undefined;

/**
 * The payload schemas, built on the first call: lib/alerts/payload-schemas.ts (and zod with it) loads
 * then, not with this module. esbuild bundles it behind the `require`, so its top level runs once, here.
 */
export function payloadSchemas(): PayloadSchemas {
  builtSchemas ??= (require('./payload-schemas') as typeof PayloadSchemasModule).buildPayloadSchemas();
  return builtSchemas;
}

/** lib/validation.ts's parseWith, loaded with the schemas (it loads zod's core). */
function parseWith<S extends $ZodType>(schema: S, input: unknown, root: string, what: string): output<S> {
  return (require('../validation') as typeof Validation).parseWith(schema, input, root, what);
}

/**
 * The schemas as named exports, for the tests and for anything rendering them. Each is marked pure: a
 * bundle that never imports it (the Lambdas) drops the line, and with it the build at import time.
 */
function schema<K extends keyof PayloadSchemas>(name: K): PayloadSchemas[K] {
  return payloadSchemas()[name];
}

export const LabelsSchema = /* @__PURE__ */ schema('LabelsSchema');
export const AnnotationsSchema = /* @__PURE__ */ schema('AnnotationsSchema');
export const AlertStatusSchema = /* @__PURE__ */ schema('AlertStatusSchema');
/** One alert of the generic shape; also the alert shape of the Alertmanager and Grafana webhooks. */
export const GenericAlertSchema = /* @__PURE__ */ schema('GenericAlertSchema');
export const GenericAlertsPayloadSchema = /* @__PURE__ */ schema('GenericAlertsPayloadSchema');
export const AlertmanagerV2AlertSchema = /* @__PURE__ */ schema('AlertmanagerV2AlertSchema');
/** `POST /api/v2/alerts` (Alertmanager's `postableAlerts`): no status, resolved when endsAt has passed. */
export const AlertmanagerV2AlertsSchema = /* @__PURE__ */ schema('AlertmanagerV2AlertsSchema');
/** Alertmanager's webhook receiver, payload version 4. Its `fingerprint`s are ignored (recomputed). */
export const AlertmanagerWebhookSchema = /* @__PURE__ */ schema('AlertmanagerWebhookSchema');
/** Grafana's webhook contact point (unified alerting), payload version 1. */
export const GrafanaWebhookSchema = /* @__PURE__ */ schema('GrafanaWebhookSchema');
/** An Amazon SNS HTTP(S) notification; `Message` holds the CloudWatch alarm as a JSON string. */
export const SnsNotificationSchema = /* @__PURE__ */ schema('SnsNotificationSchema');
/** Any of the accepted payloads, for the OpenAPI request body. */
export const AlertPayloadSchema = /* @__PURE__ */ schema('AlertPayloadSchema');

type RawAlert = output<PayloadSchemas['GenericAlertSchema']>;

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
    const alerts =
      fast(body, 'prometheus') ?? parseWith(payloadSchemas().AlertmanagerV2AlertsSchema, body, '', 'alerts');
    return { format: 'prometheus', alerts: alerts.map((a) => toAlert(a, 'prometheus', now)) };
  }
  if (!isRecord(body)) throw unrecognised(body);

  if (typeof body.Type === 'string') return parseSns(body, now);
  if (body['detail-type'] === 'CloudWatch Alarm State Change') {
    return { format: 'cloudwatch', alerts: [cloudwatch().alertFromCloudWatchEvent(body, now)] };
  }
  if (typeof body.AlarmName === 'string' && 'NewStateValue' in body) {
    // SNS with raw message delivery: the body is the alarm message itself.
    return { format: 'cloudwatch', alerts: [cloudwatch().alertFromCloudWatchSnsMessage(body, now, '')] };
  }
  if (!('alerts' in body)) throw unrecognised(body);
  if (Array.isArray(body.alerts)) refuseTooMany(body.alerts.length, 'alerts');

  if (body.version === '4') {
    const alerts =
      fast(body, 'alertmanager') ??
      parseWith(payloadSchemas().AlertmanagerWebhookSchema, body, '', 'Alertmanager webhook').alerts;
    return { format: 'alertmanager', alerts: alerts.map((a) => toAlert(a, 'alertmanager', now)) };
  }
  if (body.version === '1' && ('orgId' in body || 'state' in body || 'title' in body)) {
    const alerts =
      fast(body, 'grafana') ?? parseWith(payloadSchemas().GrafanaWebhookSchema, body, '', 'Grafana webhook').alerts;
    return { format: 'grafana', alerts: alerts.map((a) => toAlert(a, 'grafana', now)) };
  }
  const alerts =
    fast(body, 'generic') ?? parseWith(payloadSchemas().GenericAlertsPayloadSchema, body, '', 'alerts payload').alerts;
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
  const envelope = parseWith(payloadSchemas().SnsNotificationSchema, body, '', 'SNS notification');
  let message: unknown;
  try {
    message = JSON.parse(envelope.Message);
  } catch {
    throw refusal('Message', 'must be the JSON alarm message CloudWatch publishes to SNS');
  }
  return { format: 'cloudwatch', alerts: [cloudwatch().alertFromCloudWatchSnsMessage(message, now, 'Message')] };
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
