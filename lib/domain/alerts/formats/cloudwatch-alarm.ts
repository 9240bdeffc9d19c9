import { fingerprint } from '../fingerprint';
import { ALERT_LIMITS, type Alert, type AlertStatus } from '../model';
import { objectAt, Refused, within } from './format';
import { isNullishString, parseTimestamp } from './rules';
import { lazySchema } from './schema';

/**
 * What the two CloudWatch formats share (lib/domain/alerts/formats/cloudwatch-event.ts, cloudwatch-sns.ts):
 * an EventBridge "CloudWatch Alarm State Change" event and the alarm message SNS delivers both become
 * the same normalized `CloudWatchAlarm` and then one `Alert` whose labels carry only what never
 * changes between state changes (alarm, region, account, metric, dimensions), so the fingerprint of
 * one alarm is the same from either source and in every state. Also the field rules both check,
 * as schema and as fast check side by side.
 */

export type CloudWatchAlarmState = 'ALARM' | 'OK' | 'INSUFFICIENT_DATA';

export interface CloudWatchMetric {
  readonly namespace: string;
  readonly name: string;
  readonly dimensions: Readonly<Record<string, string>>;
}

/** What both CloudWatch sources say about one alarm state change. */
export interface CloudWatchAlarm {
  readonly name: string;
  readonly description?: string;
  readonly account: string;
  /** Region code, e.g. `us-east-1`. */
  readonly region: string;
  readonly state: CloudWatchAlarmState;
  readonly reason?: string;
  readonly stateChangedAt: Date;
  readonly previousState?: { readonly value: string; readonly changedAt?: Date };
  /** Set only when the alarm watches exactly one metric (no metric math, not composite). */
  readonly metric?: CloudWatchMetric;
}

/** The field schemas both CloudWatch formats use, built on first use. */
export const cloudWatchFields = lazySchema((z) => ({
  state: z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']),
  /** CloudWatch writes `2019-10-02T17:04:40.989+0000`; also accept `Z` and `+00:00`. */
  timestamp: z.string().check(
    z.refine((s) => parseCloudWatchTimestamp(s) !== undefined, {
      message: 'must be a timestamp like 2019-10-02T17:04:40.989+0000',
    }),
  ),
  nonEmpty: z.string().check(z.minLength(1)),
  nullishString: z.nullish(z.string()),
}));

// The same rules for the fast paths: true when the value passes.
export const isNonEmpty = (v: unknown): v is string => typeof v === 'string' && v !== '';
export const isStateValue = (v: unknown): v is CloudWatchAlarmState =>
  v === 'ALARM' || v === 'OK' || v === 'INSUFFICIENT_DATA';
export const isCloudWatchTimestamp = (v: unknown): v is string =>
  typeof v === 'string' && parseCloudWatchTimestamp(v) !== undefined;

/** The fast path's verdict on a part of a CloudWatch payload: passes, refused, or not sure (undefined). */
export type Check = true | Refused | undefined;

/** How a CloudWatch payload spells its metric list: the event in camelCase, the SNS message in PascalCase. */
export interface MetricFields {
  readonly expression: string;
  readonly metricStat: string;
  readonly metric: string;
  /** The metric's two names (namespace, name), in the schema's order. */
  readonly names: readonly [string, string];
  readonly dimensions: string;
  readonly checkDimensions: (dimensions: unknown) => Check;
}

/** A nullish metric list, or one whose every `{expression?, metricStat?: {metric}}` is well formed. */
export function checkMetrics(metrics: unknown, fields: MetricFields): Check {
  if (metrics == null) return true;
  if (!Array.isArray(metrics)) return new Refused([]);
  for (let i = 0; i < metrics.length; i++) {
    const check = checkMetric(metrics[i], fields);
    if (check !== true) return within(check, i);
  }
  return true;
}

function checkMetric(m: unknown, f: MetricFields): Check {
  const metric = objectAt(m, []);
  if (metric === undefined || metric instanceof Refused) return metric;
  if (!isNullishString(metric[f.expression])) return new Refused([f.expression]);
  if (metric[f.metricStat] == null) return true;
  const stat = objectAt(metric[f.metricStat], [f.metricStat]);
  if (stat === undefined || stat instanceof Refused) return stat;
  const inner = objectAt(stat[f.metric], [f.metricStat, f.metric]);
  if (inner === undefined || inner instanceof Refused) return inner;
  for (const name of f.names) if (typeof inner[name] !== 'string') return new Refused([f.metricStat, f.metric, name]);
  return within(f.checkDimensions(inner[f.dimensions]), f.metricStat, f.metric, f.dimensions);
}

/** The one mapping from a CloudWatch alarm state change to an alert. */
export function alertFromCloudWatchAlarm(alarm: CloudWatchAlarm, _now: Date): Alert {
  const labels: Record<string, string> = {
    alertname: labelValue(alarm.name),
    region: labelValue(alarm.region),
    account: labelValue(alarm.account),
  };
  if (alarm.metric) {
    labels.namespace = labelValue(alarm.metric.namespace);
    labels.metric = labelValue(alarm.metric.name);
    for (const [name, value] of Object.entries(alarm.metric.dimensions)) {
      let key = sanitizeLabelName(name);
      if (Object.hasOwn(labels, key)) key = sanitizeLabelName(`dimension_${name}`);
      if (Object.keys(labels).length >= ALERT_LIMITS.maxLabelsPerAlert) break;
      labels[key] = labelValue(value);
    }
  }

  const status: AlertStatus = alarm.state === 'OK' ? 'resolved' : 'firing';
  const reason = alarm.reason?.trim() || undefined;
  const description = alarm.description?.trim() || undefined;
  const annotations: Record<string, string> = {
    summary: annotationValue(description ?? summaryFromReason(alarm.name, alarm.state, reason)),
    cloudwatch_state: alarm.state,
  };
  if (reason) annotations.description = annotationValue(reason);
  if (alarm.state === 'INSUFFICIENT_DATA') {
    annotations.note =
      'CloudWatch has insufficient data to evaluate this alarm (state INSUFFICIENT_DATA): the metric may have stopped reporting.';
  }

  // A resolved alarm ended at its state change; it started when it last left OK, if the source says.
  let startsAt = alarm.stateChangedAt;
  let endsAt: Date | undefined;
  if (status === 'resolved') {
    endsAt = alarm.stateChangedAt;
    const prev = alarm.previousState;
    if (prev?.changedAt && prev.value !== 'OK' && prev.changedAt.getTime() <= endsAt.getTime())
      startsAt = prev.changedAt;
  }

  const alert: Alert = {
    fingerprint: fingerprint(labels),
    labels,
    annotations,
    status,
    startsAt,
    ...(endsAt ? { endsAt } : {}),
    generatorURL: cloudWatchConsoleUrl(alarm.region, alarm.name),
    source: 'cloudwatch',
  };
  return alert;
}

/** The alarm's page in the CloudWatch console, in the region's partition. */
export function cloudWatchConsoleUrl(region: string, alarmName: string): string {
  const r = encodeURIComponent(region);
  const host = region.startsWith('cn-')
    ? `${r}.console.amazonaws.cn`
    : region.startsWith('us-gov-')
      ? 'console.amazonaws-us-gov.com'
      : `${r}.console.aws.amazon.com`;
  return `https://${host}/cloudwatch/home?region=${r}#alarmsV2:alarm/${encodeURIComponent(alarmName)}`;
}

/** Prometheus-style label name: `[a-zA-Z_][a-zA-Z0-9_]*`, at most maxLabelNameLength. */
export function sanitizeLabelName(name: string): string {
  let out = name.replace(/[^a-zA-Z0-9_]/g, '_');
  if (out === '' || /^[0-9]/.test(out)) out = `_${out}`;
  return out.slice(0, ALERT_LIMITS.maxLabelNameLength);
}

function summaryFromReason(name: string, state: CloudWatchAlarmState, reason: string | undefined): string {
  const what =
    state === 'ALARM'
      ? `CloudWatch alarm ${name} is in ALARM`
      : state === 'OK'
        ? `CloudWatch alarm ${name} is OK again`
        : `CloudWatch alarm ${name} has insufficient data`;
  if (!reason) return `${what}.`;
  const clause = reason.length > 200 ? `${reason.slice(0, 199)}…` : reason;
  return `${what}: ${clause}`;
}

function labelValue(v: string): string {
  return v.length > ALERT_LIMITS.maxLabelValueLength ? v.slice(0, ALERT_LIMITS.maxLabelValueLength) : v;
}

function annotationValue(v: string): string {
  return v.length > ALERT_LIMITS.maxAnnotationValueLength ? v.slice(0, ALERT_LIMITS.maxAnnotationValueLength) : v;
}

/**
 * `2019-10-02T17:04:40.989+0000` (CloudWatch), `…Z` or `…+00:00`: an RFC 3339 timestamp (lib/domain/alerts/
 * formats/rules.ts) spelt with an uppercase `T` and `Z`; undefined when not one or not a real instant.
 */
export function parseCloudWatchTimestamp(s: string): Date | undefined {
  return /[tz ]/.test(s) ? undefined : (parseTimestamp(s) ?? undefined);
}

export function requireTimestamp(s: string): Date {
  const d = parseCloudWatchTimestamp(s);
  if (!d) throw new Error(`unreachable: timestamp ${s} passed validation`);
  return d;
}
