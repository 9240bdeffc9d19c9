/**
 * Templates through HTTP, against DynamoDB Local and a real SMTP server: the shipped `default`
 * (with its "Silence this" links to the runtime's console), an edited `default` used for the mails,
 * a template refused with its part, line and column and nothing stored, a template that fails at
 * send time falling back to the shipped mail (logged in GET /v1/deliveries), the preview (samples,
 * given alerts, errors, sent as a test message), and the lifecycle of a custom template.
 */
import { silenceUrl } from '../../lib/domain/mail/silence-link';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

const CUSTOM = {
  subject: 'Custom {{ status }}: {{ alerts.size }} × {{ commonLabels.alertname }}',
  text: '{% for alert in alerts %}* {{ alert | headline }} ({{ alert | duration }}) {{ alert.silenceURL }}\n{% endfor %}',
  html: '<h1>{{ commonLabels.alertname }}</h1>{% for alert in alerts %}<p style="color:{{ alert | severity_color }}">{{ alert.annotations.summary | default: "-" }}</p>{% endfor %}',
};

let counter = 0;
/** A generic alert, new each call (a new fingerprint), so each is due a mail. */
function freshAlert(labels: Record<string, string> = {}) {
  counter += 1;
  return {
    alerts: [
      {
        labels: { alertname: 'DiskFull', instance: `db-${counter}-${Date.now()}`, severity: 'critical', ...labels },
        annotations: { summary: '<b>Disk</b> is full' },
        status: 'firing',
      },
    ],
  };
}

describe('templates', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  const admin = () => runtime.adminToken;
  const post = (body: unknown) => call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body });

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  it('ships `default`: listed, readable, and the mail carries a Silence this link to the console', async () => {
    const list = await call(runtime.url, 'GET', '/v1/templates', { token: admin() });
    expect(list.status).toBe(200);
    expect(list.body).toEqual({ templates: [{ name: 'default', stored: false }] });
    const shipped = await call(runtime.url, 'GET', '/v1/templates/default', { token: admin() });
    expect(shipped.status).toBe(200);
    expect(shipped.body).toMatchObject({ name: 'default', stored: false });
    expect(shipped.body.html).toContain('{%- for alert in alerts -%}');

    const alert = freshAlert();
    expect((await post(alert)).status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    const link = silenceUrl(`${runtime.url}/`, alert.alerts[0]?.labels ?? {});
    expect(mail?.parsed.subject).toMatch(/^\[FIRING:1\] DiskFull/);
    // The URL on a line of its own when it does not fit beside the words (never cut).
    expect(mail?.parsed.text?.replace(/\s+/g, ' ')).toContain(`Silence this: ${link}`);
    expect(mail?.parsed.html).toContain(`href="${link.replace(/&/g, '&amp;')}"`);
  });

  it('refuses a template that does not render, naming the part, line and column, and stores nothing', async () => {
    const refused = await call(runtime.url, 'PUT', '/v1/templates/default', {
      token: admin(),
      body: { ...CUSTOM, html: '<p>\n  {{ alerts[0].labels.nope }}</p>' },
    });
    expect(refused.status).toBe(400);
    expect(refused.body.error.code).toBe('VALIDATION_FAILED');
    expect(refused.body.error.details).toEqual([
      expect.objectContaining({
        field: 'html',
        line: 2,
        column: 6,
        message: expect.stringContaining('undefined variable'),
      }),
    ]);
    const unknownFilter = await call(runtime.url, 'PUT', '/v1/templates/default', {
      token: admin(),
      body: { ...CUSTOM, subject: '{{ status | shout }}' },
    });
    expect(unknownFilter.status).toBe(400);
    expect(unknownFilter.body.error.details[0]).toMatchObject({ field: 'subject', line: 1, column: 1 });
    const include = await call(runtime.url, 'PUT', '/v1/templates/default', {
      token: admin(),
      body: { ...CUSTOM, text: "{% include '/etc/passwd' %}" },
    });
    expect(include.status).toBe(400);
    expect(include.body.error.details[0]).toMatchObject({ field: 'text' });
    expect(include.text).not.toContain('root:');
    const badName = await call(runtime.url, 'PUT', '/v1/templates/Not_A_Name', { token: admin(), body: CUSTOM });
    expect(badName.status).toBe(400);
    expect(badName.body.error.details[0].field).toBe('name');
    const missingPart = await call(runtime.url, 'PUT', '/v1/templates/default', {
      token: admin(),
      body: { subject: 'x', text: 'y' },
    });
    expect(missingPart.status).toBe(400);
    expect(missingPart.body.error.details[0].field).toBe('html');

    const after = await call(runtime.url, 'GET', '/v1/templates/default', { token: admin() });
    expect(after.body.stored).toBe(false);
  });

  it('uses an edited `default` for the mails', async () => {
    const saved = await call(runtime.url, 'PUT', '/v1/templates/default', { token: admin(), body: CUSTOM });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ name: 'default', stored: true, subject: CUSTOM.subject });
    smtp.received.length = 0;

    const alert = freshAlert();
    expect((await post(alert)).status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.parsed.subject).toBe('Custom firing: 1 × DiskFull');
    expect(mail?.parsed.text).toContain('* <b>Disk</b> is full (firing for 0s)');
    expect(mail?.parsed.text).toContain(silenceUrl(`${runtime.url}/`, alert.alerts[0]?.labels ?? {}));
    expect(mail?.parsed.html).toContain(
      '<h1>DiskFull</h1><p style="color:#b91c1c">&lt;b&gt;Disk&lt;/b&gt; is full</p>',
    );
    const { body } = await call(runtime.url, 'GET', '/v1/deliveries?limit=1', { token: admin() });
    expect(body.deliveries[0]).toMatchObject({ outcome: 'sent', subject: 'Custom firing: 1 × DiskFull' });
    expect(body.deliveries[0].templateError).toBeUndefined();
  });

  it('falls back to the shipped mail when the template fails at send time, and logs why', async () => {
    // Valid against every sample (they have a pod label), not for an alert without one.
    const fragile = { ...CUSTOM, subject: 'Pod {{ alerts[0].labels.pod }}' };
    expect((await call(runtime.url, 'PUT', '/v1/templates/default', { token: admin(), body: fragile })).status).toBe(
      200,
    );
    smtp.received.length = 0;

    expect((await post(freshAlert())).status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.parsed.subject).toMatch(/^\[FIRING:1\] DiskFull/);
    expect(mail?.parsed.text).toContain('Disk</b> is full');
    const { body } = await call(runtime.url, 'GET', '/v1/deliveries?limit=1', { token: admin() });
    expect(body.deliveries[0]).toMatchObject({
      outcome: 'sent',
      templateError: 'template default: subject line 1, column 8: undefined variable: alerts.0.labels.pod',
    });
    expect(runtime.logs.some((line) => line.includes('template failed'))).toBe(true);
  });

  it('restores the shipped `default` with DELETE', async () => {
    expect((await call(runtime.url, 'DELETE', '/v1/templates/default', { token: admin() })).status).toBe(204);
    const restored = await call(runtime.url, 'GET', '/v1/templates/default', { token: admin() });
    expect(restored.body.stored).toBe(false);
    expect((await call(runtime.url, 'DELETE', '/v1/templates/default', { token: admin() })).status).toBe(204);
    smtp.received.length = 0;
    expect((await post(freshAlert())).status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.parsed.subject).toMatch(/^\[FIRING:1\] DiskFull/);
  });

  it('adds, lists, reads and deletes a custom template (404 when absent)', async () => {
    expect((await call(runtime.url, 'GET', '/v1/templates/ops', { token: admin() })).status).toBe(404);
    expect((await call(runtime.url, 'PUT', '/v1/templates/ops', { token: admin(), body: CUSTOM })).status).toBe(200);
    const list = await call(runtime.url, 'GET', '/v1/templates', { token: admin() });
    expect(list.body.templates).toEqual([
      { name: 'default', stored: false },
      { name: 'ops', stored: true },
    ]);
    expect((await call(runtime.url, 'GET', '/v1/templates/ops', { token: admin() })).body).toMatchObject(CUSTOM);
    expect((await call(runtime.url, 'DELETE', '/v1/templates/ops', { token: admin() })).status).toBe(204);
    expect((await call(runtime.url, 'DELETE', '/v1/templates/ops', { token: admin() })).status).toBe(404);
    expect((await call(runtime.url, 'GET', '/v1/templates', { token: admin() })).body.templates).toEqual([
      { name: 'default', stored: false },
    ]);
  });

  it('previews a draft or a stored template against the samples or given alerts', async () => {
    const draft = await call(runtime.url, 'POST', '/v1/templates/preview', {
      token: admin(),
      body: { template: CUSTOM, sample: 'resolved-many' },
    });
    expect(draft.status).toBe(200);
    expect(draft.body.subject).toBe('Custom resolved: 3 × KubePodCrashLooping');
    expect(draft.body.text.split('\n').filter((l: string) => l.startsWith('* '))).toHaveLength(3);
    const shipped = await call(runtime.url, 'POST', '/v1/templates/preview', {
      token: admin(),
      body: { template: 'default', alerts: [{ labels: { alertname: 'Given', severity: 'info' } }] },
    });
    expect(shipped.status).toBe(200);
    expect(shipped.body.subject).toBe('[FIRING:1] Given (info)');
    expect(shipped.body.html).toContain('Silence this');
    const broken = await call(runtime.url, 'POST', '/v1/templates/preview', {
      token: admin(),
      body: { template: { ...CUSTOM, text: 'ok\n{% if %}' } },
    });
    expect(broken.status).toBe(400);
    expect(broken.body.error.details[0]).toMatchObject({ field: 'text', line: 2 });
    const missing = await call(runtime.url, 'POST', '/v1/templates/preview', {
      token: admin(),
      body: { template: 'nope' },
    });
    expect(missing.status).toBe(404);
    const badSample = await call(runtime.url, 'POST', '/v1/templates/preview', {
      token: admin(),
      body: { template: 'default', sample: 'firing-all' },
    });
    expect(badSample.status).toBe(400);
    expect(badSample.body.error.details[0].field).toBe('sample');
  });

  it('sends a preview as a test message', async () => {
    smtp.received.length = 0;
    const sent = await call(runtime.url, 'POST', '/v1/templates/preview', {
      token: admin(),
      body: { template: CUSTOM, sample: 'firing-many', send: true },
    });
    expect(sent.status).toBe(200);
    expect(sent.body.sent).toMatchObject({ sent: true, accepted: ['oncall@example.com'] });
    const [mail] = await smtp.waitFor(1);
    expect(mail?.parsed.subject).toBe('[TEST] Custom firing: 3 × KubePodCrashLooping');
    const { body } = await call(runtime.url, 'GET', '/v1/deliveries?limit=1', { token: admin() });
    expect(body.deliveries[0]).toMatchObject({
      kind: 'test',
      subject: '[TEST] Custom firing: 3 × KubePodCrashLooping',
    });
  });

  it("uses a route's template for that route's mails, and the default for the others", async () => {
    const ops = { ...CUSTOM, subject: 'Ops route: {{ route }} {{ alerts.size }}' };
    expect((await call(runtime.url, 'PUT', '/v1/templates/ops', { token: admin(), body: ops })).status).toBe(200);
    const route = await call(runtime.url, 'POST', '/v1/routes', {
      token: admin(),
      body: {
        name: 'ops',
        recipients: ['ops@example.com'],
        conditions: [{ label: 'team', operator: 'In', values: ['ops'] }],
        template: 'ops',
      },
    });
    expect(route.status).toBe(201);
    smtp.received.length = 0;

    expect((await post(freshAlert({ team: 'ops' }))).status).toBe(202);
    expect((await post(freshAlert({ team: 'web' }))).status).toBe(202);
    const mails = await smtp.waitFor(2);
    const subjects = Object.fromEntries(mails.map((m) => [m.envelope.to.join(','), m.parsed.subject]));
    expect(subjects['ops@example.com']).toBe('Ops route: ops 1');
    expect(subjects['oncall@example.com']).toMatch(/^\[FIRING:1\] DiskFull/);

    // A route naming a template that is gone: the shipped mail, and the deliveries log says why.
    expect((await call(runtime.url, 'DELETE', '/v1/templates/ops', { token: admin() })).status).toBe(204);
    smtp.received.length = 0;
    expect((await post(freshAlert({ team: 'ops' }))).status).toBe(202);
    const [fallback] = await smtp.waitFor(1);
    expect(fallback?.envelope.to).toEqual(['ops@example.com']);
    expect(fallback?.parsed.subject).toMatch(/^\[FIRING:1\] DiskFull/);
    const { body } = await call(runtime.url, 'GET', '/v1/deliveries?route=ops&limit=1', { token: admin() });
    expect(body.deliveries[0]).toMatchObject({ route: 'ops', templateError: 'template ops: no such template' });
    expect((await call(runtime.url, 'DELETE', '/v1/routes/ops', { token: admin() })).status).toBe(204);
  });

  it('is for admins only', async () => {
    const asIngest = await call(runtime.url, 'GET', '/v1/templates', { token: runtime.ingestToken });
    expect(asIngest.status).toBe(403);
    const anonymous = await call(runtime.url, 'PUT', '/v1/templates/default', { body: CUSTOM });
    expect(anonymous.status).toBe(401);
  });
});
