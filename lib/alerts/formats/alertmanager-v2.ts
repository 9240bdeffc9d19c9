/**
 * `POST /api/v2/alerts` (Alertmanager's `postableAlerts`), as Prometheus posts it: a bare array of
 * alerts without status, resolved when `endsAt` has passed.
 */
import { parseWith } from '../../validation';
import { AlertmanagerV2AlertSchema, alertsArray, fastAlerts, refuseTooMany, toAlert } from './alert-item';
import type { PayloadFormat } from './format';

export const AlertmanagerV2AlertsSchema = alertsArray(AlertmanagerV2AlertSchema);

export const alertmanagerV2: PayloadFormat = {
  name: 'alertmanager-v2',
  source: 'prometheus',
  schema: AlertmanagerV2AlertsSchema,

  matches: (body) => Array.isArray(body),

  parse: (body, now) => fastAlerts(body, 'prometheus', now, false),

  parseWithSchema(body, now) {
    refuseTooMany(body, '(body)');
    return parseWith(AlertmanagerV2AlertsSchema, body, '', 'alerts').map((a) => toAlert(a, 'prometheus', now));
  },
};
