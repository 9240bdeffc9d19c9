/**
 * The stack's own alarms and where they go: errors per function, 5xx answered to alert senders,
 * failed deliveries, and CloudWatch alarm events parked in a failure queue.
 *
 * The metrics alertmail derives from its logs carry the stack's name as the `Stack` dimension
 * (from the `stack` field of each log line: the access-log format and lib/log.ts write it), and
 * the alarms watch only their own stack's value, so two stacks in one account, which publish to the
 * same namespace, do not trigger each other's alarms.
 */
import { Annotations, Aws, Duration, type Stack, Validations } from 'aws-cdk-lib';
import { Alarm, ComparisonOperator, type IAlarmAction, Metric, TreatMissingData } from 'aws-cdk-lib/aws-cloudwatch';
import { SnsAction } from 'aws-cdk-lib/aws-cloudwatch-actions';
import { FilterPattern, type ILogGroup, MetricFilter } from 'aws-cdk-lib/aws-logs';
import { type ITopic, Topic } from 'aws-cdk-lib/aws-sns';
import { EmailSubscription } from 'aws-cdk-lib/aws-sns-subscriptions';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import type { AlertmailFunction } from './function';
import { type AlertmailSettings, CONTEXT_KEYS } from './settings';

/** Namespace of the metrics alertmail derives from its own logs. */
export const METRIC_NAMESPACE = 'Alertmail';

/** Dimension naming the stack on every metric in METRIC_NAMESPACE; its value is the stack's name. */
export const STACK_DIMENSION = 'Stack';

/**
 * The ingest's failed-delivery log line `{"level":"error","msg":"delivery failed","outcome":"failed","stack":…}`,
 * as written, or wrapped under `message` by Lambda's JSON log format. A metric filter's dimension is
 * one selector, so each shape has its filter, with the selector of its own `stack` field.
 */
export const DELIVERY_FAILED_FILTERS = [
  { suffix: '', pattern: '{ $.outcome = "failed" }', stackSelector: '$.stack' },
  { suffix: 'Wrapped', pattern: '{ $.message.outcome = "failed" }', stackSelector: '$.message.stack' },
] as const;

/**
 * A failed delivery no retry can change (`"permanent":true`: a 5xx for the message or for every
 * recipient): its alerts wait for the repeat interval, so someone should look now. Same two shapes.
 */
export const UNDELIVERABLE_FILTERS = [
  { suffix: '', pattern: '{ ($.outcome = "failed") && ($.permanent IS TRUE) }', stackSelector: '$.stack' },
  {
    suffix: 'Wrapped',
    pattern: '{ ($.message.outcome = "failed") && ($.message.permanent IS TRUE) }',
    stackSelector: '$.message.stack',
  },
] as const;

/** Id of the warning synth prints when the alarms have no destination. */
export const NO_ALARM_DESTINATION_WARNING = 'alertmail:noAlarmDestination';

export interface AlarmsProps {
  readonly settings: AlertmailSettings;
  /** Every function, by the name its alarm carries. */
  readonly functions: ReadonlyArray<readonly [string, AlertmailFunction]>;
  /** The functions that deliver alerts (their log lines feed DeliveryFailures). */
  readonly deliveringFunctions: ReadonlyArray<readonly [string, AlertmailFunction]>;
  /** The API's access log group (JSON lines with `status`, `routeKey`, `stack`). */
  readonly accessLogs: ILogGroup;
  /** Route keys of the ingest routes, e.g. `POST /v1/alerts`. */
  readonly ingestRouteKeys: readonly string[];
  /** Queues where events that could not be processed wait for a redrive, by alarm name. */
  readonly failureQueues: ReadonlyArray<readonly [string, IQueue, string]>;
}

/** A metric of METRIC_NAMESPACE for this stack only. */
export function stackMetric(metricName: string): Metric {
  return new Metric({
    namespace: METRIC_NAMESPACE,
    metricName,
    dimensionsMap: { [STACK_DIMENSION]: Aws.STACK_NAME },
    period: Duration.minutes(5),
    statistic: 'Sum',
  });
}

export function addAlarms(stack: Stack, props: AlarmsProps): Alarm[] {
  const { settings } = props;
  let alarmTopic: ITopic | undefined;
  if (settings.alarmEmail) {
    const topic = new Topic(stack, 'AlarmTopic', { displayName: 'alertmail alarms', enforceSSL: true });
    topic.addSubscription(new EmailSubscription(settings.alarmEmail));
    Validations.of(topic).acknowledge({
      id: 'AwsSolutions-SNS2',
      reason:
        'Alarm notifications carry alarm names only; CloudWatch cannot publish to a topic encrypted with the AWS-managed SNS key, and a customer key would add cost for no secret.',
    });
    alarmTopic = topic;
  } else if (settings.alarmTopicArn) {
    alarmTopic = Topic.fromTopicArn(stack, 'AlarmTopic', settings.alarmTopicArn);
  } else {
    Annotations.of(stack).addWarningV2(
      NO_ALARM_DESTINATION_WARNING,
      `alertmail: the stack's alarms notify nobody (function errors, 5xx to alert senders, failed deliveries, parked CloudWatch events). Set ${CONTEXT_KEYS.alarmEmail}=<address> (a new SNS topic, confirm the subscription mail) or ${CONTEXT_KEYS.alarmTopicArn}=<SNS topic ARN>, e.g. npx cdk deploy -c ${CONTEXT_KEYS.alarmEmail}=oncall@example.com`,
    );
  }
  const alarmAction: IAlarmAction | undefined = alarmTopic ? new SnsAction(alarmTopic) : undefined;

  const alarms: Alarm[] = [];
  const addAlarm = (id: string, alarmDescription: string, metric: Metric): void => {
    const alarm = new Alarm(stack, id, {
      alarmDescription,
      metric,
      threshold: 1,
      evaluationPeriods: 1,
      comparisonOperator: ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
      treatMissingData: TreatMissingData.NOT_BREACHING,
    });
    if (alarmAction) {
      alarm.addAlarmAction(alarmAction);
      alarm.addOkAction(alarmAction);
    }
    alarms.push(alarm);
  };

  for (const [name, fn] of props.functions) {
    addAlarm(
      `${name}ErrorsAlarm`,
      `alertmail: the ${name} function failed (uncaught error or timeout)`,
      fn.fn.metricErrors({ period: Duration.minutes(5), statistic: 'Sum' }),
    );
  }

  // 5xx answered to alert senders (503 DELIVERY_FAILED included), from the access log:
  // cheaper than per-route detailed metrics, and exact to the ingest routes.
  new MetricFilter(stack, 'Ingest5xxFilter', {
    logGroup: props.accessLogs,
    filterPattern: FilterPattern.literal(
      `{ ($.status >= 500) && (${props.ingestRouteKeys.map((key) => `($.routeKey = "${key}")`).join(' || ')}) }`,
    ),
    metricNamespace: METRIC_NAMESPACE,
    metricName: 'Ingest5xx',
    metricValue: '1',
    dimensions: { [STACK_DIMENSION]: '$.stack' },
  });
  addAlarm(
    'Ingest5xxAlarm',
    'alertmail: alert senders got 5xx answers (they retry; mail server or AWS trouble)',
    stackMetric('Ingest5xx'),
  );

  const deliveryMetrics = [
    ['DeliveryFailed', 'DeliveryFailures', DELIVERY_FAILED_FILTERS],
    ['Undeliverable', 'UndeliverableDeliveries', UNDELIVERABLE_FILTERS],
  ] as const;
  for (const [name, fn] of props.deliveringFunctions) {
    for (const [idPart, metricName, filters] of deliveryMetrics) {
      for (const filter of filters) {
        new MetricFilter(stack, `${name}${idPart}${filter.suffix}Filter`, {
          logGroup: fn.logGroup,
          filterPattern: FilterPattern.literal(filter.pattern),
          metricNamespace: METRIC_NAMESPACE,
          metricName,
          metricValue: '1',
          dimensions: { [STACK_DIMENSION]: filter.stackSelector },
        });
      }
    }
  }
  addAlarm(
    'DeliveryFailuresAlarm',
    'alertmail: emails failed to send (see GET /v1/deliveries for the mail server error)',
    stackMetric('DeliveryFailures'),
  );
  addAlarm(
    'UndeliverableAlarm',
    'alertmail: the mail server refused alert emails for good (5xx for the message or every recipient); they wait for the repeat interval (see GET /v1/deliveries, permanent: true)',
    stackMetric('UndeliverableDeliveries'),
  );

  for (const [name, queue, description] of props.failureQueues) {
    addAlarm(
      `${name}Alarm`,
      description,
      queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: 'Maximum' }),
    );
  }
  return alarms;
}
