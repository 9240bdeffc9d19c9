/**
 * Issue 16 through HTTP with real parts (DynamoDB Local, a real SMTP server): a silence holds an
 * alert; when it ends (by time, with the app's clock moved, or by DELETE) the sweeper mails the
 * still-firing alert once, without a re-post; an alert resolved meanwhile sends nothing; sweeper
 * runs racing a post of the same alert send one mail.
 */
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

describe('silences and the mail sent when they end', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let offsetMs = 0;
  const now = () => new Date(Date.now() + offsetMs);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ clock: now, sweepSeconds: 0 });
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const post = (alerts: unknown[]) =>
    call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });
  const firing = (alertname: string, extra: Record<string, unknown> = {}) => ({
    labels: { alertname, instance: 'db-1' },
    annotations: { summary: `${alertname} on db-1` },
    status: 'firing',
    ...extra,
  });
  const silence = async (alertname: string, hours = 1) => {
    const res = await admin('POST', '/v1/silences', {
      matchers: [{ label: 'alertname', operator: 'In', values: [alertname] }],
      endsAt: new Date(now().getTime() + hours * 3_600_000).toISOString(),
      comment: 'maintenance',
    });
    expect(res.status).toBe(201);
    return res.body as { id: string; state: string; startsAt: string; createdBy: string };
  };

  it('holds a matching alert, and mails it once when the silence ends by time, without a re-post', async () => {
    const before = smtp.received.length;
    const created = await silence('DiskFull');
    expect(created).toMatchObject({ state: 'active', createdBy: 'admin' });

    const first = await post([firing('DiskFull')]);
    const again = await post([firing('DiskFull')]);
    expect(first.body).toMatchObject({ received: 1, notified: 0, suppressed: { silenced: 1, muted: 0 } });
    expect(again.body).toMatchObject({ notified: 0, suppressed: { silenced: 1 } });
    expect((await runtime.sweep()).sent).toBe(0);

    const held = await admin('GET', '/v1/deliveries?held=true');
    expect(held.body.held).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ labels: { alertname: 'DiskFull', instance: 'db-1' }, silencedBy: [created.id] }),
      ]),
    );

    offsetMs += 3_600_000 + 1_000;
    expect((await admin('GET', '/v1/silences?state=expired')).body.silences.map((s: { id: string }) => s.id)).toContain(
      created.id,
    );
    const swept = await runtime.sweep();
    expect(swept.sent).toBe(1);
    const mails = await smtp.expectExactly(before + 1);
    const mail = mails[before]?.parsed;
    expect(mail?.subject).toContain('DiskFull');
    expect(mail?.text).toMatch(/muted from \S+ until \S+\s+\(silence [0-9a-f-]{36}\)/);

    // Sent once: another run and a re-post inside the repeat interval send nothing more.
    expect((await runtime.sweep()).sent).toBe(0);
    expect((await post([firing('DiskFull')])).body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    await smtp.expectExactly(before + 1);
  });

  it('mails the still-firing alert when the silence is expired by DELETE', async () => {
    const before = smtp.received.length;
    const created = await silence('CpuHot');
    expect((await post([firing('CpuHot')])).body).toMatchObject({ suppressed: { silenced: 1 } });
    expect((await admin('DELETE', `/v1/silences/${created.id}`)).status).toBe(204);
    const listed = (await admin('GET', '/v1/silences')).body.silences.find((s: { id: string }) => s.id === created.id);
    expect(listed.state).toBe('expired');
    expect((await runtime.sweep()).sent).toBe(1);
    const mails = await smtp.expectExactly(before + 1);
    expect(mails[before]?.parsed.subject).toContain('CpuHot');
  });

  it('sends nothing for an alert that resolved while silenced, or whose endsAt passed', async () => {
    const before = smtp.received.length;
    const created = await silence('QueueStuck');
    const endsSoon = new Date(now().getTime() + 60_000).toISOString();
    await post([
      firing('QueueStuck'),
      firing('QueueStuck', { labels: { alertname: 'QueueStuck', instance: 'db-2' }, endsAt: endsSoon }),
    ]);
    expect((await post([firing('QueueStuck', { status: 'resolved' })])).body).toMatchObject({
      suppressed: { silenced: 1 },
    });
    offsetMs += 120_000;
    expect((await admin('DELETE', `/v1/silences/${created.id}`)).status).toBe(204);
    const swept = await runtime.sweep();
    expect(swept).toMatchObject({ sent: 0, forgotten: 1 });
    await smtp.expectExactly(before);
  });

  it('sends one mail when two sweeper runs race a post of the same alert', async () => {
    const before = smtp.received.length;
    const created = await silence('RaceMe');
    expect((await post([firing('RaceMe')])).body).toMatchObject({ suppressed: { silenced: 1 } });
    expect((await admin('DELETE', `/v1/silences/${created.id}`)).status).toBe(204);
    const [a, b, posted] = await Promise.all([runtime.sweep(), runtime.sweep(), post([firing('RaceMe')])]);
    expect(a.sent + b.sent + (posted.body.notified as number)).toBe(1);
    await smtp.expectExactly(before + 1, 1_000);
  });

  it('refuses bad silences with the field named, and changes nothing', async () => {
    const count = (await admin('GET', '/v1/silences')).body.silences.length;
    const far = new Date(now().getTime() + 91 * 86_400_000).toISOString();
    const cases: Array<[unknown, string]> = [
      [{ matchers: [], endsAt: far }, 'matchers'],
      [{ matchers: [{ label: 'a', operator: 'In', values: ['b'] }] }, 'endsAt'],
      [{ matchers: [{ label: 'a', operator: 'In', values: ['b'] }], endsAt: far }, 'endsAt'],
      [{ matchers: [{ label: 'a', operator: 'In', values: ['b'] }], endsAt: 'tomorrow' }, 'endsAt'],
      [
        {
          matchers: [{ label: 'a', operator: 'In', values: ['b'] }],
          startsAt: new Date(now().getTime() + 7_200_000).toISOString(),
          endsAt: new Date(now().getTime() + 3_600_000).toISOString(),
        },
        'endsAt',
      ],
    ];
    for (const [body, field] of cases) {
      const res = await admin('POST', '/v1/silences', body);
      expect(res.status).toBe(400);
      expect(res.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
    }
    expect((await admin('PUT', '/v1/silences/not-a-uuid', cases[0]?.[0])).status).toBe(400);
    expect((await admin('DELETE', '/v1/silences/00000000-0000-4000-8000-000000000000')).status).toBe(404);
    expect((await admin('GET', '/v1/silences?state=later')).status).toBe(400);
    expect((await admin('GET', '/v1/silences')).body.silences).toHaveLength(count);
  });

  it('edits and extends a silence with PUT; a pending one holds nothing yet', async () => {
    const created = await silence('Extend');
    const endsAt = new Date(now().getTime() + 5 * 3_600_000).toISOString();
    const edited = await admin('PUT', `/v1/silences/${created.id}`, {
      matchers: [{ label: 'alertname', operator: 'In', values: ['Extend'] }],
      endsAt,
      comment: 'longer',
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ id: created.id, endsAt, comment: 'longer', startsAt: created.startsAt });

    const pending = await admin('POST', '/v1/silences', {
      matchers: [{ label: 'alertname', operator: 'In', values: ['Later'] }],
      startsAt: new Date(now().getTime() + 3_600_000).toISOString(),
      endsAt: new Date(now().getTime() + 7_200_000).toISOString(),
    });
    expect(pending.body.state).toBe('pending');
    expect((await admin('GET', '/v1/silences?state=pending')).body.silences.map((s: { id: string }) => s.id)).toEqual([
      pending.body.id,
    ]);
    const before = smtp.received.length;
    expect((await post([firing('Later')])).body).toMatchObject({ notified: 1, suppressed: { silenced: 0 } });
    await smtp.expectExactly(before + 1);
  });
});
