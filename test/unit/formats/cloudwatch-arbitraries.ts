/**
 * fast-check generators of CloudWatch alarm payloads (the EventBridge event, the SNS notification and
 * its alarm message), built from the captured fixtures: valid ones vary every field the formats read
 * within what CloudWatch sends; `mutated` then breaks any field (wrong type, removed, out-of-range
 * timestamp, oversized text) of a valid one.
 */
import fc from 'fast-check';
import { ALERT_LIMITS } from '../../../lib/domain/alerts/model';
import {
  type CloudWatchAlarmStateChangeEvent,
  type CloudWatchSnsAlarmMessage,
  cloudwatchEvent,
  cloudwatchSns,
  cloudwatchSnsMessage,
} from '../../fixtures';
import { anyString, clone, pad, wrongType } from './arbitraries';

const text = fc.oneof(
  { weight: 6, arbitrary: anyString },
  { weight: 1, arbitrary: fc.constantFrom('', ' ', 'ServerCpuTooHigh', 'a:b:c:d:e') },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      pad('n', ALERT_LIMITS.maxLabelValueLength + 1),
      pad('r', ALERT_LIMITS.maxAnnotationValueLength + 1),
    ),
  },
);
const nonEmptyText = text.filter((s) => s !== '');
const stateValue = fc.constantFrom('ALARM', 'OK', 'INSUFFICIENT_DATA');

/** CloudWatch spellings (`+0000`, `Z`, `+02:00`) of real instants, and a few that are none. */
export const cloudWatchTimestamp = fc.oneof(
  {
    weight: 8,
    arbitrary: fc
      .tuple(
        fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2099-12-31T23:59:59Z'), noInvalidDate: true }),
        fc.constantFrom('+0000', 'Z', '+00:00'),
      )
      .map(([d, zone]) => d.toISOString().replace('Z', zone)),
  },
  {
    weight: 1,
    arbitrary: fc.constantFrom(
      '2019-10-01T15:56:40.987+0200',
      '2019-02-30T00:00:00.000+0000',
      '2019-10-02T25:04:40.989+0000',
      '2019-10-02T17:04:40.989',
      '2019-10-02t17:04:40.989Z',
      '2019-10-02 17:04:40.989Z',
      '02/10/19 17:04',
      '',
    ),
  },
);

/** `value` or, at random, null or nothing (the key removed by `withoutUndefined`). */
const nullish = <T>(value: fc.Arbitrary<T>) => fc.oneof(value, fc.constant(null), fc.constant(undefined));

/** JSON has no undefined: the runtime sees those keys absent. */
function json<T>(value: T): T {
  return clone(value);
}

const eventDimensions = fc.dictionary(fc.oneof(nonEmptyText, fc.constantFrom('InstanceId', 'alertname')), text, {
  maxKeys: 4,
});

const eventMetric = fc.record(
  {
    id: fc.string(),
    expression: nullish(text),
    metricStat: nullish(
      fc.record({
        metric: fc.record(
          { namespace: text, name: text, dimensions: nullish(eventDimensions) },
          { requiredKeys: ['namespace', 'name'] },
        ),
        period: fc.integer(),
        stat: fc.string(),
      }),
    ),
    returnData: fc.boolean(),
  },
  { requiredKeys: ['id'] },
);

const eventState = fc.record({ value: stateValue, reason: nullish(text), timestamp: cloudWatchTimestamp });

/** EventBridge "CloudWatch Alarm State Change" events, as CloudWatch could send them. */
export const validCloudWatchEvent = fc
  .record({
    account: nonEmptyText,
    region: fc.oneof(fc.constantFrom('us-east-1', 'cn-north-1', 'us-gov-west-1', 'eu-central-1'), nonEmptyText),
    alarmName: nonEmptyText,
    state: eventState,
    previousState: nullish(
      fc.record(
        { value: fc.oneof(stateValue, text), timestamp: nullish(cloudWatchTimestamp) },
        { requiredKeys: ['value'] },
      ),
    ),
    configuration: nullish(
      fc.record({ description: nullish(text), metrics: nullish(fc.array(eventMetric, { maxLength: 3 })) }),
    ),
  })
  .map(({ account, region, alarmName, state, previousState, configuration }) => {
    const event = clone(cloudwatchEvent) as unknown as Record<string, unknown>;
    return json({
      ...event,
      account,
      region,
      detail: { alarmName, state, previousState, configuration },
    } as unknown as CloudWatchAlarmStateChangeEvent);
  });

const snsDimensions = fc.array(fc.record({ name: text, value: text }), { maxLength: 3 });

const snsMetric = fc.record({
  Id: fc.string(),
  Expression: nullish(text),
  MetricStat: nullish(
    fc.record({
      Metric: fc.record(
        { MetricName: text, Namespace: text, Dimensions: nullish(snsDimensions) },
        { requiredKeys: ['MetricName', 'Namespace'] },
      ),
      Period: fc.integer(),
    }),
  ),
});

/** The alarm messages CloudWatch publishes to SNS, as it could publish them. */
export const validCloudWatchSnsMessage = fc
  .record({
    AlarmName: nonEmptyText,
    AlarmDescription: nullish(text),
    AWSAccountId: nonEmptyText,
    NewStateValue: stateValue,
    NewStateReason: nullish(text),
    StateChangeTime: cloudWatchTimestamp,
    Region: nullish(text),
    AlarmArn: nullish(
      fc.oneof(
        fc.constantFrom(cloudwatchSnsMessage.AlarmArn, 'arn:aws-cn:cloudwatch:cn-north-1:1:alarm:x', 'arn:aws'),
        text,
      ),
    ),
    OldStateValue: nullish(fc.oneof(stateValue, text)),
    Trigger: nullish(
      fc.record({
        MetricName: nullish(text),
        Namespace: nullish(text),
        Dimensions: nullish(snsDimensions),
        Metrics: nullish(fc.array(snsMetric, { maxLength: 3 })),
        Period: fc.integer(),
      }),
    ),
  })
  .map((fields) => json({ ...clone(cloudwatchSnsMessage), ...fields } as unknown as CloudWatchSnsAlarmMessage));

/** SNS notifications carrying a valid alarm message. */
export const validCloudWatchSns = fc
  .tuple(validCloudWatchSnsMessage, nullish(text), nullish(text))
  .map(([message, TopicArn, Subject]) =>
    json({ ...clone(cloudwatchSns), TopicArn, Subject, Message: JSON.stringify(message) }),
  );

/** Every path in `value` (objects and arrays), the root excluded. */
function pathsOf(value: unknown, prefix: Array<string | number> = []): Array<Array<string | number>> {
  if (value === null || typeof value !== 'object') return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const path = [...prefix, Array.isArray(value) ? Number(key) : key];
    return [path, ...pathsOf(child, path)];
  });
}

const REMOVE = Symbol('remove');
const replacement = fc.oneof(
  wrongType,
  text,
  cloudWatchTimestamp,
  fc.constantFrom('ALARM', 'alarm', 'Notification', 'SubscriptionConfirmation', '{', '{}', '[]', REMOVE),
);

/**
 * `valid` with one to three fields, anywhere in it, replaced by a wrong or odd value, or removed. Half
 * the picks are among the objects only (an object emptied loses all its required fields at once, which
 * shows whether both paths report the first in the same order).
 */
export function mutated<T>(valid: fc.Arbitrary<T>): fc.Arbitrary<T> {
  return fc
    .tuple(valid, fc.array(fc.tuple(fc.nat(), fc.boolean(), replacement), { minLength: 1, maxLength: 3 }))
    .map(([body, changes]) => {
      const copy = clone(body) as unknown;
      for (const [pick, objectsOnly, value] of changes) {
        const all = pathsOf(copy);
        const objects = all.filter((p) => typeof valueAt(copy, p) === 'object');
        const paths = objectsOnly && objects.length > 0 ? objects : all;
        const path = paths[pick % Math.max(1, paths.length)];
        if (!path) break;
        const target = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
        const key = path[path.length - 1] as string | number;
        if (value === REMOVE) delete target[key];
        else target[key] = structuredClone(value); // fast-check's constants are shared: never mutate them
      }
      return copy as T;
    });
}

function valueAt(root: unknown, path: ReadonlyArray<string | number>): unknown {
  return path.reduce<unknown>((node, key) => (node as Record<string | number, unknown>)[key], root);
}

/** SNS notifications whose `Message` (the alarm message, as JSON) is mutated. */
export const snsWithMutatedMessage = mutated(validCloudWatchSnsMessage).map((message) =>
  json({ ...clone(cloudwatchSns), Message: JSON.stringify(message) }),
);

/** Strings an SNS `Message` may hold that are no alarm message: not JSON, JSON of another kind. */
export const oddSnsMessage = fc
  .constantFrom('', 'not json', '{"AlarmName":', 'null', '[]', '42', '"ALARM"', '{}')
  .map((Message) => json({ ...clone(cloudwatchSns), Message }));
