import { fingerprint } from '../../lib/domain/alerts/fingerprint';
import {
  alertFromCloudWatchAlarm,
  cloudWatchConsoleUrl,
  parseCloudWatchTimestamp,
  sanitizeLabelName,
} from '../../lib/domain/alerts/formats/cloudwatch-alarm';
import { alertFromCloudWatchEvent } from '../../lib/domain/alerts/formats/cloudwatch-event';
import { alertFromCloudWatchSnsMessage } from '../../lib/domain/alerts/formats/cloudwatch-sns';
import { ALERT_LIMITS } from '../../lib/domain/alerts/model';
import { parseAlertPayload } from '../../lib/domain/alerts/parse';
import { ValidationError } from '../../lib/errors';
import {
  type CloudWatchAlarmStateChangeEvent,
  type CloudWatchSnsAlarmMessage,
  clone,
  cloudwatchEvent,
  cloudwatchSns,
  cloudwatchSnsMessage,
} from '../fixtures';

const NOW = new Date('2019-10-02T17:05:00Z');

const EXPECTED_LABELS = {
  alertname: 'ServerCpuTooHigh',
  region: 'us-east-1',
  account: '123456789012',
  namespace: 'AWS/EC2',
  metric: 'CPUUtilization',
  InstanceId: 'i-12345678901234567',
};

function refusal(act: () => unknown): ValidationError {
  try {
    act();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, but the input was accepted');
}

/** The fixture alarm going ALARM → OK, as EventBridge reports it. */
function okEvent(): CloudWatchAlarmStateChangeEvent {
  const event = clone(cloudwatchEvent);
  event.detail.previousState = { ...event.detail.state };
  event.detail.state = {
    value: 'OK',
    reason:
      'Threshold Crossed: 1 out of the last 1 datapoints [3.2 (02/10/19 17:20:00)] was not greater than the threshold (50.0).',
    timestamp: '2019-10-02T17:25:40.123+0000',
  };
  return event;
}

/** A metric-math alarm: two metrics and an expression. */
function mathEvent(): CloudWatchAlarmStateChangeEvent {
  const event = clone(cloudwatchEvent);
  const [cpu] = event.detail.configuration.metrics;
  if (!cpu) throw new Error('fixture has no metric');
  event.detail.configuration.metrics = [
    { ...cpu, id: 'm1', returnData: false },
    { ...cpu, id: 'm2', returnData: false },
    { id: 'e1', expression: 'm1 + m2', returnData: true },
  ];
  return event;
}

describe('alertFromCloudWatchEvent (EventBridge)', () => {
  it('maps the fixture alarm: stable labels, firing since the state change, console link', () => {
    // Act
    const alert = alertFromCloudWatchEvent(cloudwatchEvent, NOW);
    // Assert
    expect(alert).toEqual({
      fingerprint: fingerprint(EXPECTED_LABELS),
      labels: EXPECTED_LABELS,
      annotations: {
        summary: 'Goes into alarm when server CPU utilization is too high!',
        description: cloudwatchEvent.detail.state.reason,
        cloudwatch_state: 'ALARM',
      },
      status: 'firing',
      startsAt: new Date('2019-10-02T17:04:40.989Z'),
      generatorURL:
        'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/ServerCpuTooHigh',
      source: 'cloudwatch',
    });
  });

  it('resolves on OK: endsAt = the state change, startsAt = when it went into ALARM, same fingerprint', () => {
    const firing = alertFromCloudWatchEvent(cloudwatchEvent, NOW);
    const resolved = alertFromCloudWatchEvent(okEvent(), NOW);
    expect(resolved.status).toBe('resolved');
    expect(resolved.endsAt).toEqual(new Date('2019-10-02T17:25:40.123Z'));
    expect(resolved.startsAt).toEqual(new Date('2019-10-02T17:04:40.989Z'));
    expect(resolved.annotations.cloudwatch_state).toBe('OK');
    expect(resolved.fingerprint).toBe(firing.fingerprint);
  });

  it('keeps INSUFFICIENT_DATA firing, with a note saying so, same fingerprint', () => {
    // Arrange
    const event = clone(cloudwatchEvent);
    event.detail.state = {
      value: 'INSUFFICIENT_DATA',
      reason: 'Insufficient Data: 1 datapoint was unknown.',
      timestamp: '2019-10-02T17:10:00.000+0000',
    };
    // Act
    const alert = alertFromCloudWatchEvent(event, NOW);
    // Assert
    expect(alert.status).toBe('firing');
    expect(alert.endsAt).toBeUndefined();
    expect(alert.annotations.note).toMatch(/insufficient data/i);
    expect(alert.annotations.cloudwatch_state).toBe('INSUFFICIENT_DATA');
    expect(alert.fingerprint).toBe(fingerprint(EXPECTED_LABELS));
  });

  it('builds the summary from the reason when the alarm has no description', () => {
    const event = clone(cloudwatchEvent);
    delete event.detail.configuration.description;
    const alert = alertFromCloudWatchEvent(event, NOW);
    expect(alert.annotations.summary).toBe(
      `CloudWatch alarm ServerCpuTooHigh is in ALARM: ${cloudwatchEvent.detail.state.reason}`,
    );
    expect(alert.annotations.description).toBe(cloudwatchEvent.detail.state.reason);
  });

  it('labels a metric-math alarm without namespace, metric or dimensions', () => {
    const alert = alertFromCloudWatchEvent(mathEvent(), NOW);
    expect(alert.labels).toEqual({ alertname: 'ServerCpuTooHigh', region: 'us-east-1', account: '123456789012' });
  });

  it('sanitizes dimension names and keeps them from overwriting the alarm labels', () => {
    // Arrange
    const event = clone(cloudwatchEvent);
    const metric = event.detail.configuration.metrics[0]?.metricStat?.metric;
    if (!metric) throw new Error('fixture has no metric');
    metric.dimensions = { 'Load-Balancer.Name': 'lb-1', '9lives': 'cat', region: 'eu-west-1' };
    // Act
    const { labels } = alertFromCloudWatchEvent(event, NOW);
    // Assert
    expect(labels).toEqual({
      alertname: 'ServerCpuTooHigh',
      region: 'us-east-1',
      account: '123456789012',
      namespace: 'AWS/EC2',
      metric: 'CPUUtilization',
      Load_Balancer_Name: 'lb-1',
      _9lives: 'cat',
      dimension_region: 'eu-west-1',
    });
  });

  it.each([
    [
      'detail-type',
      (e: Record<string, unknown>) => ({ ...e, 'detail-type': 'EC2 Instance State-change Notification' }),
    ],
    [
      'detail.alarmName',
      (e: Record<string, unknown>) => ({ ...e, detail: { ...cloudwatchEvent.detail, alarmName: '' } }),
    ],
    [
      'detail.state.value',
      (e: Record<string, unknown>) => ({
        ...e,
        detail: { ...cloudwatchEvent.detail, state: { ...cloudwatchEvent.detail.state, value: 'ALERTING' } },
      }),
    ],
    [
      'detail.state.timestamp',
      (e: Record<string, unknown>) => ({
        ...e,
        detail: { ...cloudwatchEvent.detail, state: { ...cloudwatchEvent.detail.state, timestamp: '02/10/19 17:04' } },
      }),
    ],
    ['region', (e: Record<string, unknown>) => ({ ...e, region: undefined })],
  ])('refuses a bad event, naming %s', (field, mutate) => {
    const e = refusal(() => alertFromCloudWatchEvent(mutate({ ...cloudwatchEvent }), NOW));
    expect(e.details.map((d) => d.field)).toEqual([field]);
  });
});

describe('alertFromCloudWatchSnsMessage', () => {
  it('gives the same alert as EventBridge for the same alarm state change', () => {
    // Act
    const viaSns = alertFromCloudWatchSnsMessage(cloudwatchSnsMessage, NOW);
    const viaEventBridge = alertFromCloudWatchEvent(cloudwatchEvent, NOW);
    // Assert
    expect(viaSns.labels).toEqual(EXPECTED_LABELS);
    expect(viaSns.fingerprint).toBe(viaEventBridge.fingerprint);
    expect(viaSns).toEqual(viaEventBridge);
  });

  it('takes the region code from AlarmArn, not the long Region name', () => {
    expect(cloudwatchSnsMessage.Region).toBe('US East (N. Virginia)');
    expect(alertFromCloudWatchSnsMessage(cloudwatchSnsMessage, NOW).labels.region).toBe('us-east-1');
  });

  it('resolves on OK with the same fingerprint', () => {
    const message: CloudWatchSnsAlarmMessage = {
      ...clone(cloudwatchSnsMessage),
      NewStateValue: 'OK',
      OldStateValue: 'ALARM',
      StateChangeTime: '2019-10-02T17:25:40.123+0000',
    };
    const alert = alertFromCloudWatchSnsMessage(message, NOW);
    expect(alert.status).toBe('resolved');
    expect(alert.endsAt).toEqual(new Date('2019-10-02T17:25:40.123Z'));
    expect(alert.fingerprint).toBe(fingerprint(EXPECTED_LABELS));
  });

  it('matches EventBridge for a metric-math alarm too (Trigger.Metrics)', () => {
    const message = {
      ...clone(cloudwatchSnsMessage),
      Trigger: {
        Metrics: [
          {
            Id: 'm1',
            ReturnData: false,
            MetricStat: {
              Metric: {
                MetricName: 'CPUUtilization',
                Namespace: 'AWS/EC2',
                Dimensions: [{ value: 'i-1', name: 'InstanceId' }],
              },
              Period: 300,
              Stat: 'Average',
            },
          },
          { Id: 'e1', Expression: 'm1 * 2', ReturnData: true },
        ],
      },
    };
    const viaSns = alertFromCloudWatchSnsMessage(message, NOW);
    expect(viaSns.fingerprint).toBe(alertFromCloudWatchEvent(mathEvent(), NOW).fingerprint);
  });

  it('names bad fields under the given root', () => {
    const e = refusal(() => alertFromCloudWatchSnsMessage({ ...cloudwatchSnsMessage, NewStateValue: 'FIRE' }, NOW));
    expect(e.details.map((d) => d.field)).toEqual(['Message.NewStateValue']);
  });

  it('is what the SNS envelope parses into', () => {
    expect(parseAlertPayload(cloudwatchSns, NOW).alerts).toEqual([
      alertFromCloudWatchSnsMessage(cloudwatchSnsMessage, NOW),
    ]);
  });
});

describe('alertFromCloudWatchAlarm', () => {
  it('truncates what AWS allows beyond our limits instead of refusing the alarm', () => {
    const alert = alertFromCloudWatchAlarm(
      {
        name: 'A',
        account: '1',
        region: 'us-east-1',
        state: 'ALARM',
        reason: 'r'.repeat(ALERT_LIMITS.maxAnnotationValueLength + 10),
        stateChangedAt: NOW,
        metric: {
          namespace: 'N',
          name: 'M',
          dimensions: { ['d'.repeat(255)]: 'v'.repeat(ALERT_LIMITS.maxLabelValueLength + 1) },
        },
      },
      NOW,
    );
    const dimension = Object.entries(alert.labels).find(([k]) => k.startsWith('d'));
    expect(dimension?.[0]).toHaveLength(ALERT_LIMITS.maxLabelNameLength);
    expect(dimension?.[1]).toHaveLength(ALERT_LIMITS.maxLabelValueLength);
    expect(alert.annotations.description).toHaveLength(ALERT_LIMITS.maxAnnotationValueLength);
  });
});

describe('helpers', () => {
  it.each([
    [
      'us-east-1',
      'ServerCpuTooHigh',
      'https://us-east-1.console.aws.amazon.com/cloudwatch/home?region=us-east-1#alarmsV2:alarm/ServerCpuTooHigh',
    ],
    [
      'eu-west-1',
      'api 5xx / high',
      'https://eu-west-1.console.aws.amazon.com/cloudwatch/home?region=eu-west-1#alarmsV2:alarm/api%205xx%20%2F%20high',
    ],
    ['cn-north-1', 'A', 'https://cn-north-1.console.amazonaws.cn/cloudwatch/home?region=cn-north-1#alarmsV2:alarm/A'],
    [
      'us-gov-west-1',
      'A',
      'https://console.amazonaws-us-gov.com/cloudwatch/home?region=us-gov-west-1#alarmsV2:alarm/A',
    ],
  ])('console URL for %s / %s', (region, name, url) => {
    expect(cloudWatchConsoleUrl(region, name)).toBe(url);
  });

  it.each([
    ['InstanceId', 'InstanceId'],
    ['Load-Balancer.Name', 'Load_Balancer_Name'],
    ['9lives', '_9lives'],
    ['', '_'],
    ['élan', '_lan'],
  ])('sanitizes label name %j to %j', (input, output) => {
    expect(sanitizeLabelName(input)).toBe(output);
  });

  it.each([
    ['2019-10-02T17:04:40.989+0000', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T17:04:40+0000', '2019-10-02T17:04:40.000Z'],
    ['2019-10-02T17:04:40.989Z', '2019-10-02T17:04:40.989Z'],
    ['2019-10-02T19:04:40.989+02:00', '2019-10-02T17:04:40.989Z'],
  ])('parses CloudWatch timestamp %s', (input, iso) => {
    expect(parseCloudWatchTimestamp(input)?.toISOString()).toBe(iso);
  });

  it.each(['02/10/19 17:04', '2019-02-30T00:00:00.000+0000', '2019-10-02T17:04:40.989'])(
    'refuses CloudWatch timestamp %j',
    (input) => {
      expect(parseCloudWatchTimestamp(input)).toBeUndefined();
    },
  );
});
