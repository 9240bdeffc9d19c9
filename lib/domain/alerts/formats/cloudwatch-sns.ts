/**
 * A CloudWatch alarm delivered by Amazon SNS to an HTTP(S) subscription: the SNS notification whose
 * `Message` holds the alarm as a JSON string, or (raw message delivery) the alarm message itself.
 */
import type * as Zod from '../../../zod';
import type { Alert } from '../model';
import * as alarm from './cloudwatch-alarm';
import { type FastVerdict, objectAt, type PayloadFormat, Refused, within } from './format';
import { isNullishString, isRecord } from './rules';
import { lazySchema, parseWith, refusal } from './schema';

/** The JSON alarm message CloudWatch publishes to SNS (the `Message` of the SNS notification). */
const messageSchema = lazySchema((z) => {
  const { state, timestamp, nonEmpty, nullishString } = alarm.cloudWatchFields();
  const dimensions = z.nullish(z.array(z.object({ name: z.string(), value: z.string() })));
  const metric = z.object({ MetricName: z.string(), Namespace: z.string(), Dimensions: dimensions });
  return z.object({
    AlarmName: nonEmpty,
    AlarmDescription: nullishString,
    AWSAccountId: nonEmpty,
    NewStateValue: state,
    NewStateReason: nullishString,
    StateChangeTime: timestamp,
    /** The region's long name ("US East (N. Virginia)"); the code is taken from `AlarmArn`. */
    Region: nullishString,
    AlarmArn: nullishString,
    OldStateValue: nullishString,
    Trigger: z.nullish(
      z.object({
        MetricName: nullishString,
        Namespace: nullishString,
        Dimensions: dimensions,
        Metrics: z.nullish(
          z.array(z.object({ Expression: nullishString, MetricStat: z.nullish(z.object({ Metric: metric })) })),
        ),
      }),
    ),
  });
});

export type CloudWatchAlarmSnsMessage = Zod.infer<ReturnType<typeof messageSchema>>;

/** An Amazon SNS HTTP(S) notification; `Message` holds the CloudWatch alarm as a JSON string. */
const notificationSchema = lazySchema((z) =>
  z.object({
    Type: z.literal('Notification'),
    Message: z.string(),
    TopicArn: z.nullish(z.string()),
    Subject: z.nullish(z.string()),
  }),
);

/** The alert of a checked alarm message (the schema's output, or the message once the fast path checked it). */
function toAlert(m: CloudWatchAlarmSnsMessage, now: Date): Alert {
  const trigger = m.Trigger;
  let metric: alarm.CloudWatchMetric | undefined;
  if (trigger?.MetricName && trigger.Namespace && !trigger.Metrics?.length) {
    metric = { namespace: trigger.Namespace, name: trigger.MetricName, dimensions: dimensionMap(trigger.Dimensions) };
  } else if (trigger?.Metrics?.length === 1) {
    const only = trigger.Metrics[0];
    const stat = only && !only.Expression ? only.MetricStat?.Metric : undefined;
    if (stat) metric = { namespace: stat.Namespace, name: stat.MetricName, dimensions: dimensionMap(stat.Dimensions) };
  }
  return alarm.alertFromCloudWatchAlarm(
    {
      name: m.AlarmName,
      description: m.AlarmDescription ?? undefined,
      account: m.AWSAccountId,
      region: regionFromArn(m.AlarmArn) ?? m.Region ?? 'unknown',
      state: m.NewStateValue,
      reason: m.NewStateReason ?? undefined,
      stateChangedAt: alarm.requireTimestamp(m.StateChangeTime),
      previousState: m.OldStateValue ? { value: m.OldStateValue } : undefined,
      metric,
    },
    now,
  );
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

/** The message's last plain fields, in the schema's order. */
const TRAILING_STRINGS = ['Region', 'AlarmArn', 'OldStateValue'] as const;

/** The message schema's rules by hand, in its order: true, the first offending field, or undefined (not sure). */
function checkMessage(m: Record<string, unknown>): alarm.Check {
  if (!alarm.isNonEmpty(m.AlarmName)) return new Refused(['AlarmName']);
  if (!isNullishString(m.AlarmDescription)) return new Refused(['AlarmDescription']);
  if (!alarm.isNonEmpty(m.AWSAccountId)) return new Refused(['AWSAccountId']);
  if (!alarm.isStateValue(m.NewStateValue)) return new Refused(['NewStateValue']);
  if (!isNullishString(m.NewStateReason)) return new Refused(['NewStateReason']);
  if (!alarm.isCloudWatchTimestamp(m.StateChangeTime)) return new Refused(['StateChangeTime']);
  for (const name of TRAILING_STRINGS) if (!isNullishString(m[name])) return new Refused([name]);
  if (m.Trigger == null) return true;
  const trigger = objectAt(m.Trigger, ['Trigger']);
  if (trigger === undefined || trigger instanceof Refused) return trigger;
  if (!isNullishString(trigger.MetricName)) return new Refused(['Trigger', 'MetricName']);
  if (!isNullishString(trigger.Namespace)) return new Refused(['Trigger', 'Namespace']);
  const dimensions = checkDimensions(trigger.Dimensions);
  if (dimensions !== true) return within(dimensions, 'Trigger', 'Dimensions');
  return within(alarm.checkMetrics(trigger.Metrics, SNS_METRIC), 'Trigger', 'Metrics');
}

/** The message's dimension lists: nullish, or an array of `{name, value}` strings. */
function checkDimensions(d: unknown): alarm.Check {
  if (d == null) return true;
  if (!Array.isArray(d)) return new Refused([]);
  for (let i = 0; i < d.length; i++) {
    const dimension = objectAt(d[i], [i]);
    if (dimension === undefined || dimension instanceof Refused) return dimension;
    if (typeof dimension.name !== 'string') return new Refused([i, 'name']);
    if (typeof dimension.value !== 'string') return new Refused([i, 'value']);
  }
  return true;
}

const SNS_METRIC: alarm.MetricFields = {
  expression: 'Expression',
  metricStat: 'MetricStat',
  metric: 'Metric',
  names: ['MetricName', 'Namespace'],
  dimensions: 'Dimensions',
  checkDimensions,
};

/** The fast path over an alarm message (its refusals' paths are below the message). */
function fastMessage(message: unknown, now: Date): FastVerdict {
  const m = objectAt(message, []);
  if (m === undefined || m instanceof Refused) return m;
  const check = checkMessage(m);
  return check === true ? [toAlert(m as CloudWatchAlarmSnsMessage, now)] : check;
}

/** The schema path over an alarm message; `root` prefixes the fields of a refusal (`Message.NewStateValue`). */
function messageWithSchema(message: unknown, now: Date, root: string): Alert[] {
  return [toAlert(parseWith(messageSchema(), message, root, 'CloudWatch alarm message'), now)];
}

/** The notification's own type: only a Notification carries an alarm. Throws the refusal naming `Type`. */
function refuseOtherTypes(body: Record<string, unknown>): void {
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
}

/** The `Message` as JSON, or undefined when it is not JSON. */
function decodedMessage(message: string): { value: unknown } | undefined {
  try {
    return { value: JSON.parse(message) };
  } catch {
    return undefined;
  }
}

const NOT_JSON = 'must be the JSON alarm message CloudWatch publishes to SNS';

export const cloudwatchSns: PayloadFormat = {
  name: 'cloudwatch-sns',
  source: 'cloudwatch',
  schema: notificationSchema,

  matches: (body) => isRecord(body) && typeof body.Type === 'string',

  parse(body, now) {
    const envelope = objectAt(body, []);
    if (envelope === undefined || envelope instanceof Refused) return envelope;
    if (envelope.Type !== 'Notification') return new Refused(['Type']);
    if (typeof envelope.Message !== 'string') return new Refused(['Message']);
    if (!isNullishString(envelope.TopicArn)) return new Refused(['TopicArn']);
    if (!isNullishString(envelope.Subject)) return new Refused(['Subject']);
    const message = decodedMessage(envelope.Message);
    if (!message) return new Refused(['Message']);
    return within(fastMessage(message.value, now), 'Message');
  },

  parseWithSchema(body, now) {
    if (isRecord(body)) refuseOtherTypes(body);
    const envelope = parseWith(notificationSchema(), body, '', 'SNS notification');
    const message = decodedMessage(envelope.Message);
    if (!message) throw refusal('Message', NOT_JSON);
    return messageWithSchema(message.value, now, 'Message');
  },
};

/** SNS with raw message delivery: the body is the alarm message itself. */
export const cloudwatchSnsRaw: PayloadFormat = {
  name: 'cloudwatch-sns-raw',
  source: 'cloudwatch',
  schema: messageSchema,
  matches: (body) => isRecord(body) && typeof body.AlarmName === 'string' && 'NewStateValue' in body,
  parse: fastMessage,
  parseWithSchema: (body, now) => messageWithSchema(body, now, ''),
};

/**
 * The alarm message inside an SNS notification (already JSON-decoded). `root` prefixes the
 * field names of validation errors (`Message.NewStateValue`). Throws ValidationError.
 */
export function alertFromCloudWatchSnsMessage(message: unknown, now: Date, root = 'Message'): Alert {
  const fast = fastMessage(message, now);
  const [alert] = Array.isArray(fast) ? fast : messageWithSchema(message, now, root);
  if (!alert) throw new Error('unreachable: a CloudWatch alarm message is one alert');
  return alert;
}
