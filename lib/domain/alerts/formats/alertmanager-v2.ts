/**
 * `POST /api/v2/alerts` (Alertmanager's `postableAlerts`), as Prometheus posts it: a bare array of
 * alerts without status, resolved when `endsAt` has passed.
 */
import { alertSchemas, fastAlerts, refuseTooMany, toAlert } from './alert-item';
import type { PayloadFormat } from './format';
import { lazySchema, parseWith } from './schema';

const schema = lazySchema(() => alertSchemas().alertsArray(alertSchemas().AlertmanagerV2AlertSchema));

export const alertmanagerV2: PayloadFormat = {
  name: 'alertmanager-v2',
  source: 'prometheus',
  schema,

  matches: (body) => Array.isArray(body),

  parse: (body, now) => fastAlerts(body, 'prometheus', now, false),

  parseWithSchema(body, now) {
    refuseTooMany(body, '(body)');
    return parseWith(schema(), body, '', 'alerts').map((a) => toAlert(a, 'prometheus', now));
  },
};
