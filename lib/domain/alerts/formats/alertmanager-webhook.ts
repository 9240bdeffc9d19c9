/** Alertmanager's webhook receiver, payload version 4. Its `fingerprint`s are ignored (recomputed). */
import { alertSchemas, envelopeFormat, isEnvelopeStatus } from './alert-item';
import { Refused } from './format';
import { isNullishString } from './rules';
import { lazySchema } from './schema';

const schema = lazySchema((z) =>
  z.object({
    version: z.literal('4'),
    status: z.nullish(alertSchemas().AlertStatusSchema),
    receiver: z.nullish(z.string()),
    alerts: alertSchemas().GenericAlertsSchema,
  }),
);

export const alertmanagerWebhook = envelopeFormat({
  name: 'alertmanager-webhook',
  source: 'alertmanager',
  schema,
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
