/** The generic shape for scripts: `{alerts: [{labels, annotations, status, startsAt, endsAt, generatorURL}]}`. */
import { alertSchemas, envelopeFormat } from './alert-item';
import { lazySchema } from './schema';

const schema = lazySchema((z) => z.object({ alerts: alertSchemas().GenericAlertsSchema }));

export const generic = envelopeFormat({
  name: 'generic',
  source: 'generic',
  schema,
  what: 'alerts payload',
  matches: () => true,
  checkEnvelope: () => undefined,
});
