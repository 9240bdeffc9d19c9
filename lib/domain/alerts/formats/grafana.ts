/**
 * Grafana's webhook contact point (unified alerting), payload version 1: recognised by `version` and
 * one of Grafana's own envelope fields (without them, a `version: "1"` body is the generic shape).
 */
import { alertSchemas, envelopeFormat, isEnvelopeStatus } from './alert-item';
import { Refused } from './format';
import { lazySchema } from './schema';

const schema = lazySchema((z) =>
  z.object({
    version: z.literal('1'),
    status: z.nullish(alertSchemas().AlertStatusSchema),
    alerts: alertSchemas().GenericAlertsSchema,
  }),
);

export const grafana = envelopeFormat({
  name: 'grafana',
  source: 'grafana',
  schema,
  what: 'Grafana webhook',
  matches: (body) => body.version === '1' && ('orgId' in body || 'state' in body || 'title' in body),
  checkEnvelope: (body) => (isEnvelopeStatus(body.status) ? undefined : new Refused(['status'])),
});
