/**
 * The alert of the Prometheus family of formats (Alertmanager webhook, Alertmanager API v2, Grafana,
 * generic): `{labels, annotations, status, startsAt, endsAt, generatorURL}`, its schema and its fast
 * path side by side, and the one mapping to the alert model. The fast path checks the rules in the
 * order the schema reports them, so a refusal names the field the schema's first issue names.
 */

import type * as Zod from '../../../zod';
import { fingerprint } from '../fingerprint';
import { ALERT_LIMITS, type Alert, type AlertSource, type AlertStatus, type Labels } from '../model';
import { type FastVerdict, objectAt, type PayloadFormat, Refused, within } from './format';
import {
  ANNOTATION_LIMITS,
  isGoZeroTime,
  isPlainObject,
  isRecord,
  LABEL_LIMITS,
  type MapLimits,
  nameProblem,
  parseTimestamp,
} from './rules';
import { lazySchema, parseWith, refusal } from './schema';

// ---------------------------------------------------------------------------------------------
// The schema

/** The family's schemas, built on first use (lib/domain/alerts/formats/format.ts `lazySchema`). */
export const alertSchemas = lazySchema((z) => {
  /**
   * A `{name: value}` map of strings with the limits of its kind. Values may hold anything (they are
   * escaped where they are rendered); names are bounded and free of control characters.
   */
  const stringMapSchema = ({ kind, minCount, maxCount, maxValueLength }: MapLimits) => {
    // zod drops a `__proto__` key silently; refuse it instead of fingerprinting a different set.
    // (What classic zod's `z.preprocess` is: a transform piped into the schema; an issue stops the pipe.)
    const refuseProtoKey = (input: unknown, payload: Zod.core.ParsePayload): unknown => {
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
  };

  const TimestampSchema = z
    .string()
    .check(
      z.refine((s) => parseTimestamp(s) !== null, {
        message: 'must be an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
      }),
    )
    .register(z.globalRegistry, { format: 'date-time' });

  const LabelsSchema = stringMapSchema(LABEL_LIMITS).register(z.globalRegistry, {
    description: 'Identifies the alert: its fingerprint is computed from these labels alone.',
  });

  const AnnotationsSchema = stringMapSchema(ANNOTATION_LIMITS).register(z.globalRegistry, {
    description: 'summary, description, runbook_url, …',
  });

  const AlertStatusSchema = z.enum(['firing', 'resolved']);

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

  /** One alert of the generic shape; also the alert of the Alertmanager and Grafana webhooks. */
  const GenericAlertSchema = z.object({ ...alertFields, status: z.nullish(AlertStatusSchema) });

  /** The alert list of a payload, at most ALERT_LIMITS.maxAlertsPerRequest long. */
  const alertsArray = <T extends Zod.core.SomeType>(alert: T) =>
    z.array(alert).check(z.maxLength(ALERT_LIMITS.maxAlertsPerRequest));

  return {
    LabelsSchema,
    AnnotationsSchema,
    AlertStatusSchema,
    GenericAlertSchema,
    /** One alert of `POST /api/v2/alerts` (Alertmanager's `postableAlert`): no status. */
    AlertmanagerV2AlertSchema: z.object(alertFields),
    alertsArray,
    /** The alert list of a webhook or of the generic shape. */
    GenericAlertsSchema: alertsArray(GenericAlertSchema),
  };
});

type RawAlert = Zod.infer<ReturnType<typeof alertSchemas>['GenericAlertSchema']>;

// ---------------------------------------------------------------------------------------------
// The fast path: zod costs ~10 % of the runtime's CPU on steady Prometheus re-posts

/**
 * The fast path over a payload's alert list: the alerts, a refusal with its path below the list, or
 * undefined (not sure). `withStatus` false: the API v2 alert has no status, its `status` is not read.
 */
export function fastAlerts(items: unknown, source: AlertSource, now: Date, withStatus: boolean): FastVerdict {
  if (!Array.isArray(items) || items.length > ALERT_LIMITS.maxAlertsPerRequest) return new Refused([]);
  const alerts: Alert[] = [];
  for (let i = 0; i < items.length; i++) {
    const raw = wellFormedAlert(items[i], withStatus);
    if (raw === undefined || raw instanceof Refused) return within(raw, i);
    alerts.push(toAlert(raw, source, now));
  }
  return alerts;
}

/** `GenericAlertSchema`'s output for `item`, checked field by field in the schema's order. */
function wellFormedAlert(item: unknown, withStatus: boolean): RawAlert | Refused | undefined {
  const alert = objectAt(item, []);
  if (alert === undefined || alert instanceof Refused) return alert;
  const { annotations, startsAt, endsAt, generatorURL } = alert;
  const status = withStatus ? alert.status : undefined;
  const labels = wellFormedMap(alert.labels, LABEL_LIMITS);
  if (labels === undefined || labels instanceof Refused) return within(labels, 'labels');
  const annotationMap = annotations == null ? annotations : wellFormedMap(annotations, ANNOTATION_LIMITS);
  if (annotationMap instanceof Refused) return annotationMap.under('annotations');
  if (annotationMap === undefined && annotations !== undefined) return undefined;
  if (!isNullishTimestamp(startsAt)) return new Refused(['startsAt']);
  if (!isNullishTimestamp(endsAt)) return new Refused(['endsAt']);
  if (!(generatorURL == null || (typeof generatorURL === 'string' && generatorURL.length <= ALERT_LIMITS.maxUrlLength)))
    return new Refused(['generatorURL']);
  if (!isNullishStatus(status)) return new Refused(['status']);
  return { labels, annotations: annotationMap, startsAt, endsAt, generatorURL, status };
}

/**
 * A copy of a map that `stringMapSchema(limits)` accepts, as it returns it. Refused where its first
 * issue would be: `__proto__` (the pipe's first step), a value's type (the record's own parse; its
 * checks run only when that passed), the count, then each name and value in order.
 */
function wellFormedMap(map: unknown, limits: MapLimits): Record<string, string> | Refused | undefined {
  const object = objectAt(map, []);
  if (object === undefined || object instanceof Refused) return object;
  if (Object.hasOwn(object, '__proto__')) return new Refused([]);
  if (Object.getOwnPropertySymbols(object).length !== 0) return undefined;
  // Own enumerable properties in key order, as the record schema copies them (and faster than one by one).
  const copy: Record<string, unknown> = { ...object };
  const names = Object.keys(copy);
  for (const name of names) if (typeof copy[name] !== 'string') return new Refused([name]);
  if (names.length < limits.minCount || names.length > limits.maxCount) return new Refused([]);
  for (const name of names) {
    if (nameProblem(limits.kind, name) !== undefined) return new Refused([]);
    if ((copy[name] as string).length > limits.maxValueLength) return new Refused([name]);
  }
  return copy as Record<string, string>;
}

function isNullishStatus(v: unknown): v is AlertStatus | null | undefined {
  return v == null || v === 'firing' || v === 'resolved';
}

function isNullishTimestamp(v: unknown): v is string | null | undefined {
  return v == null || (typeof v === 'string' && parseTimestamp(v) !== null);
}

/** The status of an envelope (webhooks): as an alert's, nullish or `firing` / `resolved`. */
export const isEnvelopeStatus = isNullishStatus;

// ---------------------------------------------------------------------------------------------
// Both paths end here

/** The alert model of a checked alert: `now` decides what "already ended" means and is the default start. */
export function toAlert(raw: RawAlert, source: AlertSource, now: Date): Alert {
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

/** Before the schema: a list over the limit is refused by its length alone, not item by item. */
export function refuseTooMany(items: unknown, field: string): void {
  if (Array.isArray(items) && items.length > ALERT_LIMITS.maxAlertsPerRequest) {
    throw refusal(field, `at most ${ALERT_LIMITS.maxAlertsPerRequest} alerts per request, got ${items.length}`);
  }
}

/**
 * A format whose alerts are the `alerts` list of an envelope object (the webhooks, the generic
 * shape): `checkEnvelope` checks the envelope's other fields in the schema's order.
 */
export function envelopeFormat(spec: {
  name: string;
  source: AlertSource;
  schema: () => Zod.ZodMiniType<{ alerts: RawAlert[] }>;
  /** What the refusal calls it: `Invalid ${what}: …`. */
  what: string;
  matches: (body: Record<string, unknown>) => boolean;
  checkEnvelope: (body: Record<string, unknown>) => Refused | undefined;
}): PayloadFormat {
  const { name, source, schema, what } = spec;
  return {
    name,
    source,
    schema,
    matches: (body) => isRecord(body) && 'alerts' in body && spec.matches(body),
    parse(body, now) {
      if (!isPlainObject(body)) return undefined;
      const envelope = spec.checkEnvelope(body);
      if (envelope) return envelope;
      return within(fastAlerts(body.alerts, source, now, true), 'alerts');
    },
    parseWithSchema(body, now) {
      refuseTooMany(isRecord(body) ? body.alerts : undefined, 'alerts');
      return parseWith(schema(), body, '', what).alerts.map((a) => toAlert(a, source, now));
    },
  };
}
