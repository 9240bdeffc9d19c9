/**
 * Every alert payload alertmail accepts: the formats under lib/domain/alerts/formats/, tried in this order,
 * each recognised by its shape; the first that matches parses the body (its fast path, then its
 * schema to word a refusal). A body no format matches is refused with the list of accepted formats.
 */
import { ValidationError } from '../../errors';
import { alertmanagerV2 } from './formats/alertmanager-v2';
import { alertmanagerWebhook } from './formats/alertmanager-webhook';
import { cloudwatchEvent } from './formats/cloudwatch-event';
import { cloudwatchSns, cloudwatchSnsRaw } from './formats/cloudwatch-sns';
import { type PayloadFormat, parseAs } from './formats/format';
import { generic } from './formats/generic';
import { grafana } from './formats/grafana';
import { isRecord } from './formats/rules';
import { lazySchema } from './formats/schema';
import type { Alert, AlertSource } from './model';

export { fastPathStats } from './formats/format';

/** In the order they are tried: the first whose `matches` holds parses the body. */
export const PAYLOAD_FORMATS: readonly PayloadFormat[] = [
  alertmanagerV2, // a JSON array
  cloudwatchSns, // `Type`
  cloudwatchEvent, // `detail-type`
  cloudwatchSnsRaw, // `AlarmName` and `NewStateValue`
  alertmanagerWebhook, // `alerts`, `version: "4"`
  grafana, // `alerts`, `version: "1"` and a Grafana envelope field
  generic, // `alerts`
];

export interface ParsedAlerts {
  format: AlertSource;
  alerts: Alert[];
}

export const ACCEPTED_FORMATS =
  'an Alertmanager webhook (version "4"), a Prometheus / Alertmanager API v2 alert array, ' +
  'a Grafana webhook contact point (version "1"), the generic {"alerts": [{"labels": {...}}]}, ' +
  'an SNS notification carrying a CloudWatch alarm, or a CloudWatch Alarm State Change event';

/** Any of the payloads posted over HTTP, for a JSON Schema of the request body (built on first use). */
export const alertPayloadSchema = lazySchema((z) =>
  z.union([
    alertmanagerV2.schema(),
    alertmanagerWebhook.schema(),
    grafana.schema(),
    generic.schema(),
    cloudwatchSns.schema(),
  ]),
);

/**
 * Detects the format of `body` (already JSON-decoded) and parses it into alerts. `now` decides
 * what "already ended" means and is the default start. Throws ValidationError (400) naming the
 * offending field, or listing the accepted formats when the shape is none of them.
 */
export function parseAlertPayload(body: unknown, now: Date): ParsedAlerts {
  const format = formatOf(body);
  return { format: format.source, alerts: parseAs(format, body, now) };
}

/**
 * `parseAlertPayload` without the fast path: every payload through the schemas. Same results;
 * for the differential test and the micro-benchmark.
 */
export function parseAlertPayloadWithSchemas(body: unknown, now: Date): ParsedAlerts {
  const format = formatOf(body);
  return { format: format.source, alerts: format.parseWithSchema(body, now) };
}

function formatOf(body: unknown): PayloadFormat {
  const format = PAYLOAD_FORMATS.find((f) => f.matches(body));
  if (!format) throw unrecognised(body);
  return format;
}

function unrecognised(body: unknown): ValidationError {
  const legacyGrafana = isRecord(body) && 'evalMatches' in body;
  const message = legacyGrafana
    ? `Legacy Grafana alerting webhooks are not supported; use a Grafana (unified alerting) webhook contact point. alertmail accepts ${ACCEPTED_FORMATS}.`
    : `Unrecognised alert payload. alertmail accepts ${ACCEPTED_FORMATS}.`;
  return new ValidationError(message, [{ field: '(body)', message }]);
}
