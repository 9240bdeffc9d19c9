/**
 * Templates: the context (named as Alertmanager's template data), the filters, strictness, no file
 * system, escaping in the HTML part only, bounded renders, and a subject that cannot break the mail
 * whatever a label holds (checked on the composed message, parsed by mailparser).
 */
import { simpleParser } from 'mailparser';
import { composeMail } from '../../lib/adapters/smtp/compose';
import type { Alert } from '../../lib/domain/alerts/model';
import { silenceUrl } from '../../lib/domain/mail/silence-link';
import { templateContext } from '../../lib/domain/mail/templates/context';
import { datetime, duration, severityColor, without } from '../../lib/domain/mail/templates/filters';
import { compileTemplate, renderTemplate } from '../../lib/domain/mail/templates/liquid-engine';
import { type MailTemplate, TemplateError } from '../../lib/domain/mail/templates/model';
import { renderMail } from '../../lib/domain/mail/templates/render-mail';
import { SAMPLE_NAMES, sampleAlerts } from '../../lib/domain/mail/templates/samples';

const NOW = new Date('2026-11-24T13:29:00Z');

function alert(labels: Record<string, string>, overrides: Partial<Alert> = {}): Alert {
  return {
    fingerprint: 'a1b2c3d4e5f60718',
    labels,
    annotations: { summary: 'Disk full', description: 'The disk is full.' },
    status: 'firing',
    startsAt: new Date('2026-11-24T10:17:00Z'),
    generatorURL: 'https://prometheus.example.com/graph',
    source: 'alertmanager',
    ...overrides,
  };
}

const TEMPLATE: MailTemplate = { subject: 'S', text: 'T', html: 'H' };
const render = (
  parts: Partial<MailTemplate>,
  alerts: Alert[] = [alert({ alertname: 'DiskFull' })],
  kind: 'firing' | 'resolved' = 'firing',
) =>
  renderTemplate(
    { ...TEMPLATE, ...parts },
    templateContext(kind, alerts, NOW, { consoleUrl: 'https://console.example.com/' }),
  );

function refusal(parts: Partial<MailTemplate>): TemplateError {
  try {
    render(parts);
  } catch (error) {
    if (error instanceof TemplateError) return error;
    throw error;
  }
  throw new Error('rendered');
}

describe('context', () => {
  test("is named as Alertmanager's template data", () => {
    const alerts = [
      alert(
        { alertname: 'DiskFull', severity: 'critical', instance: 'a' },
        { annotations: { summary: 'x', team: 'ops' } },
      ),
      alert(
        { alertname: 'DiskFull', severity: 'warning', instance: 'b' },
        { fingerprint: 'ffff000011112222', annotations: { team: 'ops' } },
      ),
    ];
    const context = templateContext('firing', alerts, NOW, {
      consoleUrl: 'https://console.example.com/',
      route: 'payments',
    });
    expect(context).toMatchObject({
      status: 'firing',
      commonLabels: { alertname: 'DiskFull' },
      commonAnnotations: { team: 'ops' },
      route: 'payments',
      consoleURL: 'https://console.example.com/',
      externalURL: null,
      now: NOW.toISOString(),
    });
    expect(context.alerts.map((a) => a.labels.severity)).toEqual(['critical', 'warning']);
    expect(context.alerts[0]).toEqual({
      status: 'firing',
      labels: { alertname: 'DiskFull', instance: 'a', severity: 'critical' },
      annotations: { summary: 'x', team: 'ops' },
      startsAt: '2026-11-24T10:17:00.000Z',
      endsAt: null,
      generatorURL: 'https://prometheus.example.com/graph',
      fingerprint: 'a1b2c3d4e5f60718',
      silenceURL: silenceUrl('https://console.example.com/', alerts[0]?.labels ?? {}),
    });
  });

  test('without a console URL there is no silence link; a resolved alert has its end', () => {
    const context = templateContext(
      'resolved',
      [alert({ a: 'b' }, { status: 'resolved', endsAt: new Date('2026-11-24T13:00:00Z') })],
      NOW,
    );
    expect(context.consoleURL).toBeNull();
    expect(context.alerts[0]).toMatchObject({
      status: 'resolved',
      silenceURL: null,
      endsAt: '2026-11-24T13:00:00.000Z',
    });
  });
});

describe('filters', () => {
  test('duration: of an alert, since a time, between two times', () => {
    expect(duration({ status: 'firing', startsAt: '2026-11-24T10:17:00Z' }, NOW)).toBe('firing for 3h 12m');
    expect(
      duration({ status: 'resolved', startsAt: '2026-11-24T10:17:00Z', endsAt: '2026-11-24T11:02:00Z' }, NOW),
    ).toBe('lasted 45m');
    expect(duration('2026-11-24T13:28:15Z', NOW)).toBe('45s');
    expect(duration('2026-11-20T13:29:00Z', NOW, '2026-11-24T15:29:00Z')).toBe('4d 2h');
    expect(() => duration('yesterday', NOW)).toThrow('not a time');
  });

  test('datetime: UTC, or an IANA zone', () => {
    expect(datetime('2026-11-24T10:17:00Z')).toBe('2026-11-24 10:17:00 UTC');
    expect(datetime('2026-11-24T10:17:00Z', 'Europe/Paris')).toBe('2026-11-24 11:17:00 GMT+1');
    expect(datetime('2026-07-01T10:17:00Z', 'America/New_York')).toBe('2026-07-01 06:17:00 EDT');
    expect(() => datetime('2026-11-24T10:17:00Z', 'Mars/Olympus')).toThrow('unknown time zone');
  });

  test('without: names or another label set', () => {
    expect(without({ b: '2', a: '1', c: '3' }, 'c')).toEqual({ a: '1', b: '2' });
    expect(Object.keys(without({ b: '2', a: '1', c: '3' }, { a: 'x' }))).toEqual(['b', 'c']);
  });

  test('severity colours', () => {
    expect(severityColor({ labels: { severity: 'critical' } })).toBe('#b91c1c');
    expect(severityColor('warning', 'text')).toBe('#1f2937');
    expect(severityColor({ labels: {} }, 'edge')).toBe('#6b7280');
    expect(() => severityColor('info', 'blink')).toThrow('severity_color');
  });

  test('in a template', () => {
    const mail = render(
      {
        text: '{{ alerts[0] | duration }} | {{ alerts[0].startsAt | datetime: "Asia/Tokyo" }} | {{ alerts[0].labels | without: "pod" | json }} | {{ alerts[0] | severity_color }}',
      },
      [alert({ alertname: 'X', pod: 'p', severity: 'info' })],
    );
    expect(mail.text).toBe(
      'firing for 3h 12m | 2026-11-24 19:17:00 GMT+9 | {"alertname":"X","severity":"info"} | #1d4ed8',
    );
  });
});

describe('strictness', () => {
  test('an unknown variable is an error naming the part, line and column', () => {
    const error = refusal({ html: '<p>\n  {{ alerts[0].labels.nope }}</p>' });
    expect(error).toMatchObject({ part: 'html', line: 2, column: 6 });
    expect(error.reason).toContain('undefined variable');
  });

  test('an unknown filter is an error at parse time', () => {
    expect(() => compileTemplate({ ...TEMPLATE, text: 'a\nb {{ status | shout }}' })).toThrow(TemplateError);
    try {
      compileTemplate({ ...TEMPLATE, text: 'a\nb {{ status | shout }}' });
    } catch (error) {
      expect(error).toMatchObject({ part: 'text', line: 2, column: 3 });
    }
  });

  test('HTML filters are for the HTML part only', () => {
    expect(() => compileTemplate({ ...TEMPLATE, subject: '{{ status | breakable }}' })).toThrow('undefined filter');
  });

  test('an absent annotation is falsy in if and default (as in Alertmanager templates)', () => {
    expect(
      render({
        text: '{% if alerts[0].annotations.runbook %}r{% else %}none{% endif %} {{ alerts[0].annotations.runbook | default: "-" }}',
      }).text,
    ).toBe('none -');
  });

  test.each([
    "{% include '/etc/passwd' %}",
    "{% render '/etc/passwd' %}",
    "{% layout '/etc/passwd' %}x",
    "{% include 'https://example.com/x' %}",
  ])('no file system or network: %s fails', (source) => {
    const error = refusal({ html: source });
    expect(error.part).toBe('html');
    expect(error.reason).not.toContain('root:');
  });

  test('render time and output are bounded', () => {
    expect(
      refusal({ text: '{% for i in (1..100000000) %}{% for j in (1..1000) %}x{% endfor %}{% endfor %}' }).part,
    ).toBe('text');
    expect(
      refusal({ text: '{% for i in (1..30000) %}0123456789012345678901234567890123456789{% endfor %}' }).reason,
    ).toMatch(/exceeds|limit/);
  });

  test('a template may refer to everything in every sample', () => {
    for (const sample of SAMPLE_NAMES) {
      const { kind, alerts } = sampleAlerts(sample, NOW);
      const mail = render({ subject: '{{ alerts[0].labels.severity }} {{ commonLabels.namespace }}' }, alerts, kind);
      expect(mail.subject).toMatch(/^(critical|warning) payments$/);
    }
  });
});

describe('escaping', () => {
  const hostile = alert({ alertname: '<script>alert(1)</script>', team: '"><img src=x onerror=alert(1)>' });

  test('the HTML part escapes every output; our HTML filters escape what they output', () => {
    const mail = render(
      {
        html: '<p title="{{ alerts[0].labels.team }}">{{ alerts[0].labels.alertname }}</p>{{ alerts[0].labels.alertname | breakable }}{{ alerts[0].labels.team | linkify }}',
      },
      [hostile],
    );
    expect(mail.html).not.toMatch(/<script|<img/);
    expect(mail.html).toContain('&lt;script&gt;');
    expect(mail.html).toContain('title="&quot;&gt;&lt;img');
  });

  test('the text part and the subject are text: nothing is escaped', () => {
    const mail = render({ subject: '{{ alerts[0].labels.alertname }}', text: '{{ alerts[0].labels.team }}' }, [
      hostile,
    ]);
    expect(mail.subject).toBe('<script>alert(1)</script>');
    expect(mail.text).toBe('"><img src=x onerror=alert(1)>');
  });

  test('label values are data, never template source', () => {
    const mail = render({ subject: '{{ alerts[0].labels.alertname }}', text: '{{ alerts[0].labels.x }}' }, [
      alert({ alertname: '{{ consoleURL }}', x: "{% include '/etc/passwd' %}" }),
    ]);
    expect(mail.subject).toBe('{{ consoleURL }}');
    expect(mail.text).toBe("{% include '/etc/passwd' %}");
  });
});

describe('the subject cannot break the mail', () => {
  const hostileValues = [
    'DiskFull\r\nBcc: victim@example.com',
    'DiskFull\nTo: other@example.com\n\n<html>body</html>',
    'Disk\u0000Full\u001b[31m\u2028Cc: x@example.com',
    `Ünïcødé ✓ ${'long words '.repeat(30)}`,
  ];

  test.each(hostileValues)('a label %j', async (value) => {
    const mail = render(
      { subject: '[{{ status }}] {{ alerts[0].labels.alertname }} {{ alerts[0].labels.alertname }}' },
      [alert({ alertname: value })],
    );
    // biome-ignore lint/suspicious/noControlCharactersInRegex: the point is that none is left
    expect(mail.subject).not.toMatch(/[\r\n\u0000-\u001f]/);
    expect(Array.from(mail.subject).length).toBeLessThanOrEqual(150);
    const composed = await composeMail({
      from: 'alertmail <alerts@example.com>',
      to: ['oncall@example.com'],
      ...mail,
      date: NOW,
      messageId: '<abc123@example.com>',
    });
    const raw = composed.raw.toString('latin1');
    const headers = raw.slice(0, raw.indexOf('\r\n\r\n'));
    // Folded and encoded: every header line is ASCII and short, and only the headers the composer writes are there.
    for (const line of headers.split('\r\n')) {
      expect(line).toMatch(/^[\x20-\x7e\t]*$/);
      expect(line.length).toBeLessThanOrEqual(998);
    }
    expect(headers).not.toMatch(/^(bcc|cc):/im);
    const parsed = await simpleParser(composed.raw);
    expect(parsed.subject).toBe(mail.subject);
    expect(parsed.to && !Array.isArray(parsed.to) ? parsed.to.value.map((v) => v.address) : []).toEqual([
      'oncall@example.com',
    ]);
    expect(parsed.headers.has('bcc')).toBe(false);
    expect(parsed.headers.has('cc')).toBe(false);
  });

  test('an empty subject is an error', () => {
    expect(refusal({ subject: '{{ "" }}  ' })).toMatchObject({ part: 'subject', reason: 'the subject is empty' });
  });
});

describe('renderMail', () => {
  const alerts = [alert({ alertname: 'DiskFull' })];
  test('no template: the built-in mail', async () => {
    const { mail, templateError } = await renderMail('firing', alerts, NOW, { templateName: 'default' }, null);
    expect(mail.subject).toBe('[FIRING:1] DiskFull');
    expect(templateError).toBeUndefined();
  });

  test('a template that fails falls back to the built-in mail, saying why', async () => {
    const broken = { ...TEMPLATE, text: '{{ alerts[0].labels.team }}' };
    const { mail, templateError } = await renderMail('firing', alerts, NOW, { templateName: 'ops' }, broken);
    expect(mail.subject).toBe('[FIRING:1] DiskFull');
    expect(templateError).toBe('template ops: text line 1, column 4: undefined variable: alerts.0.labels.team');
  });

  test('a custom template is used', async () => {
    const { mail } = await renderMail(
      'firing',
      alerts,
      NOW,
      { templateName: 'ops' },
      { ...TEMPLATE, subject: 'Ops: {{ alerts.size }}' },
    );
    expect(mail.subject).toBe('Ops: 1');
  });
});
