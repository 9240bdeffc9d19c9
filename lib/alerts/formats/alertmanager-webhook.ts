/** Alertmanager's webhook receiver, payload version 4. Its `fingerprint`s are ignored (recomputed). */
import * as z from '../../zod';
import { AlertStatusSchema, alertsArray, envelopeFormat, GenericAlertSchema, isEnvelopeStatus } from './alert-item';
import { Refused } from './format';
import { isNullishString } from './rules';

export const AlertmanagerWebhookSchema = z.object({
  version: z.literal('4'),
  status: z.nullish(AlertStatusSchema),
  receiver: z.nullish(z.string()),
  alerts: alertsArray(GenericAlertSchema),
});

export const alertmanagerWebhook = envelopeFormat({
  name: 'alertmanager-webhook',
  source: 'alertmanager',
  schema: AlertmanagerWebhookSchema,
  what: 'Alertmanager webhook',
  matches: (body) => body.version === '4',
  // `version` is what `matches` recognised it by.
  checkEnvelope: (body) =>
    !isEnvelopeStatus(body.status)
      ? new Refused(['status'])
      : !isNullishString(body.receiver)
        ? new Refused(['receiver'])
        : undefined,
});
