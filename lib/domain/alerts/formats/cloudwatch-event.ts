/**
 * The EventBridge "CloudWatch Alarm State Change" event: delivered straight to the ingest Lambda by
 * an EventBridge rule (functions/ingest.ts), or posted like any other payload.
 */
import type * as Zod from '../../../zod';
import type { Alert } from '../model';
import {
  alertFromCloudWatchAlarm,
  type Check,
  checkMetrics,
  cloudWatchFields,
  isCloudWatchTimestamp,
  isNonEmpty,
  isStateValue,
  type MetricFields,
  requireTimestamp,
} from './cloudwatch-alarm';
import { objectAt, type PayloadFormat, parseAs, Refused, within } from './format';
import { isNullishString, isRecord } from './rules';
import { lazySchema, parseWith } from './schema';

const DETAIL_TYPE = 'CloudWatch Alarm State Change';

/** EventBridge `detail-type: "CloudWatch Alarm State Change"` (fields alertmail does not use are ignored). */
const schema = lazySchema((z) => {
  const { state, timestamp, nonEmpty, nullishString } = cloudWatchFields();
  const metric = z.object({
    namespace: z.string(),
    name: z.string(),
    dimensions: z.nullish(z.record(z.string(), z.string())),
  });
  return z.object({
    'detail-type': z.literal(DETAIL_TYPE),
    source: z.optional(z.string()),
    account: nonEmpty,
    region: nonEmpty,
    detail: z.object({
      alarmName: nonEmpty,
      state: z.object({ value: state, reason: nullishString, timestamp }),
      previousState: z.nullish(z.object({ value: z.string(), timestamp: z.nullish(timestamp) })),
      configuration: z.nullish(
        z.object({
          description: nullishString,
          metrics: z.nullish(
            z.array(z.object({ expression: nullishString, metricStat: z.nullish(z.object({ metric })) })),
          ),
        }),
      ),
    }),
  });
});

export type CloudWatchAlarmStateChangeEvent = Zod.infer<ReturnType<typeof schema>>;

/** The alert of a checked event (the schema's output, or the body itself once the fast path checked it). */
function toAlert(e: CloudWatchAlarmStateChangeEvent, now: Date): Alert {
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

/** The schema's rules by hand, in its order: true, the first offending field, or undefined (not sure). */
function checkEvent(e: Record<string, unknown>): Check {
  if (e['detail-type'] !== DETAIL_TYPE) return new Refused(['detail-type']);
  if (e.source !== undefined && typeof e.source !== 'string') return new Refused(['source']);
  if (!isNonEmpty(e.account)) return new Refused(['account']);
  if (!isNonEmpty(e.region)) return new Refused(['region']);
  const detail = objectAt(e.detail, ['detail']);
  if (detail === undefined || detail instanceof Refused) return detail;
  if (!isNonEmpty(detail.alarmName)) return new Refused(['detail', 'alarmName']);
  const state = objectAt(detail.state, ['detail', 'state']);
  if (state === undefined || state instanceof Refused) return state;
  if (!isStateValue(state.value)) return new Refused(['detail', 'state', 'value']);
  if (!isNullishString(state.reason)) return new Refused(['detail', 'state', 'reason']);
  if (!isCloudWatchTimestamp(state.timestamp)) return new Refused(['detail', 'state', 'timestamp']);
  if (detail.previousState != null) {
    const previous = objectAt(detail.previousState, ['detail', 'previousState']);
    if (previous === undefined || previous instanceof Refused) return previous;
    if (typeof previous.value !== 'string') return new Refused(['detail', 'previousState', 'value']);
    if (previous.timestamp != null && !isCloudWatchTimestamp(previous.timestamp))
      return new Refused(['detail', 'previousState', 'timestamp']);
  }
  if (detail.configuration == null) return true;
  const configuration = objectAt(detail.configuration, ['detail', 'configuration']);
  if (configuration === undefined || configuration instanceof Refused) return configuration;
  if (!isNullishString(configuration.description)) return new Refused(['detail', 'configuration', 'description']);
  return within(checkMetrics(configuration.metrics, EVENT_METRIC), 'detail', 'configuration', 'metrics');
}

/** `z.nullish(z.record(z.string(), z.string()))`; a `__proto__` or symbol key (the record drops them) is not sure. */
function checkDimensions(d: unknown): Check {
  if (d == null) return true;
  const dimensions = objectAt(d, []);
  if (dimensions === undefined || dimensions instanceof Refused) return dimensions;
  if (Object.hasOwn(dimensions, '__proto__') || Object.getOwnPropertySymbols(dimensions).length !== 0) return undefined;
  for (const name of Object.keys(dimensions)) if (typeof dimensions[name] !== 'string') return new Refused([name]);
  return true;
}

const EVENT_METRIC: MetricFields = {
  expression: 'expression',
  metricStat: 'metricStat',
  metric: 'metric',
  names: ['namespace', 'name'],
  dimensions: 'dimensions',
  checkDimensions,
};

export const cloudwatchEvent: PayloadFormat = {
  name: 'cloudwatch-event',
  source: 'cloudwatch',
  schema,

  matches: (body) => isRecord(body) && body['detail-type'] === DETAIL_TYPE,

  parse(body, now) {
    const event = objectAt(body, []);
    if (event === undefined || event instanceof Refused) return event;
    const check = checkEvent(event);
    return check === true ? [toAlert(event as CloudWatchAlarmStateChangeEvent, now)] : check;
  },

  parseWithSchema: (body, now) => [toAlert(parseWith(schema(), body, '', 'CloudWatch alarm event'), now)],
};

/** The EventBridge rule's event, delivered straight to the ingest Lambda. Throws ValidationError. */
export function alertFromCloudWatchEvent(event: unknown, now: Date): Alert {
  const [alert] = parseAs(cloudwatchEvent, event, now);
  if (!alert) throw new Error('unreachable: a CloudWatch event is one alert');
  return alert;
}
