/**
 * The zod schemas of every alert payload alertmail accepts (see lib/alerts/parse.ts, which
 * detects the format and parses; the schemas describe the payloads for the OpenAPI document too).
 */
import * as z from '../zod';
import { ALERT_LIMITS } from './model';
import { type MapLimits, nameProblem, parseTimestamp } from './payload-rules';

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

/**
 * Builds every payload schema. lib/alerts/parse.ts loads this module and calls it on first use
 * (`payloadSchemas()`): constructing zod schemas, and loading zod at all, costs CPU at a cold start,
 * and the ingest Lambda seldom needs them there, since well-formed payloads take parse.ts's fast path
 * and only an unusual or invalid one falls back to the schemas.
 */
export function buildPayloadSchemas() {
  const TimestampSchema = z
    .string()
    .check(
      z.refine((s) => parseTimestamp(s) !== null, {
        message: 'must be an RFC 3339 timestamp, e.g. 2024-05-01T12:00:00Z',
      }),
    )
    .register(z.globalRegistry, { format: 'date-time' });

  const LabelsSchema = stringMapSchema({
    kind: 'label',
    minCount: 1,
    maxCount: ALERT_LIMITS.maxLabelsPerAlert,
    maxValueLength: ALERT_LIMITS.maxLabelValueLength,
  }).register(z.globalRegistry, {
    description: 'Identifies the alert: its fingerprint is computed from these labels alone.',
  });

  const AnnotationsSchema = stringMapSchema({
    kind: 'annotation',
    minCount: 0,
    maxCount: ALERT_LIMITS.maxAnnotationsPerAlert,
    maxValueLength: ALERT_LIMITS.maxAnnotationValueLength,
  }).register(z.globalRegistry, { description: 'summary, description, runbook_url, …' });

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

  /** One alert of the generic shape; also the alert shape of the Alertmanager and Grafana webhooks. */
  const GenericAlertSchema = z.object({ ...alertFields, status: z.nullish(AlertStatusSchema) });

  const alertsArray = <T extends z.core.SomeType>(alert: T) =>
    z.array(alert).check(z.maxLength(ALERT_LIMITS.maxAlertsPerRequest));

  const GenericAlertsPayloadSchema = z.object({
    alerts: alertsArray(GenericAlertSchema),
  });

  /** `POST /api/v2/alerts` (Alertmanager's `postableAlerts`): no status, resolved when endsAt has passed. */
  const AlertmanagerV2AlertSchema = z.object(alertFields);
  const AlertmanagerV2AlertsSchema = alertsArray(AlertmanagerV2AlertSchema);

  /** Alertmanager's webhook receiver, payload version 4. Its `fingerprint`s are ignored (recomputed). */
  const AlertmanagerWebhookSchema = z.object({
    version: z.literal('4'),
    status: z.nullish(AlertStatusSchema),
    receiver: z.nullish(z.string()),
    alerts: alertsArray(GenericAlertSchema),
  });

  /** Grafana's webhook contact point (unified alerting), payload version 1. */
  const GrafanaWebhookSchema = z.object({
    version: z.literal('1'),
    status: z.nullish(AlertStatusSchema),
    alerts: alertsArray(GenericAlertSchema),
  });

  /** An Amazon SNS HTTP(S) notification; `Message` holds the CloudWatch alarm as a JSON string. */
  const SnsNotificationSchema = z.object({
    Type: z.literal('Notification'),
    Message: z.string(),
    TopicArn: z.nullish(z.string()),
    Subject: z.nullish(z.string()),
  });

  /** Any of the accepted payloads, for the OpenAPI request body. */
  const AlertPayloadSchema = z.union([
    AlertmanagerV2AlertsSchema,
    AlertmanagerWebhookSchema,
    GrafanaWebhookSchema,
    GenericAlertsPayloadSchema,
    SnsNotificationSchema,
  ]);

  return {
    LabelsSchema,
    AnnotationsSchema,
    AlertStatusSchema,
    GenericAlertSchema,
    GenericAlertsPayloadSchema,
    AlertmanagerV2AlertSchema,
    AlertmanagerV2AlertsSchema,
    AlertmanagerWebhookSchema,
    GrafanaWebhookSchema,
    SnsNotificationSchema,
    AlertPayloadSchema,
  };
}

export type PayloadSchemas = ReturnType<typeof buildPayloadSchemas>;
