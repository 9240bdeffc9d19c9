import { z } from 'zod';
import { fingerprint } from '../../lib/domain/alerts/fingerprint';
import { isGoZeroTime, parseTimestamp } from '../../lib/domain/alerts/formats/rules';
import { ALERT_LIMITS } from '../../lib/domain/alerts/model';
import { parseAlertPayload } from '../../lib/domain/alerts/parse';
import { ValidationError } from '../../lib/errors';
import {
  alertmanagerFiring,
  alertmanagerResolved,
  clone,
  cloudwatchEvent,
  cloudwatchSns,
  cloudwatchSnsMessage,
  grafanaFiring,
  prometheusV2,
} from '../fixtures';
import {
  AlertmanagerV2AlertsSchema,
  AlertmanagerWebhookSchema,
  AlertPayloadSchema,
  GenericAlertsPayloadSchema,
  GrafanaWebhookSchema,
} from './formats/schemas';

/** Between the Alertmanager captures' startsAt (11:15:51) and the Prometheus firing capture's endsAt (11:30:03). */
const NOW = new Date('2026-11-24T11:30:00Z');

function refusal(act: () => unknown): ValidationError {
  try {
    act();
  } catch (e) {
    if (e instanceof ValidationError) return e;
    throw e;
  }
  throw new Error('expected a ValidationError, but the payload was accepted');
}

function fields(e: ValidationError): string[] {
  return e.details.map((d) => d.field);
}

function labelsOf(n: number, prefix = 'l'): Record<string, string> {
  return Object.fromEntries(Array.from({ length: n }, (_, i) => [`${prefix}${i}`, 'v']));
}

function generic(...alerts: unknown[]): unknown {
  return { alerts };
}

describe('parseAlertPayload: Alertmanager webhook (version 4)', () => {
  it('parses the firing capture: two firing alerts, zero endsAt dropped, fingerprints as Alertmanager computed', () => {
    // Arrange
    const body = alertmanagerFiring.body;
    // Act
    const parsed = parseAlertPayload(body, NOW);
    // Assert
    expect(parsed.format).toBe('alertmanager');
    expect(parsed.alerts).toHaveLength(2);
    const [first, second] = parsed.alerts;
    expect(first).toEqual({
      fingerprint: 'bb67672a7c1ebcb8',
      labels: body.alerts[0]?.labels,
      annotations: body.alerts[0]?.annotations,
      status: 'firing',
      startsAt: new Date('2026-11-24T11:15:51.467Z'),
      generatorURL: body.alerts[0]?.generatorURL,
      source: 'alertmanager',
    });
    expect(first?.endsAt).toBeUndefined();
    expect(second?.fingerprint).toBe('d5ca86bde59828ab');
  });

  it('parses the resolved capture: resolved, with endsAt', () => {
    const parsed = parseAlertPayload(alertmanagerResolved.body, NOW);
    expect(parsed.alerts.map((a) => a.status)).toEqual(['resolved', 'resolved']);
    expect(parsed.alerts[0]?.endsAt).toEqual(new Date('2026-11-24T11:25:46.467Z'));
    expect(parsed.alerts.map((a) => a.fingerprint)).toEqual(['bb67672a7c1ebcb8', 'd5ca86bde59828ab']);
  });

  it('takes the status "resolved" at its word even when endsAt is still ahead', () => {
    const body = clone(alertmanagerResolved.body);
    for (const a of body.alerts) a.endsAt = '2030-01-01T00:00:00Z';
    expect(parseAlertPayload(body, NOW).alerts.map((a) => a.status)).toEqual(['resolved', 'resolved']);
  });

  it('never trusts the sender fingerprint', () => {
    const body = clone(alertmanagerFiring.body);
    for (const a of body.alerts) a.fingerprint = '0000000000000000';
    expect(parseAlertPayload(body, NOW).alerts.map((a) => a.fingerprint)).toEqual([
      'bb67672a7c1ebcb8',
      'd5ca86bde59828ab',
    ]);
  });

  it('ignores unknown fields that newer senders add', () => {
    const body = { ...clone(alertmanagerFiring.body), somethingNew: { x: 1 } };
    const alerts = body.alerts.map((a) => ({ ...a, anotherNewField: [1, 2] }));
    expect(parseAlertPayload({ ...body, alerts }, NOW).alerts).toHaveLength(2);
  });
});

describe('parseAlertPayload: Alertmanager API v2 array (Prometheus)', () => {
  it('parses the firing capture: no status field, endsAt ahead of now → firing', () => {
    // Arrange
    const body = prometheusV2.firing.body;
    // Act
    const parsed = parseAlertPayload(body, NOW);
    // Assert
    expect(parsed.format).toBe('prometheus');
    expect(parsed.alerts).toEqual([
      {
        fingerprint: fingerprint({ alertname: 'DemoFlapping', severity: 'critical' }),
        labels: { alertname: 'DemoFlapping', severity: 'critical' },
        annotations: { summary: 'Always firing (value 3.568000078201294)' },
        status: 'firing',
        startsAt: new Date('2026-11-24T11:29:52.568Z'),
        endsAt: new Date('2026-11-24T11:30:03.568Z'),
        generatorURL: body[0]?.generatorURL,
        source: 'prometheus',
      },
    ]);
  });

  it('parses the resolved capture: endsAt in the past → resolved, same fingerprint as firing', () => {
    const firing = parseAlertPayload(prometheusV2.firing.body, NOW).alerts[0];
    const resolved = parseAlertPayload(prometheusV2.resolved.body, NOW).alerts[0];
    expect(resolved?.status).toBe('resolved');
    expect(resolved?.endsAt).toEqual(new Date('2026-11-24T11:29:58.568Z'));
    expect(resolved?.fingerprint).toBe(firing?.fingerprint);
  });

  it('resolves exactly at endsAt, not a millisecond before', () => {
    const endsAt = new Date('2026-11-24T11:30:03.568Z');
    const body = prometheusV2.firing.body;
    expect(parseAlertPayload(body, endsAt).alerts[0]?.status).toBe('resolved');
    expect(parseAlertPayload(body, new Date(endsAt.getTime() - 1)).alerts[0]?.status).toBe('firing');
  });

  it('names the element of a bad alert as [i].field', () => {
    const body = [
      { labels: { a: 'b' } },
      { labels: { a: 'b' } },
      { labels: { a: 'b' }, startsAt: 'yesterday at noon' },
    ];
    const e = refusal(() => parseAlertPayload(body, NOW));
    expect(fields(e)).toEqual(['[2].startsAt']);
    expect(e.code).toBe('VALIDATION_FAILED');
  });

  it('accepts an empty array (nothing to do)', () => {
    expect(parseAlertPayload([], NOW)).toEqual({ format: 'prometheus', alerts: [] });
  });
});

describe('parseAlertPayload: Grafana webhook contact point', () => {
  it('parses the capture: offsets converted, zero endsAt dropped, fingerprint recomputed', () => {
    // Act
    const parsed = parseAlertPayload(grafanaFiring, NOW);
    // Assert
    expect(parsed.format).toBe('grafana');
    expect(parsed.alerts).toHaveLength(2);
    const first = parsed.alerts[0];
    expect(first?.labels).toEqual({ alertname: 'High memory usage', team: 'blue', zone: 'us-1' });
    expect(first?.annotations.summary).toBe('This alert was triggered for zone us-1');
    expect(first?.startsAt).toEqual(new Date('2021-10-12T07:51:03.157Z'));
    expect(first?.endsAt).toBeUndefined();
    expect(first?.status).toBe('firing');
    expect(first?.generatorURL).toBe('https://grafana.example.com/alerting/1afz29v7z/edit');
    expect(first?.fingerprint).toBe(fingerprint(grafanaFiring.alerts[0]?.labels ?? {}));
    expect(first?.fingerprint).not.toBe(grafanaFiring.alerts[0]?.fingerprint);
    expect(first?.source).toBe('grafana');
  });

  it('is told apart from the generic shape by orgId/state/title', () => {
    const bare = { version: '1', alerts: [{ labels: { alertname: 'X' } }] };
    expect(parseAlertPayload(bare, NOW).format).toBe('generic');
    expect(parseAlertPayload({ ...bare, title: 't' }, NOW).format).toBe('grafana');
  });

  it('names a bad Grafana alert field', () => {
    const body = clone(grafanaFiring);
    (body.alerts[1] as { status: string }).status = 'pending';
    expect(fields(refusal(() => parseAlertPayload(body, NOW)))).toEqual(['alerts[1].status']);
  });
});

describe('parseAlertPayload: generic shape', () => {
  it('fills in the defaults: startsAt = now, firing, no end, no annotations, no link', () => {
    const parsed = parseAlertPayload(generic({ labels: { alertname: 'DiskFull' } }), NOW);
    expect(parsed).toEqual({
      format: 'generic',
      alerts: [
        {
          fingerprint: fingerprint({ alertname: 'DiskFull' }),
          labels: { alertname: 'DiskFull' },
          annotations: {},
          status: 'firing',
          startsAt: NOW,
          source: 'generic',
        },
      ],
    });
  });

  it('honours an explicit status and all optional fields, and accepts nulls', () => {
    const parsed = parseAlertPayload(
      generic(
        {
          labels: { alertname: 'A' },
          annotations: { summary: 's' },
          status: 'resolved',
          startsAt: '2026-11-24T10:00:00+01:00',
          endsAt: '2026-11-24T09:30:00Z',
          generatorURL: 'https://example.com/a',
        },
        { labels: { alertname: 'B' }, annotations: null, status: null, endsAt: null, generatorURL: null },
      ),
      NOW,
    );
    const [a, b] = parsed.alerts;
    expect(a?.status).toBe('resolved');
    expect(a?.startsAt).toEqual(new Date('2026-11-24T09:00:00Z'));
    expect(a?.endsAt).toEqual(new Date('2026-11-24T09:30:00Z'));
    expect(a?.generatorURL).toBe('https://example.com/a');
    expect(b?.status).toBe('firing');
    expect(b?.annotations).toEqual({});
  });

  it('resolves by endsAt in the past even with status "firing"', () => {
    const parsed = parseAlertPayload(
      generic({ labels: { alertname: 'A' }, status: 'firing', endsAt: '2026-11-24T11:29:59.999Z' }),
      NOW,
    );
    expect(parsed.alerts[0]?.status).toBe('resolved');
  });

  it('treats the Go zero time as no time: endsAt absent and firing, startsAt = now', () => {
    const parsed = parseAlertPayload(
      generic(
        { labels: { alertname: 'A' }, endsAt: '0001-01-01T00:00:00Z', startsAt: '0001-01-01T00:00:00Z' },
        { labels: { alertname: 'B' }, endsAt: '0001-01-01T01:00:00+01:00' },
      ),
      NOW,
    );
    expect(parsed.alerts.map((a) => [a.status, a.endsAt])).toEqual([
      ['firing', undefined],
      ['firing', undefined],
    ]);
    expect(parsed.alerts[0]?.startsAt).toEqual(NOW);
  });

  it('keeps label values with CR/LF and markup as they are (escaped later)', () => {
    const labels = { alertname: 'A', note: 'line1\r\nBcc: x@example.com <b>' };
    expect(parseAlertPayload(generic({ labels }), NOW).alerts[0]?.labels).toEqual(labels);
  });

  it('drops a generatorURL that is not an absolute http(s) URL instead of refusing the alert', () => {
    const parsed = parseAlertPayload(
      generic(
        { labels: { a: '1' }, generatorURL: 'javascript:alert(1)' },
        { labels: { a: '2' }, generatorURL: '' },
        { labels: { a: '3' }, generatorURL: '/graph?g0.expr=up' },
        { labels: { a: '4' }, generatorURL: 'HTTP://prom:9090/graph' },
      ),
      NOW,
    );
    expect(parsed.alerts.map((a) => a.generatorURL)).toEqual([
      undefined,
      undefined,
      undefined,
      'HTTP://prom:9090/graph',
    ]);
  });

  it('gives one alert one fingerprint whichever format carried it', () => {
    // Arrange: the first Alertmanager alert, re-sent in every other shape
    const am = alertmanagerFiring.body.alerts[0];
    const labels = clone(am?.labels ?? {});
    const reordered = Object.fromEntries(Object.entries(labels).reverse());
    // Act
    const fps = [
      parseAlertPayload(alertmanagerFiring.body, NOW).alerts[0]?.fingerprint,
      parseAlertPayload([{ labels }], NOW).alerts[0]?.fingerprint,
      parseAlertPayload(generic({ labels: reordered }), NOW).alerts[0]?.fingerprint,
      parseAlertPayload({ version: '1', orgId: 1, alerts: [{ labels, status: 'firing' }] }, NOW).alerts[0]?.fingerprint,
    ];
    // Assert
    expect(fps).toEqual(Array(4).fill(am?.fingerprint));
  });
});

describe('parseAlertPayload: CloudWatch through SNS or EventBridge', () => {
  it('parses the SNS notification into one CloudWatch alert', () => {
    const parsed = parseAlertPayload(cloudwatchSns, NOW);
    expect(parsed.format).toBe('cloudwatch');
    expect(parsed.alerts).toHaveLength(1);
    expect(parsed.alerts[0]?.labels.alertname).toBe('ServerCpuTooHigh');
    expect(parsed.alerts[0]?.status).toBe('firing');
  });

  it('parses the bare alarm message (SNS raw message delivery) and the EventBridge event alike', () => {
    const viaSns = parseAlertPayload(cloudwatchSns, NOW).alerts[0];
    const raw = parseAlertPayload(cloudwatchSnsMessage, NOW);
    const event = parseAlertPayload(cloudwatchEvent, NOW);
    expect(raw.format).toBe('cloudwatch');
    expect(event.format).toBe('cloudwatch');
    expect(raw.alerts[0]?.fingerprint).toBe(viaSns?.fingerprint);
    expect(event.alerts[0]?.fingerprint).toBe(viaSns?.fingerprint);
  });

  it('refuses a subscription confirmation, explaining to confirm it in the SNS console', () => {
    const confirmation = {
      ...clone(cloudwatchSns),
      Type: 'SubscriptionConfirmation',
      SubscribeURL: 'https://sns.us-east-1.amazonaws.com/?Action=ConfirmSubscription&TopicArn=x&Token=y',
      Message: 'You have chosen to subscribe to the topic …',
    };
    const e = refusal(() => parseAlertPayload(confirmation, NOW));
    expect(fields(e)).toEqual(['Type']);
    expect(e.message).toMatch(/SNS console/);
    expect(e.message).toMatch(/confirm/i);
  });

  it('refuses other SNS message types', () => {
    const e = refusal(() => parseAlertPayload({ ...clone(cloudwatchSns), Type: 'UnsubscribeConfirmation' }, NOW));
    expect(fields(e)).toEqual(['Type']);
  });

  it('refuses a Message that is not JSON, naming Message', () => {
    const e = refusal(() => parseAlertPayload({ ...clone(cloudwatchSns), Message: 'CPU is high!' }, NOW));
    expect(fields(e)).toEqual(['Message']);
  });

  it('refuses a JSON Message that is not an alarm, naming the missing fields under Message', () => {
    const message = JSON.stringify({ AlarmName: 'X', NewStateValue: 'ON_FIRE' });
    const e = refusal(() => parseAlertPayload({ ...clone(cloudwatchSns), Message: message }, NOW));
    expect(fields(e)).toEqual(
      expect.arrayContaining(['Message.AWSAccountId', 'Message.NewStateValue', 'Message.StateChangeTime']),
    );
  });
});

describe('parseAlertPayload: unknown shapes', () => {
  it.each([
    ['an empty object', {}],
    ['an object without alerts', { labels: { a: 'b' } }],
    ['a string', 'alert!'],
    ['a number', 42],
    ['null', null],
    ['undefined', undefined],
  ])('refuses %s, listing the accepted formats', (_what, body) => {
    const e = refusal(() => parseAlertPayload(body, NOW));
    expect(fields(e)).toEqual(['(body)']);
    for (const format of ['Alertmanager webhook', 'API v2', 'Grafana', 'generic', 'SNS', 'CloudWatch']) {
      expect(e.message).toContain(format);
    }
  });

  it('says what to do about a legacy Grafana alerting webhook', () => {
    const legacy = { title: '[Alerting] x', ruleName: 'x', state: 'alerting', evalMatches: [] };
    expect(refusal(() => parseAlertPayload(legacy, NOW)).message).toMatch(/Legacy Grafana.*contact point/);
  });
});

describe('parseAlertPayload: refusals name the field', () => {
  it.each([
    ['alerts is not an array', { alerts: { labels: {} } }, 'alerts'],
    ['an alert is not an object', generic('alertname=X'), 'alerts[0]'],
    ['labels are missing', generic({ annotations: {} }), 'alerts[0].labels'],
    ['labels are empty', generic({ labels: {} }), 'alerts[0].labels'],
    ['labels are an array', generic({ labels: ['a'] }), 'alerts[0].labels'],
    ['a label value is a number', generic({ labels: { severity: 3 } }), 'alerts[0].labels.severity'],
    ['a label value is null', generic({ labels: { severity: null } }), 'alerts[0].labels.severity'],
    ['a label name is empty', generic({ labels: { '': 'x' } }), 'alerts[0].labels'],
    ['a label name has a LF', generic({ labels: { 'a\nb': 'x' } }), 'alerts[0].labels'],
    ['a label name has a CR', generic({ labels: { 'a\rBcc': 'x' } }), 'alerts[0].labels'],
    ['a label name has a NUL', generic({ labels: { 'a\u0000': 'x' } }), 'alerts[0].labels'],
    ['a label name has a DEL', generic({ labels: { 'a\u007f': 'x' } }), 'alerts[0].labels'],
    ['a label name has a C1 NEL', generic({ labels: { 'a\u0085': 'x' } }), 'alerts[0].labels'],
    ['a label name has U+2028', generic({ labels: { 'a\u2028': 'x' } }), 'alerts[0].labels'],
    [
      'a label is named __proto__',
      { alerts: [{ labels: JSON.parse('{"__proto__": "x", "a": "b"}') }] },
      'alerts[0].labels',
    ],
    ['annotations are a string', generic({ labels: { a: 'b' }, annotations: 'x' }), 'alerts[0].annotations'],
    [
      'an annotation value is an object',
      generic({ labels: { a: 'b' }, annotations: { s: {} } }),
      'alerts[0].annotations.s',
    ],
    [
      'an annotation name has a LF',
      generic({ labels: { a: 'b' }, annotations: { 'x\ny': 'v' } }),
      'alerts[0].annotations',
    ],
    ['status is unknown', generic({ labels: { a: 'b' }, status: 'pending' }), 'alerts[0].status'],
    ['startsAt is not a timestamp', generic({ labels: { a: 'b' }, startsAt: 'now' }), 'alerts[0].startsAt'],
    ['startsAt is epoch seconds', generic({ labels: { a: 'b' }, startsAt: 1700000000 }), 'alerts[0].startsAt'],
    ['endsAt is Feb 30', generic({ labels: { a: 'b' }, endsAt: '2026-02-30T00:00:00Z' }), 'alerts[0].endsAt'],
    ['endsAt has hour 24', generic({ labels: { a: 'b' }, endsAt: '2026-01-01T24:00:00Z' }), 'alerts[0].endsAt'],
    ['endsAt has no zone', generic({ labels: { a: 'b' }, endsAt: '2026-01-01T10:00:00' }), 'alerts[0].endsAt'],
    ['generatorURL is a number', generic({ labels: { a: 'b' }, generatorURL: 1 }), 'alerts[0].generatorURL'],
  ])('%s', (_what, body, field) => {
    const e = refusal(() => parseAlertPayload(body, NOW));
    expect(fields(e)).toEqual([field]);
    expect(e.message).toContain(field);
  });

  it('explains control characters in a label name without echoing them raw', () => {
    const e = refusal(() => parseAlertPayload(generic({ labels: { 'a\r\nb': 'x' } }), NOW));
    expect(e.details[0]?.message).toBe('label name "a\\r\\nb" contains a control character');
  });

  it('reports every bad alert, not just the first', () => {
    const e = refusal(() =>
      parseAlertPayload(generic({ labels: {} }, { labels: { a: 'b' } }, { labels: { x: 1 } }), NOW),
    );
    expect(fields(e)).toEqual(['alerts[0].labels', 'alerts[2].labels.x']);
  });
});

describe('parseAlertPayload: ALERT_LIMITS at their edges', () => {
  const { maxAlertsPerRequest, maxLabelsPerAlert, maxLabelNameLength, maxLabelValueLength } = ALERT_LIMITS;
  const { maxAnnotationsPerAlert, maxAnnotationValueLength, maxUrlLength } = ALERT_LIMITS;
  const alert = (i: number) => ({ labels: { alertname: 'A', i: String(i) } });
  const many = (n: number) => Array.from({ length: n }, (_, i) => alert(i));

  it(`accepts ${maxAlertsPerRequest} alerts and refuses ${maxAlertsPerRequest + 1}, naming alerts`, () => {
    expect(parseAlertPayload({ alerts: many(maxAlertsPerRequest) }, NOW).alerts).toHaveLength(maxAlertsPerRequest);
    const e = refusal(() => parseAlertPayload({ alerts: many(maxAlertsPerRequest + 1) }, NOW));
    expect(e.details).toEqual([
      { field: 'alerts', message: `at most ${maxAlertsPerRequest} alerts per request, got ${maxAlertsPerRequest + 1}` },
    ]);
  });

  it('applies the alert count limit to the Alertmanager webhook and the v2 array', () => {
    const webhook = { ...clone(alertmanagerFiring.body), alerts: many(maxAlertsPerRequest + 1) };
    expect(fields(refusal(() => parseAlertPayload(webhook, NOW)))).toEqual(['alerts']);
    expect(fields(refusal(() => parseAlertPayload(many(maxAlertsPerRequest + 1), NOW)))).toEqual(['(body)']);
    expect(parseAlertPayload(many(maxAlertsPerRequest), NOW).alerts).toHaveLength(maxAlertsPerRequest);
  });

  it(`accepts ${maxLabelsPerAlert} labels and refuses ${maxLabelsPerAlert + 1}`, () => {
    expect(parseAlertPayload(generic({ labels: labelsOf(maxLabelsPerAlert) }), NOW).alerts).toHaveLength(1);
    const e = refusal(() => parseAlertPayload(generic({ labels: labelsOf(maxLabelsPerAlert + 1) }), NOW));
    expect(fields(e)).toEqual(['alerts[0].labels']);
  });

  it(`accepts a ${maxLabelNameLength}-character label name and refuses ${maxLabelNameLength + 1}`, () => {
    const ok = { ['n'.repeat(maxLabelNameLength)]: 'v' };
    const tooLong = { ['n'.repeat(maxLabelNameLength + 1)]: 'v' };
    expect(parseAlertPayload(generic({ labels: ok }), NOW).alerts).toHaveLength(1);
    expect(fields(refusal(() => parseAlertPayload(generic({ labels: tooLong }), NOW)))).toEqual(['alerts[0].labels']);
  });

  it(`accepts a ${maxLabelValueLength}-character label value and refuses ${maxLabelValueLength + 1}, naming the label`, () => {
    expect(parseAlertPayload(generic({ labels: { pod: 'v'.repeat(maxLabelValueLength) } }), NOW).alerts).toHaveLength(
      1,
    );
    const e = refusal(() => parseAlertPayload(generic({ labels: { pod: 'v'.repeat(maxLabelValueLength + 1) } }), NOW));
    expect(fields(e)).toEqual(['alerts[0].labels.pod']);
  });

  it(`accepts ${maxAnnotationsPerAlert} annotations and refuses ${maxAnnotationsPerAlert + 1}`, () => {
    const ok = generic({ labels: { a: 'b' }, annotations: labelsOf(maxAnnotationsPerAlert) });
    const tooMany = generic({ labels: { a: 'b' }, annotations: labelsOf(maxAnnotationsPerAlert + 1) });
    expect(parseAlertPayload(ok, NOW).alerts).toHaveLength(1);
    expect(fields(refusal(() => parseAlertPayload(tooMany, NOW)))).toEqual(['alerts[0].annotations']);
  });

  it(`accepts a ${maxAnnotationValueLength}-character annotation and refuses one more, naming it`, () => {
    const ok = generic({ labels: { a: 'b' }, annotations: { summary: 's'.repeat(maxAnnotationValueLength) } });
    const tooLong = generic({ labels: { a: 'b' }, annotations: { summary: 's'.repeat(maxAnnotationValueLength + 1) } });
    expect(parseAlertPayload(ok, NOW).alerts).toHaveLength(1);
    expect(fields(refusal(() => parseAlertPayload(tooLong, NOW)))).toEqual(['alerts[0].annotations.summary']);
  });

  it(`accepts a ${maxUrlLength}-character generatorURL and refuses one more`, () => {
    const url = (n: number) => `https://x.example/${'p'.repeat(n - 'https://x.example/'.length)}`;
    const parsed = parseAlertPayload(generic({ labels: { a: 'b' }, generatorURL: url(maxUrlLength) }), NOW);
    expect(parsed.alerts[0]?.generatorURL).toHaveLength(maxUrlLength);
    const e = refusal(() =>
      parseAlertPayload(generic({ labels: { a: 'b' }, generatorURL: url(maxUrlLength + 1) }), NOW),
    );
    expect(fields(e)).toEqual(['alerts[0].generatorURL']);
  });
});

describe('parseTimestamp', () => {
  it.each([
    ['2026-11-24T11:15:51.467921Z', '2026-11-24T11:15:51.467Z'],
    ['2026-11-24T11:15:51.467921123Z', '2026-11-24T11:15:51.467Z'],
    ['2026-11-24T11:15:51Z', '2026-11-24T11:15:51.000Z'],
    ['2026-11-24t11:15:51.5z', '2026-11-24T11:15:51.500Z'],
    ['2021-10-12T09:51:03.157076+02:00', '2021-10-12T07:51:03.157Z'],
    ['2019-10-02T17:04:40.989+0000', '2019-10-02T17:04:40.989Z'],
    ['2026-01-01T00:30:00-05:30', '2026-01-01T06:00:00.000Z'],
    ['2024-02-29T00:00:00Z', '2024-02-29T00:00:00.000Z'],
    ['0001-01-01T00:00:00Z', '0001-01-01T00:00:00.000Z'],
  ])('parses %s', (input, iso) => {
    expect(parseTimestamp(input)?.toISOString()).toBe(iso);
  });

  it.each([
    'now',
    '',
    '2026-11-24',
    '2026-11-24T11:15:51',
    '2025-02-29T00:00:00Z',
    '2026-13-01T00:00:00Z',
    '2026-00-10T00:00:00Z',
    '2026-04-31T00:00:00Z',
    '2026-01-01T23:60:00Z',
    '2026-01-01T23:00:60Z',
    '2026-01-01T23:00:00+24:00',
    '2026-01-01T23:00:00.Z',
  ])('refuses %j', (input) => {
    expect(parseTimestamp(input)).toBeNull();
  });

  it('recognises the Go zero time in any offset', () => {
    expect(isGoZeroTime(parseTimestamp('0001-01-01T00:00:00Z') as Date)).toBe(true);
    expect(isGoZeroTime(parseTimestamp('0001-01-01T02:00:00+02:00') as Date)).toBe(true);
    expect(isGoZeroTime(parseTimestamp('0001-01-01T00:00:01Z') as Date)).toBe(false);
  });
});

describe('payload schemas', () => {
  it.each([
    ['GenericAlertsPayloadSchema', GenericAlertsPayloadSchema],
    ['AlertmanagerWebhookSchema', AlertmanagerWebhookSchema],
    ['AlertmanagerV2AlertsSchema', AlertmanagerV2AlertsSchema],
    ['GrafanaWebhookSchema', GrafanaWebhookSchema],
    ['AlertPayloadSchema', AlertPayloadSchema],
  ])('%s renders as JSON Schema for the OpenAPI document', (_name, schema) => {
    const json = JSON.stringify(z.toJSONSchema(schema, { io: 'input' }));
    expect(json).toContain('"labels"');
    expect(json).toContain(`"maxItems":${ALERT_LIMITS.maxAlertsPerRequest}`);
  });

  it('accept the real captures', () => {
    expect(AlertmanagerWebhookSchema.safeParse(alertmanagerFiring.body).success).toBe(true);
    expect(AlertmanagerV2AlertsSchema.safeParse(prometheusV2.resolved.body).success).toBe(true);
    expect(GrafanaWebhookSchema.safeParse(grafanaFiring).success).toBe(true);
  });
});
