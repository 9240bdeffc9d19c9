import { parseWith } from '../validation';
import * as z from '../zod';
import { fingerprint } from './fingerprint';
import { ALERT_LIMITS, type Alert, type AlertStatus } from './model';

/**
 * CloudWatch alarms, from an EventBridge "CloudWatch Alarm State Change" event or from the alarm
 * message SNS delivers. Both become the same normalized `CloudWatchAlarm` and then one `Alert`
 * whose labels carry only what never changes between state changes (alarm, region, account,
 * metric, dimensions), so the fingerprint of one alarm is the same from either source and in
 * every state.
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

const StateValueSchema = z.enum(['ALARM', 'OK', 'INSUFFICIENT_DATA']);

/** CloudWatch writes `2019-10-02T17:04:40.989+0000`; also accept `Z` and `+00:00`. */
const CloudWatchTimestampSchema = z.string().check(
  z.refine((s) => parseCloudWatchTimestamp(s) !== undefined, {
    message: 'must be a timestamp like 2019-10-02T17:04:40.989+0000',
  }),
);

const nonEmpty = () => z.string().check(z.minLength(1));
const nullishString = () => z.nullish(z.string());

const EventMetricSchema = z.object({
  namespace: z.string(),
  name: z.string(),
  dimensions: z.nullish(z.record(z.string(), z.string())),
});

/** EventBridge `detail-type: "CloudWatch Alarm State Change"` (fields alertmail does not use are ignored). */
export const CloudWatchAlarmStateChangeEventSchema = z.object({
  'detail-type': z.literal('CloudWatch Alarm State Change'),
  source: z.optional(z.string()),
  account: nonEmpty(),
  region: nonEmpty(),
  detail: z.object({
    alarmName: nonEmpty(),
    state: z.object({
      value: StateValueSchema,
      reason: nullishString(),
      timestamp: CloudWatchTimestampSchema,
    }),
    previousState: z.nullish(z.object({ value: z.string(), timestamp: z.nullish(CloudWatchTimestampSchema) })),
    configuration: z.nullish(
      z.object({
        description: nullishString(),
        metrics: z.nullish(
          z.array(
            z.object({
              expression: nullishString(),
              metricStat: z.nullish(z.object({ metric: EventMetricSchema })),
            }),
          ),
        ),
      }),
    ),
  }),
});

const SnsDimensionsSchema = z.nullish(z.array(z.object({ name: z.string(), value: z.string() })));

/** The JSON alarm message CloudWatch publishes to SNS (the `Message` of the SNS notification). */
export const CloudWatchAlarmSnsMessageSchema = z.object({
  AlarmName: nonEmpty(),
  AlarmDescription: nullishString(),
  AWSAccountId: nonEmpty(),
  NewStateValue: StateValueSchema,
  NewStateReason: nullishString(),
  StateChangeTime: CloudWatchTimestampSchema,
  /** The region's long name ("US East (N. Virginia)"); the code is taken from `AlarmArn`. */
  Region: nullishString(),
  AlarmArn: nullishString(),
  OldStateValue: nullishString(),
  Trigger: z.nullish(
    z.object({
      MetricName: nullishString(),
      Namespace: nullishString(),
      Dimensions: SnsDimensionsSchema,
      Metrics: z.nullish(
        z.array(
          z.object({
            Expression: nullishString(),
            MetricStat: z.nullish(
              z.object({
                Metric: z.object({
                  MetricName: z.string(),
                  Namespace: z.string(),
                  Dimensions: SnsDimensionsSchema,
                }),
              }),
            ),
          }),
        ),
      ),
    }),
  ),
});

export type CloudWatchAlarmStateChangeEvent = z.infer<typeof CloudWatchAlarmStateChangeEventSchema>;
export type CloudWatchAlarmSnsMessage = z.infer<typeof CloudWatchAlarmSnsMessageSchema>;

/** The EventBridge rule's event, delivered straight to the ingest Lambda. Throws ValidationError. */
export function alertFromCloudWatchEvent(event: unknown, now: Date): Alert {
  const e = parseWith(CloudWatchAlarmStateChangeEventSchema, event, '', 'CloudWatch alarm event');
  const { detail } = e;
  const metrics = detail.configuration?.metrics ?? [];
  const only = metrics.length === 1 ? metrics[0] : undefined;
  const stat = only && !only.expression ? only.metricStat?.metric : undefined;
  const previous = detail.previousState;
  return alertFromCloudWatchAlarm(
    {
      name: detail.alarmName,
      description: detail.configuration?.description ?? undefined,
      account: e.account,
      region: e.region,
      state: detail.state.value,
      reason: detail.state.reason ?? undefined,
      stateChangedAt: requireTimestamp(detail.state.timestamp),
      previousState: previous
        ? {
            value: previous.value,
            changedAt: previous.timestamp ? requireTimestamp(previous.timestamp) : undefined,
          }
        : undefined,
      metric: stat ? { namespace: stat.namespace, name: stat.name, dimensions: stat.dimensions ?? {} } : undefined,
    },
    now,
  );
}

/**
 * The alarm message inside an SNS notification (already JSON-decoded). `root` prefixes the
 * field names of validation errors (`Message.NewStateValue`). Throws ValidationError.
 */
export function alertFromCloudWatchSnsMessage(message: unknown, now: Date, root = 'Message'): Alert {
  const m = parseWith(CloudWatchAlarmSnsMessageSchema, message, root, 'CloudWatch alarm message');
  const trigger = m.Trigger;
  let metric: CloudWatchMetric | undefined;
  if (trigger?.MetricName && trigger.Namespace && !trigger.Metrics?.length) {
    metric = { namespace: trigger.Namespace, name: trigger.MetricName, dimensions: dimensionMap(trigger.Dimensions) };
  } else if (trigger?.Metrics?.length === 1) {
    const only = trigger.Metrics[0];
    const stat = only && !only.Expression ? only.MetricStat?.Metric : undefined;
    if (stat) metric = { namespace: stat.Namespace, name: stat.MetricName, dimensions: dimensionMap(stat.Dimensions) };
  }
  return alertFromCloudWatchAlarm(
    {
      name: m.AlarmName,
      description: m.AlarmDescription ?? undefined,
      account: m.AWSAccountId,
      region: regionFromArn(m.AlarmArn) ?? m.Region ?? 'unknown',
      state: m.NewStateValue,
      reason: m.NewStateReason ?? undefined,
      stateChangedAt: requireTimestamp(m.StateChangeTime),
      previousState: m.OldStateValue ? { value: m.OldStateValue } : undefined,
      metric,
    },
    now,
  );
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

function dimensionMap(
  dimensions: readonly { name: string; value: string }[] | null | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const d of dimensions ?? []) out[d.name] = d.value;
  return out;
}

function regionFromArn(arn: string | null | undefined): string | undefined {
  // arn:aws:cloudwatch:us-east-1:123456789012:alarm:Name
  const region = arn?.split(':')[3];
  return region ? region : undefined;
}

function labelValue(v: string): string {
  return v.length > ALERT_LIMITS.maxLabelValueLength ? v.slice(0, ALERT_LIMITS.maxLabelValueLength) : v;
}

function annotationValue(v: string): string {
  return v.length > ALERT_LIMITS.maxAnnotationValueLength ? v.slice(0, ALERT_LIMITS.maxAnnotationValueLength) : v;
}

const CW_TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:Z|([+-])(\d{2}):?(\d{2}))$/;

/**
 * `2019-10-02T17:04:40.989+0000` (CloudWatch), `…Z` or `…+00:00`; undefined when not a real
 * instant (`Date` alone would roll 02-30 over to March).
 */
export function parseCloudWatchTimestamp(s: string): Date | undefined {
  const m = CW_TIMESTAMP.exec(s);
  if (!m) return undefined;
  const [y, mo, d, h, mi, sec, oh, om] = [1, 2, 3, 4, 5, 6, 9, 10].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const ms = Number((m[7] ?? '').padEnd(3, '0').slice(0, 3));
  const t = Date.UTC(y, mo - 1, d, h, mi, sec, ms);
  const check = new Date(t);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || sec > 59) return undefined;
  if (oh > 23 || om > 59) return undefined;
  const offsetMs = (m[8] === '-' ? -1 : 1) * (oh * 60 + om) * 60_000;
  return new Date(t - offsetMs);
}

function requireTimestamp(s: string): Date {
  const d = parseCloudWatchTimestamp(s);
  if (!d) throw new Error(`unreachable: timestamp ${s} passed validation`);
  return d;
}
