/** The generic shape for scripts: `{alerts: [{labels, annotations, status, startsAt, endsAt, generatorURL}]}`. */
import * as z from '../../zod';
import { alertsArray, envelopeFormat, GenericAlertSchema } from './alert-item';

export const GenericAlertsPayloadSchema = z.object({ alerts: alertsArray(GenericAlertSchema) });

export const generic = envelopeFormat({
  name: 'generic',
  source: 'generic',
  schema: GenericAlertsPayloadSchema,
  what: 'alerts payload',
  matches: () => true,
  checkEnvelope: () => undefined,
});
