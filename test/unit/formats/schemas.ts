/** The formats' schemas, built (they are built on first use in lib/), under the names the tests use. */
import { alertmanagerV2 } from '../../../lib/domain/alerts/formats/alertmanager-v2';
import { alertmanagerWebhook } from '../../../lib/domain/alerts/formats/alertmanager-webhook';
import { generic } from '../../../lib/domain/alerts/formats/generic';
import { grafana } from '../../../lib/domain/alerts/formats/grafana';
import { alertPayloadSchema } from '../../../lib/domain/alerts/parse';

export const AlertmanagerV2AlertsSchema = alertmanagerV2.schema();
export const AlertmanagerWebhookSchema = alertmanagerWebhook.schema();
export const GenericAlertsPayloadSchema = generic.schema();
export const GrafanaWebhookSchema = grafana.schema();
export const AlertPayloadSchema = alertPayloadSchema();
