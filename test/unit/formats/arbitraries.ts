/**
 * fast-check generators of alert payloads, derived from the captured fixtures (test/fixtures) and
 * mutated at every rule the formats check: types, each ALERT_LIMITS edge (N and N+1), label names,
 * timestamps, status, URLs, missing and extra fields. Shared by the differential tests.
 */
import fc from 'fast-check';
import { ALERT_LIMITS } from '../../../lib/domain/alerts/model';
import { alertmanagerFiring, grafanaFiring, prometheusV2 } from '../../fixtures';

/** Between the captures' startsAt and the Prometheus firing capture's endsAt. */
export const NOW = new Date('2026-11-24T11:30:00Z');
const L = ALERT_LIMITS;

/**
 * A mutable copy made by JSON.parse in this realm, as the runtime decodes bodies (the fixtures'
 * `clone` is structuredClone, whose objects come from Node's realm, not jest's: not plain here,
 * so the fast path would rightly leave them to the schemas).
 */
export function clone<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}

// Generators

export const pad = (prefix: string, length: number, fill = 'x') =>
  prefix + fill.repeat(Math.max(0, length - prefix.length));

export const anyString = fc.oneof(
  fc.string(),
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.constantFrom('a\r\nb', '\n', 'x\u2028y', 'é', '🔥 disk', '\u0000', '<b>&amp;</b>'),
);

/** Wrong types, for any field. */
export const wrongType = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.constant({}),
  fc.constant([]),
  fc.constant(['a']),
  fc.double(),
);

export const labelName = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('alertname', 'severity', 'instance', 'job', 'namespace', 'pod', 'zone') },
  { weight: 3, arbitrary: fc.string({ minLength: 1, maxLength: 20 }) },
  { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 10 }) },
  { weight: 1, arbitrary: fc.constantFrom('0', '12', 'constructor', 'toString', 'hasOwnProperty', 'ünïcødé', '名前') },
  { weight: 1, arbitrary: fc.constantFrom(pad('n', L.maxLabelNameLength), pad('n', L.maxLabelNameLength + 1)) },
  // Refused names: empty, control characters (C0, DEL, C1, CR/LF, U+2028/9), __proto__.
  {
    weight: 1,
    arbitrary: fc.constantFrom('', 'a\nb', 'a\rb', 'tab\t', '\u007f', 'c1\u0085', '\u2028', '\u2029x', '__proto__'),
  },
);

export function mapValue(maxValueLength: number) {
  return fc.oneof(
    { weight: 8, arbitrary: anyString },
    { weight: 1, arbitrary: fc.constantFrom(pad('v', maxValueLength), pad('v', maxValueLength + 1), '') },
    { weight: 1, arbitrary: fc.constantFrom(pad('é', maxValueLength, 'é'), pad('🔥', maxValueLength + 1, 'x')) },
  );
}

/** A name → value object, built with Object.fromEntries so that `__proto__` is an own key, as JSON.parse makes it. */
export function stringMap(maxCount: number, maxValueLength: number, invalid: boolean) {
  const value = invalid
    ? fc.oneof({ weight: 12, arbitrary: mapValue(maxValueLength) }, wrongType)
    : mapValue(maxValueLength);
  const small = fc.array(fc.tuple(labelName, value), { maxLength: 8 });
  // The count limit: exactly N and N+1 distinct names.
  const atLimit = fc
    .tuple(fc.constantFrom(maxCount, maxCount + 1), value)
    .map(([n, v]) => Array.from({ length: n }, (_, i): [string, unknown] => [`name_${i}`, v]));
  return fc.oneof({ weight: 9, arbitrary: small }, { weight: 1, arbitrary: atLimit }).map((e) => Object.fromEntries(e));
}

export const ISO = fc
  .date({ min: new Date('0001-01-01T00:00:00Z'), max: new Date('9999-12-31T23:59:59Z'), noInvalidDate: true })
  .map((d) => d.toISOString());

/** RFC 3339 spellings: any fraction precision, offsets with or without the colon, t / space separators. */
export const timestampString = fc.oneof(
  ISO,
  fc
    .tuple(
      fc.integer({ min: 0, max: 9999 }),
      fc.integer({ min: 0, max: 13 }),
      fc.integer({ min: 0, max: 32 }),
      fc.integer({ min: 0, max: 25 }),
      fc.integer({ min: 0, max: 60 }),
      fc.integer({ min: 0, max: 60 }),
      fc.constantFrom('', '.1', '.123', '.467921', '.123456789', '.1234567890'),
      fc.constantFrom('Z', 'z', '+02:00', '-0530', '+00:00', '+24:00', '-23:59', '+0160', ''),
      fc.constantFrom('T', 't', ' ', '_'),
    )
    .map(([y, mo, d, h, mi, s, frac, off, sep]) => {
      const two = (n: number) => String(n).padStart(2, '0');
      return `${String(y).padStart(4, '0')}-${two(mo)}-${two(d)}${sep}${two(h)}:${two(mi)}:${two(s)}${frac}${off}`;
    }),
  // Around `now`: ended just before, at, just after.
  fc.integer({ min: -2, max: 2 }).map((ms) => new Date(NOW.getTime() + ms).toISOString()),
  fc.constantFrom(
    '0001-01-01T00:00:00Z',
    '0001-01-01T00:00:00.000Z',
    '2024-02-29T12:00:00Z',
    '2023-02-29T12:00:00Z',
    '2024-05-01T12:00:00',
    '2024-05-01',
    `2024-05-01T12:00:00.${'1'.repeat(30)}Z`,
    'not a date',
    '',
  ),
);

export const timestamp = (invalid: boolean) =>
  invalid ? fc.oneof({ weight: 12, arbitrary: timestampString }, wrongType) : timestampString;

export const url = (invalid: boolean) => {
  const valid = fc.oneof(
    fc.webUrl(),
    fc.constantFrom(
      'http://prometheus.example:9090/graph?g0.expr=up',
      'HTTPS://EXAMPLE.COM/x',
      'javascript:alert(1)',
      '/relative',
      '',
      'http://has space/x',
      'http://a/\nb',
      pad('http://example.com/', L.maxUrlLength),
      pad('http://example.com/', L.maxUrlLength + 1),
    ),
    anyString,
  );
  return invalid ? fc.oneof({ weight: 12, arbitrary: valid }, wrongType) : valid;
};

export const status = (invalid: boolean) => {
  const valid = fc.constantFrom('firing', 'resolved', null);
  return invalid ? fc.oneof({ weight: 12, arbitrary: valid }, fc.constantFrom('FIRING', 'pending', 1, {})) : valid;
};

export const extraFields = fc.dictionary(
  fc.constantFrom('fingerprint', 'silenceURL', 'values', 'orgId', 'extra', 'receiver'),
  fc.oneof(anyString, wrongType),
  { maxKeys: 3 },
);

/** One alert: a fixture alert, its fields replaced, dropped or joined by others. */
export function alertOf(invalid: boolean) {
  const bases = [...prometheusV2.firing.body, ...alertmanagerFiring.body.alerts, ...grafanaFiring.alerts];
  const alert = fc
    .record(
      {
        base: fc.constantFrom(...bases),
        labels: stringMap(L.maxLabelsPerAlert, L.maxLabelValueLength, invalid),
        annotations: fc.oneof(
          stringMap(L.maxAnnotationsPerAlert, L.maxAnnotationValueLength, invalid),
          fc.constant(null),
        ),
        startsAt: timestamp(invalid),
        endsAt: timestamp(invalid),
        generatorURL: url(invalid),
        status: status(invalid),
        extra: extraFields,
        /** Fields kept from the fixture (the others are replaced or, when `drop`, removed). */
        keep: fc.subarray(['labels', 'annotations', 'startsAt', 'endsAt', 'generatorURL', 'status']),
        drop: fc.subarray([
          'annotations',
          'startsAt',
          'endsAt',
          'generatorURL',
          'status',
          ...(invalid ? ['labels'] : []),
        ]),
      },
      { requiredKeys: ['base', 'keep', 'drop', 'extra'] },
    )
    .map(({ base, keep, drop, extra, ...fields }) => {
      const a: Record<string, unknown> = { ...clone(base), ...extra };
      for (const [k, v] of Object.entries(fields)) if (!keep.includes(k)) a[k] = v;
      for (const k of drop) delete a[k];
      return a;
    });
  return invalid ? fc.oneof({ weight: 15, arbitrary: alert }, wrongType, fc.constant('alert')) : alert;
}

/** Payloads of each shape of the Prometheus family, with their envelopes mutated too. */
export function prometheusFamily(invalid: boolean) {
  const alerts = fc.array(alertOf(invalid), { maxLength: 4 });
  const envelopeStatus = status(invalid);
  const receiver = invalid ? fc.oneof(anyString, wrongType) : fc.oneof(anyString, fc.constant(null));
  return {
    alertmanagerV2: alerts,
    alertmanagerWebhook: fc
      .tuple(alerts, envelopeStatus, receiver, extraFields)
      .map(([a, s, r, x]) => ({ ...clone(alertmanagerFiring.body), ...x, alerts: a, status: s, receiver: r })),
    grafanaOrGeneric: fc
      .tuple(alerts, envelopeStatus, fc.subarray(['orgId', 'state', 'title']), extraFields)
      .map(([a, s, marks, x]) => {
        const body: Record<string, unknown> = { ...clone(grafanaFiring), ...x, alerts: a, status: s };
        for (const k of ['orgId', 'state', 'title']) if (!marks.includes(k)) delete body[k];
        return body; // without a mark: the generic shape, with version "1"
      }),
    generic: fc.tuple(alerts, extraFields).map(([a, x]) => ({ ...x, alerts: a })),
  };
}

/** A payload of every shape the fast path knows, with its envelope mutated too. */
export function payload(invalid: boolean) {
  const shapes = prometheusFamily(invalid);
  return fc.oneof(shapes.alertmanagerV2, shapes.alertmanagerWebhook, shapes.grafanaOrGeneric, shapes.generic);
}

/** An invalid envelope: version of the wrong type, alerts not an array, a top-level array of non-alerts. */
export const oddEnvelope = fc.oneof(
  fc
    .tuple(fc.constantFrom(4, '4', 1, '1', null), fc.oneof(wrongType, fc.array(alertOf(false), { maxLength: 2 })))
    .map(([version, alerts]) => ({ version, alerts, title: 't' })),
  fc.array(wrongType, { maxLength: 3 }),
);
