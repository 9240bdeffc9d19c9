/**
 * Issue 16: a route's mute window holds its alerts while in force, read in the window's IANA
 * timezone; when it closes the sweeper mails the still-firing alert once (real DynamoDB Local and
 * SMTP, the app's clock set). The window crosses Europe/Berlin's spring DST change (2027-03-28,
 * 02:00 CET -> 03:00 CEST): 01:00-04:00 local is 00:00Z-02:00Z that night, not 00:00Z-03:00Z.
 */
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

describe('mute windows on a route, and the mail sent when one closes', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let clock = new Date('2027-03-27T23:58:00Z');

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ clock: () => clock, sweepSeconds: 0 });
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const post = (alertname: string) =>
    call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: { alerts: [{ labels: { alertname, team: 'ops' }, annotations: { summary: alertname }, status: 'firing' }] },
    });

  it('mutes inside the window (local time, across the DST jump) and mails once when it closes', async () => {
    const window = {
      timezone: 'Europe/Berlin',
      intervals: [{ times: [{ start: '01:00', end: '04:00' }] }],
    };
    expect((await admin('PUT', '/v1/mute-windows/nights', window)).status).toBe(201);
    expect((await admin('GET', '/v1/mute-windows/nights')).body).toEqual({ name: 'nights', ...window });
    const route = {
      name: 'ops',
      recipients: ['ops@example.com'],
      conditions: [{ label: 'team', operator: 'In', values: ['ops'] }],
      muteWindows: ['nights'],
    };
    expect((await admin('POST', '/v1/routes', route)).status).toBe(201);

    // 00:58 CET: not yet open, mailed at once.
    expect((await post('BeforeWindow')).body).toMatchObject({ notified: 1, suppressed: { muted: 0 } });
    await smtp.expectExactly(1);

    // 01:00 CET (00:00Z): open. The dry run names the window.
    clock = new Date('2027-03-28T00:00:00Z');
    expect((await post('InWindow')).body).toMatchObject({ notified: 0, suppressed: { muted: 1, silenced: 0 } });
    const dry = await admin('POST', '/v1/alerts/dry-run', {
      alerts: [{ labels: { alertname: 'InWindow', team: 'ops' }, status: 'firing' }],
    });
    expect(dry.body.alerts[0].routes[0]).toMatchObject({ route: 'ops', decision: 'muted', mutedBy: ['nights'] });

    // 03:59 CEST (01:59Z): still in force, after the jump; a fixed +01:00 offset would say 02:59.
    clock = new Date('2027-03-28T01:59:00Z');
    expect((await post('InWindow')).body).toMatchObject({ suppressed: { muted: 1 } });
    expect((await runtime.sweep()).sent).toBe(0);
    await smtp.expectExactly(1);

    // 04:00 CEST (02:00Z): closed. The sweeper mails the held alert once, without a re-post.
    clock = new Date('2027-03-28T02:00:30Z');
    expect((await runtime.sweep()).sent).toBe(1);
    const mails = await smtp.expectExactly(2);
    expect(mails[1]?.parsed.subject).toContain('InWindow');
    expect(mails[1]?.parsed.text).toMatch(
      /muted from 2027-03-28T00:00:00.000Z until 2027-03-28T02:00:30.000Z\s+\(mute window nights\)/,
    );
    expect((await runtime.sweep()).sent).toBe(0);
    await smtp.expectExactly(2);
  });

  it('a silence names itself in the dry run, on every route', async () => {
    clock = new Date('2027-03-28T12:00:00Z');
    const created = await admin('POST', '/v1/silences', {
      matchers: [{ label: 'alertname', operator: 'Matches', values: ['Maint.*'] }],
      endsAt: '2027-03-28T13:00:00Z',
    });
    expect(created.status).toBe(201);
    const dry = await admin('POST', '/v1/alerts/dry-run', {
      alerts: [{ labels: { alertname: 'Maintenance', team: 'ops' }, status: 'firing' }],
    });
    expect(dry.body.alerts[0].routes[0]).toMatchObject({
      route: 'ops',
      decision: 'silenced',
      silencedBy: [created.body.id],
    });
    const bad = await admin('POST', '/v1/silences', {
      matchers: [{ label: 'alertname', operator: 'Matches', values: ['('] }],
      endsAt: '2027-03-28T13:00:00Z',
    });
    expect(bad.status).toBe(400);
    expect(bad.body.error.details[0].field).toBe('matchers[0].values[0]');
  });
});
