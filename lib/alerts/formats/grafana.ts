/**
 * Grafana's webhook contact point (unified alerting), payload version 1: recognised by `version` and
 * one of Grafana's own envelope fields (without them, a `version: "1"` body is the generic shape).
 */
import * as z from '../../zod';
import { AlertStatusSchema, alertsArray, envelopeFormat, GenericAlertSchema, isEnvelopeStatus } from './alert-item';
import { Refused } from './format';

export const GrafanaWebhookSchema = z.object({
  version: z.literal('1'),
  status: z.nullish(AlertStatusSchema),
  alerts: alertsArray(GenericAlertSchema),
});

export const grafana = envelopeFormat({
  name: 'grafana',
  source: 'grafana',
  schema: GrafanaWebhookSchema,
  what: 'Grafana webhook',
  matches: (body) => body.version === '1' && ('orgId' in body || 'state' in body || 'title' in body),
  checkEnvelope: (body) => (isEnvelopeStatus(body.status) ? undefined : new Refused(['status'])),
});
