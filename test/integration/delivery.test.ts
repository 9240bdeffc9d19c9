/**
 * Alert delivery end to end against real components: the local runtime on DynamoDB Local and a
 * real SMTP server. Conditions, the enabled toggle, the repeat interval on the TTL table (with an
 * injected clock and with items written straight into the table), resolved notices, failures and
 * retries, hostile labels, limits, the deliveries log, and the steady-state cost.
 */
import { randomBytes } from 'node:crypto';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { createApp } from '../../functions/app';
import { fingerprint } from '../../lib/domain/alerts/fingerprint';
import { parseAlertPayload } from '../../lib/domain/alerts/parse';
import { alertmanagerFiring, clone } from '../fixtures';
import {
  type CountingDynamoProxy,
  call,
  mailThrough,
  sleep,
  startCountingDynamoProxy,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

type Labels = Record<string, string>;

interface GenericAlert {
  labels: Labels;
  annotations?: Labels;
  status?: 'firing' | 'resolved';
  startsAt?: string;
  endsAt?: string;
  generatorURL?: string;
}

const silentLog = { info: () => {}, warn: () => {}, error: () => {} };
const unique = (prefix: string) => `${prefix}${randomBytes(4).toString('hex')}`;

function alert(labels: Labels, extra: Omit<GenericAlert, 'labels'> = {}): GenericAlert {
  return {
    labels,
    annotations: { summary: `${labels.alertname ?? 'alert'} summary`, ...extra.annotations },
    startsAt: '2026-11-24T11:15:51Z',
    ...extra,
  };
}

/** Headers of a raw message, unfolded, one per line. */
function headerLines(raw: Buffer): string[] {
  const text = raw.toString('utf8');
  const end = text.indexOf('\r\n\r\n');
  return text
    .slice(0, end)
    .replace(/\r\n[ \t]+/g, ' ')
    .split('\r\n');
}

describe('alert delivery', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let dynamo: DynamoDBClient;
  let stateTable: string;

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const post = (body: unknown, route = '/v1/alerts') =>
    call(runtime.url, 'POST', route, { token: runtime.ingestToken, body });
  const postAlerts = (alerts: GenericAlert[]) => post({ alerts });

  const mails = (count: number) => smtp.expectExactly(count);

  const stateItem = async (labels: Labels) =>
    (
      await dynamo.send(
        new GetItemCommand({ TableName: stateTable, Key: { pk: { S: fingerprint(labels) } }, ConsistentRead: true }),
      )
    ).Item;

  async function putState(labels: Labels, item: Record<string, { S: string } | { N: string }>): Promise<void> {
    await dynamo.send(new PutItemCommand({ TableName: stateTable, Item: { pk: { S: fingerprint(labels) }, ...item } }));
  }

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    expect(
      (
        await admin('PUT', '/v1/config/server', {
          host: '127.0.0.1',
          port: smtp.port,
          security: 'none',
          from: 'alerts@example.com',
        })
      ).status,
    ).toBe(200);
    expect((await admin('POST', '/v1/config/recipients', { address: 'oncall@example.com' })).status).toBe(201);
    dynamo = new DynamoDBClient({
      endpoint: runtime.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    stateTable = runtime.app.env.ALERTMAIL_STATE_TABLE;
  });

  afterAll(async () => {
    dynamo?.destroy();
    await runtime?.stop();
    await smtp?.stop();
  });

  beforeEach(() => {
    smtp.received.length = 0;
  });

  describe('conditions', () => {
    afterEach(async () => {
      expect((await admin('PUT', '/v1/config/conditions', [])).status).toBe(200);
    });

    it('suppresses the alerts that fail a condition and emails the others, counting both', async () => {
      const name = unique('Cond');
      expect(
        (
          await admin('PUT', '/v1/config/conditions', [
            { label: 'severity', operator: 'In', values: ['critical'] },
            { label: 'namespace', operator: 'NotIn', values: ['kube-system'] },
            { label: 'pod', operator: 'Exists' },
          ])
        ).status,
      ).toBe(200);

      const res = await postAlerts([
        alert({ alertname: name, severity: 'critical', namespace: 'payments', pod: 'p1' }), // passes
        alert({ alertname: name, severity: 'critical', pod: 'p2' }), // passes: NotIn holds when absent
        alert({ alertname: name, severity: 'warning', namespace: 'payments', pod: 'p3' }), // In fails
        alert({ alertname: name, severity: 'critical', namespace: 'kube-system', pod: 'p4' }), // NotIn fails
        alert({ alertname: name, severity: 'critical', namespace: 'payments' }), // Exists fails
      ]);

      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        received: 5,
        matched: 2,
        notified: 2,
        suppressed: {
          conditions: 3,
          repeatInterval: 0,
          disabled: 0,
          notConfigured: 0,
          silenced: 0,
          muted: 0,
          undeliverable: 0,
        },
        deliveryId: expect.any(String),
      });
      const [mail] = await mails(1);
      expect(mail?.parsed.subject).toBe(`[FIRING:2] ${name} (critical)`);
      expect(mail?.parsed.text).toContain('pod = p1');
      expect(mail?.parsed.text).toContain('pod = p2');
      for (const pod of ['p3', 'p4']) expect(mail?.parsed.text).not.toContain(`pod = ${pod}`);
    });

    it('suppresses everything when no alert passes: no mail, no state written', async () => {
      const labels = { alertname: unique('Cond'), severity: 'info' };
      await admin('PUT', '/v1/config/conditions', [{ label: 'severity', operator: 'NotIn', values: ['info'] }]);

      const res = await postAlerts([alert(labels)]);

      expect(res.body).toMatchObject({ received: 1, matched: 0, notified: 0, suppressed: { conditions: 1 } });
      expect(res.body.deliveryId).toBeNull();
      await mails(0);
      expect(await stateItem(labels)).toBeUndefined();
    });
  });

  it('sends one email for the batch, naming every alert, in both parts, with well-formed headers', async () => {
    const name = unique('Batch');
    const pods = ['a', 'b', 'c', 'd', 'e'].map((p) => `api-${p}`);
    const res = await postAlerts(
      pods.map((pod, i) =>
        alert(
          { alertname: name, namespace: 'payments', severity: 'warning', pod },
          {
            annotations: { summary: `Pod ${pod} is crash looping`, description: `Restarted ${i + 3} times` },
            generatorURL: `http://prometheus.example:9090/graph?pod=${pod}`,
          },
        ),
      ),
    );

    expect(res.body).toMatchObject({ received: 5, matched: 5, notified: 5 });
    const [mail] = await mails(1);
    const parsed = mail?.parsed;
    expect(parsed?.subject).toBe(`[FIRING:5] ${name} (payments, warning)`);
    expect(parsed?.from?.text).toBe('alerts@example.com');
    expect(parsed?.to && !Array.isArray(parsed.to) ? parsed.to.text : parsed?.to).toBe('oncall@example.com');
    expect(parsed?.messageId).toMatch(/^<[0-9a-f]{32}@example\.com>$/);
    expect(parsed?.date).toBeInstanceOf(Date);
    expect(parsed?.references).toHaveLength(5);
    for (const pod of pods) {
      expect(parsed?.text).toContain(`Pod ${pod} is crash looping`);
      expect(parsed?.html).toContain(`Pod ${pod} is crash looping`);
      expect(parsed?.html).toContain(`http://prometheus.example:9090/graph?pod=${pod}`);
    }
    expect(parsed?.text).toContain('Restarted 7 times');
    // Labels common to the batch are shown once, the differing ones per alert.
    expect(parsed?.text?.match(/namespace = payments/g)).toHaveLength(1);
  });

  it('suppresses re-posts inside the repeat interval and counts them, with no write', async () => {
    const body = clone(alertmanagerFiring.body);
    const ns = unique('ns');
    for (const a of body.alerts) a.labels.namespace = ns;

    const first = await post(body);
    const before = await stateItem(body.alerts[0]?.labels ?? {});
    const second = await post(body);
    const third = await post(body, '/api/v2/alerts');

    expect(first.body).toMatchObject({ received: 2, notified: 2 });
    for (const res of [second, third]) {
      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        received: 2,
        matched: 2,
        notified: 0,
        suppressed: {
          conditions: 0,
          repeatInterval: 2,
          disabled: 0,
          notConfigured: 0,
          silenced: 0,
          muted: 0,
          undeliverable: 0,
        },
        deliveryId: null,
      });
    }
    expect(await stateItem(body.alerts[0]?.labels ?? {})).toEqual(before);
    await mails(1);
  });

  it('counts the same alert repeated inside one request once, the repeats as suppressed', async () => {
    const labels = { alertname: unique('Dup') };
    const res = await postAlerts([alert(labels), alert(labels), alert(labels)]);
    expect(res.body).toMatchObject({ received: 3, matched: 3, notified: 1, suppressed: { repeatInterval: 2 } });
    const [mail] = await mails(1);
    expect(mail?.parsed.subject).toBe(`[FIRING:1] ${labels.alertname}`);
  });

  describe('items written straight into the state table', () => {
    const nowSeconds = () => Math.floor(Date.now() / 1000);

    it('claims an expired item that TTL has not deleted yet', async () => {
      const expired = { alertname: unique('Expired') };
      const live = { alertname: unique('Live') };
      // Same recent sentAt for both: only expiresAt differs.
      await putState(expired, { status: { S: 'sent' }, sentAt: { N: String(Date.now()) }, expiresAt: { N: '1' } });
      await putState(live, {
        status: { S: 'sent' },
        sentAt: { N: String(Date.now()) },
        expiresAt: { N: String(nowSeconds() + 3600) },
      });

      const res = await postAlerts([alert(expired), alert(live)]);

      expect(res.body).toMatchObject({ received: 2, notified: 1, suppressed: { repeatInterval: 1 } });
      const [mail] = await mails(1);
      expect(mail?.parsed.subject).toBe(`[FIRING:1] ${expired.alertname}`);
      const item = await stateItem(expired);
      expect(item?.status?.S).toBe('sent');
      expect(Number(item?.expiresAt?.N)).toBeGreaterThan(nowSeconds() + 12 * 3600);
    });

    it('claims an alert whose claim was left by a crashed invocation once its window has passed', async () => {
      const crashed = { alertname: unique('Crashed') };
      await putState(crashed, {
        status: { S: 'pending' },
        claimId: { S: 'crashed-invocation' },
        expiresAt: { N: String(nowSeconds() - 1) },
      });

      const res = await postAlerts([alert(crashed)]);

      expect(res.body).toMatchObject({ received: 1, notified: 1 });
      const [mail] = await mails(1);
      expect(mail?.parsed.subject).toBe(`[FIRING:1] ${crashed.alertname}`);
      expect((await stateItem(crashed))?.status?.S).toBe('sent');
    });

    it('answers 503 for an alert whose claim is still in its window elsewhere, so the sender retries', async () => {
      const crashed = { alertname: unique('Crashed') };
      const inFlight = { alertname: unique('InFlight') };
      await putState(crashed, {
        status: { S: 'pending' },
        claimId: { S: 'crashed-invocation' },
        expiresAt: { N: '1' },
      });
      await putState(inFlight, {
        status: { S: 'pending' },
        claimId: { S: 'other-invocation' },
        expiresAt: { N: String(nowSeconds() + 90) },
      });

      const started = Date.now();
      const res = await postAlerts([alert(crashed), alert(inFlight)]);

      // It waited for the other invocation, which never finished, and did not pretend all was delivered.
      expect(Date.now() - started).toBeGreaterThanOrEqual(4_000);
      expect(res.status).toBe(503);
      expect(res.body.error.code).toBe('DELIVERY_FAILED');
      expect(res.body.error.message).toContain('another request');
      // What it could send, it sent and recorded, so the retry does not send it twice.
      const [mail] = await mails(1);
      expect(mail?.parsed.subject).toBe(`[FIRING:1] ${crashed.alertname}`);
      expect((await stateItem(crashed))?.status?.S).toBe('sent');
      expect((await stateItem(inFlight))?.claimId?.S).toBe('other-invocation');
    });

    it('waits for another invocation sending the same alert: its success suppresses, its release sends', async () => {
      const sentElsewhere = { alertname: unique('SentElsewhere') };
      const released = { alertname: unique('Released') };
      for (const labels of [sentElsewhere, released]) {
        await putState(labels, {
          status: { S: 'pending' },
          claimId: { S: 'other-invocation' },
          expiresAt: { N: String(nowSeconds() + 90) },
        });
      }

      const pending = postAlerts([alert(sentElsewhere), alert(released)]);
      await sleep(600);
      // The other invocation finishes: one alert sent, the other given back after a failed send.
      await putState(sentElsewhere, {
        status: { S: 'sent' },
        sentAt: { N: String(Date.now()) },
        expiresAt: { N: String(nowSeconds() + 86_400) },
      });
      await dynamo.send(new DeleteItemCommand({ TableName: stateTable, Key: { pk: { S: fingerprint(released) } } }));
      const res = await pending;

      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ received: 2, notified: 1, suppressed: { repeatInterval: 1 } });
      const [mail] = await mails(1);
      expect(mail?.parsed.subject).toBe(`[FIRING:1] ${released.alertname}`);
    });

    it('claims an item whose sentAt is a whole interval old even if its expiresAt lies ahead', async () => {
      const labels = { alertname: unique('Old') };
      await putState(labels, {
        status: { S: 'sent' },
        sentAt: { N: String(Date.now() - 13 * 3_600_000) },
        expiresAt: { N: String(nowSeconds() + 86_400) },
      });
      expect((await postAlerts([alert(labels)])).body).toMatchObject({ notified: 1 });
      await mails(1);
    });
  });

  describe('the enabled toggle', () => {
    afterEach(async () => {
      await admin('PATCH', '/v1/config', { enabled: true });
    });

    it('accepts and counts alerts while disabled but sends nothing and writes no state', async () => {
      const labels = { alertname: unique('Disabled'), severity: 'critical' };
      expect((await admin('PATCH', '/v1/config', { enabled: false })).body.enabled).toBe(false);

      const res = await postAlerts([alert(labels), alert({ ...labels, pod: 'x' })]);

      expect(res.status).toBe(202);
      expect(res.body).toEqual({
        received: 2,
        matched: 2,
        notified: 0,
        suppressed: {
          conditions: 0,
          repeatInterval: 0,
          disabled: 2,
          notConfigured: 0,
          silenced: 0,
          muted: 0,
          undeliverable: 0,
        },
        deliveryId: null,
      });
      await mails(0);
      expect(await stateItem(labels)).toBeUndefined();

      // Turned back on: the same alert is emailed at the next post.
      await admin('PATCH', '/v1/config', { enabled: true });
      expect((await postAlerts([alert(labels)])).body).toMatchObject({ notified: 1 });
      await mails(1);
    });

    it('clears the state of an alert that resolves while disabled, so its next firing is emailed at once', async () => {
      const labels = { alertname: unique('ResolvedWhileOff'), severity: 'critical' };
      expect((await postAlerts([alert(labels)])).body).toMatchObject({ notified: 1 });
      await mails(1);
      await admin('PATCH', '/v1/config', { enabled: false });

      const resolved = await postAlerts([alert(labels, { status: 'resolved' })]);

      expect(resolved.body).toMatchObject({ notified: 0, suppressed: { disabled: 1 } });
      expect(await stateItem(labels)).toBeUndefined();
      await admin('PATCH', '/v1/config', { enabled: true });
      expect((await postAlerts([alert(labels)])).body).toMatchObject({ notified: 1 });
      await mails(2);
    });

    it('leaves the state of an alert still firing while disabled: its repeat interval still holds', async () => {
      const labels = { alertname: unique('FiringWhileOff'), severity: 'critical' };
      expect((await postAlerts([alert(labels)])).body).toMatchObject({ notified: 1 });
      await mails(1);
      const before = await stateItem(labels);
      await admin('PATCH', '/v1/config', { enabled: false });

      await postAlerts([alert(labels)]);

      expect(await stateItem(labels)).toEqual(before);
      await admin('PATCH', '/v1/config', { enabled: true });
      expect((await postAlerts([alert(labels)])).body).toMatchObject({
        notified: 0,
        suppressed: { repeatInterval: 1 },
      });
    });
  });

  describe('resolved alerts', () => {
    afterEach(async () => {
      await admin('PATCH', '/v1/config', { sendResolved: true });
    });

    it('sends the resolved notice once in the same thread, clears the state, and emails a new firing at once', async () => {
      const labels = { alertname: unique('Resolve'), severity: 'critical', instance: 'db-1' };
      const fired = await postAlerts([alert(labels)]);
      const resolved = await postAlerts([alert(labels, { status: 'resolved', endsAt: '2026-11-24T11:45:00Z' })]);
      const resolvedAgain = await postAlerts([alert(labels, { status: 'resolved', endsAt: '2026-11-24T11:45:00Z' })]);
      expect(await stateItem(labels)).toBeUndefined();
      const refired = await postAlerts([alert(labels, { startsAt: '2026-11-24T12:30:00Z' })]);

      expect(fired.body).toMatchObject({ notified: 1 });
      expect(resolved.body).toMatchObject({ notified: 1, deliveryId: expect.any(String) });
      expect(resolvedAgain.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 }, deliveryId: null });
      expect(refired.body).toMatchObject({ notified: 1 });
      const [firing, notice, again] = await mails(3);
      expect(firing?.parsed.subject).toBe(`[FIRING:1] ${labels.alertname} (db-1, critical)`);
      expect(notice?.parsed.subject).toBe(`[RESOLVED:1] ${labels.alertname} (db-1, critical)`);
      expect(notice?.parsed.text).toContain('Resolved: 2026-11-24 11:45:00 UTC');
      expect(notice?.parsed.references).toEqual(firing?.parsed.references);
      expect(notice?.parsed.inReplyTo).toBe(firing?.parsed.inReplyTo);
      expect(notice?.parsed.messageId).not.toBe(firing?.parsed.messageId);
      // A new episode (new startsAt): a new thread.
      expect(again?.parsed.subject).toBe(`[FIRING:1] ${labels.alertname} (db-1, critical)`);
      expect(again?.parsed.inReplyTo).not.toBe(firing?.parsed.inReplyTo);
    });

    it('treats an alert whose endsAt has passed as resolved (Prometheus posting to /api/v2/alerts)', async () => {
      const labels = { alertname: unique('EndsAt'), job: 'node' };
      const future = new Date(Date.now() + 4 * 60_000).toISOString();
      const past = new Date(Date.now() - 1_000).toISOString();
      const startsAt = new Date(Date.now() - 60_000).toISOString();

      const fired = await post(
        [{ labels, annotations: { summary: 'down' }, startsAt, endsAt: future }],
        '/api/v2/alerts',
      );
      const ended = await post(
        [{ labels, annotations: { summary: 'down' }, startsAt, endsAt: past }],
        '/api/v2/alerts',
      );

      expect(fired.body).toMatchObject({ notified: 1 });
      expect(ended.body).toMatchObject({ notified: 1 });
      const [firing, notice] = await mails(2);
      expect(firing?.parsed.subject).toBe(`[FIRING:1] ${labels.alertname}`);
      expect(notice?.parsed.subject).toBe(`[RESOLVED:1] ${labels.alertname}`);
      expect(notice?.parsed.references).toEqual(firing?.parsed.references);
    });

    it('sends no resolved notice for an alert never notified', async () => {
      const labels = { alertname: unique('NeverFired') };
      const res = await postAlerts([alert(labels, { status: 'resolved' })]);
      expect(res.body).toMatchObject({ matched: 1, notified: 0, suppressed: { repeatInterval: 1 } });
      await mails(0);
    });

    it('with sendResolved off clears the state without mail, so a new firing is emailed at once', async () => {
      const labels = { alertname: unique('Quiet') };
      await admin('PATCH', '/v1/config', { sendResolved: false });

      const fired = await postAlerts([alert(labels)]);
      const resolved = await postAlerts([alert(labels, { status: 'resolved' })]);
      const stateAfter = await stateItem(labels);
      const refired = await postAlerts([alert(labels)]);

      expect(fired.body).toMatchObject({ notified: 1 });
      expect(resolved.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 }, deliveryId: null });
      expect(stateAfter).toBeUndefined();
      expect(refired.body).toMatchObject({ notified: 1 });
      const received = await mails(2);
      expect(received.map((m) => m.parsed.subject)).toEqual([
        `[FIRING:1] ${labels.alertname}`,
        `[FIRING:1] ${labels.alertname}`,
      ]);
    });

    it('sends firing and resolved alerts of one request as two mails', async () => {
      const old = { alertname: unique('Mixed'), pod: 'old' };
      const fresh = { alertname: old.alertname, pod: 'new' };
      await postAlerts([alert(old)]);
      smtp.received.length = 0;
      await sleep(50);

      const res = await postAlerts([alert(old, { status: 'resolved' }), alert(fresh)]);

      expect(res.body).toMatchObject({ received: 2, notified: 2 });
      const received = await mails(2);
      expect(received.map((m) => m.parsed.subject).sort()).toEqual([
        `[FIRING:1] ${old.alertname}`,
        `[RESOLVED:1] ${old.alertname}`,
      ]);
    });
  });

  describe('a failing mail server', () => {
    it('answers 503 DELIVERY_FAILED, marks nothing as sent, and the retry sends exactly one email', async () => {
      const labels = { alertname: unique('Retry'), severity: 'critical' };
      smtp.failNext(1);

      const failed = await postAlerts([alert(labels)]);
      const stateAfterFailure = await stateItem(labels);
      const retried = await postAlerts([alert(labels)]);
      const retriedAgain = await postAlerts([alert(labels)]);

      expect(failed.status).toBe(503);
      expect(failed.headers.get('retry-after')).toBe('10');
      expect(failed.body.error.code).toBe('DELIVERY_FAILED');
      expect(failed.body.error.message).toContain('451');
      expect(stateAfterFailure).toBeUndefined();
      expect(retried.status).toBe(202);
      expect(retried.body).toMatchObject({ notified: 1 });
      expect(retriedAgain.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
      await mails(1);

      // The deliveries log shows both attempts, newest first.
      const log = await admin('GET', '/v1/deliveries?limit=2');
      expect(log.status).toBe(200);
      const [sent, failure] = log.body.deliveries;
      expect(sent).toMatchObject({
        kind: 'firing',
        alerts: [fingerprint(labels)],
        recipients: ['oncall@example.com'],
        outcome: 'sent',
        error: null,
      });
      expect(failure).toMatchObject({ kind: 'firing', alerts: [fingerprint(labels)], outcome: 'failed' });
      expect(failure.error).toMatch(/^SMTP_REJECTED: .*451/);
      expect(Date.parse(sent.at)).toBeGreaterThanOrEqual(Date.parse(failure.at));
      expect(sent.id).toBe(retried.body.deliveryId);
    });

    it('releases a resolved claim too, so the resolved notice is retried', async () => {
      const labels = { alertname: unique('RetryResolved') };
      await postAlerts([alert(labels)]);
      await smtp.waitFor(1);
      smtp.failNext(1);

      const failed = await postAlerts([alert(labels, { status: 'resolved' })]);
      const retried = await postAlerts([alert(labels, { status: 'resolved' })]);

      expect(failed.status).toBe(503);
      expect(retried.body).toMatchObject({ notified: 1 });
      const received = await mails(2);
      expect(received[1]?.parsed.subject).toBe(`[RESOLVED:1] ${labels.alertname}`);
    });
  });

  it('never lets CR/LF or HTML in labels and annotations reach a header or the HTML unescaped', async () => {
    const labels = {
      alertname: 'Inject\r\nBcc: evil@example.com',
      instance: 'db-1\r\nX-Injected: yes\r\n\r\n<b>body</b>',
      team: '<script>alert(1)</script>',
      run: unique('r'),
    };
    const res = await postAlerts([
      alert(labels, {
        annotations: {
          summary: 'Disk full\nTo: evil@example.com <img src=x onerror=alert(1)>',
          description: '<a href="javascript:alert(1)">click</a> & "quotes"',
          runbook_url: 'javascript:alert(1)',
        },
        generatorURL: 'javascript:alert(1)',
      }),
    ]);

    expect(res.body).toMatchObject({ notified: 1 });
    const [mail] = await mails(1);
    expect(mail?.envelope.to).toEqual(['oncall@example.com']);
    const headers = headerLines(mail?.raw ?? Buffer.alloc(0));
    expect(headers.filter((line) => /^(bcc|to|cc|x-injected):/i.test(line))).toEqual(['To: oncall@example.com']);
    expect(mail?.parsed.bcc).toBeUndefined();
    expect(mail?.parsed.headers.get('x-injected')).toBeUndefined();
    expect(mail?.parsed.subject).toBe('[FIRING:1] Inject Bcc: evil@example.com (db-1 X-Injected: yes <b>body</b>)');
    // without the zero-width break opportunities the renderer puts in long tokens
    const html = String(mail?.parsed.html).replaceAll('&#8203;', '');
    expect(html).not.toMatch(/<script|<img|<a href="javascript|<b>body/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('&amp; &quot;quotes&quot;');
    expect(mail?.parsed.text).toContain('team = <script>alert(1)</script>');
  });

  describe('limits', () => {
    it('refuses a body over 1 MB with 413', async () => {
      const res = await call(runtime.url, 'POST', '/v1/alerts', {
        token: runtime.ingestToken,
        rawBody: JSON.stringify({ alerts: [{ labels: { alertname: 'x'.repeat(1024 * 1024) } }] }),
        headers: { 'content-type': 'application/json' },
      });
      expect(res.status).toBe(413);
      expect(res.body.error.code).toBe('PAYLOAD_TOO_LARGE');
    });

    it('refuses more than 1000 alerts in one request with 400 and sends nothing', async () => {
      const name = unique('Many');
      const alerts = Array.from({ length: 1001 }, (_, i) => ({ labels: { alertname: name, i: String(i) } }));
      const generic = await postAlerts(alerts);
      const v2 = await post(alerts, '/api/v2/alerts');
      for (const res of [generic, v2]) {
        expect(res.status).toBe(400);
        expect(res.body.error.code).toBe('VALIDATION_FAILED');
        expect(res.body.error.message).toContain('at most 1000 alerts');
      }
      await mails(0);
      expect(await stateItem(alerts[0]?.labels ?? {})).toBeUndefined();
    });

    it('accepts exactly 1000 alerts in one email', async () => {
      const name = unique('Thousand');
      const res = await postAlerts(
        Array.from({ length: 1000 }, (_, i) => ({ labels: { alertname: name, i: String(i) } })),
      );
      expect(res.status).toBe(202);
      expect(res.body).toMatchObject({ received: 1000, notified: 1000 });
      const [mail] = await mails(1);
      expect(mail?.parsed.subject).toBe(`[FIRING:1000] ${name}`);
    });

    it.each([
      ['a label value over 2048 characters', { alertname: 'Big', big: 'x'.repeat(2049) }, {}, 'longer than 2048'],
      [
        'more than 64 labels',
        Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`l${i}`, 'v'])),
        {},
        'at most 64 labels',
      ],
      ['a label name with a line break', { alertname: 'X', 'a\nb': 'v' }, {}, 'control character'],
      [
        'an annotation over 16384 characters',
        { alertname: 'Big' },
        { summary: 'x'.repeat(16385) },
        'longer than 16384',
      ],
      ['no labels at all', {}, {}, 'at least 1 label'],
    ])('refuses %s with 400 naming the field', async (_what, labels, annotations, message) => {
      const res = await postAlerts([{ labels, annotations }]);
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details[0].field).toMatch(/^alerts\[0\]\.(labels|annotations)/);
      expect(JSON.stringify(res.body.error)).toContain(message);
      await mails(0);
    });
  });

  it('lists deliveries newest first with kind, alerts, recipients, outcome and error', async () => {
    const a = { alertname: unique('LogA') };
    const b = { alertname: unique('LogB') };
    const first = await postAlerts([alert(a)]);
    await sleep(5);
    const second = await postAlerts([alert(b)]);
    await sleep(5);
    const third = await postAlerts([alert(a, { status: 'resolved' })]);
    await mails(3);

    // A delivery older than the 30 days kept, which TTL has not deleted yet: never listed.
    const oldAt = new Date(Date.now() - 31 * 86_400_000).toISOString();
    await dynamo.send(
      new PutItemCommand({
        TableName: runtime.app.env.ALERTMAIL_DELIVERIES_TABLE,
        Item: {
          pk: { S: 'deliveries' },
          sk: { S: `${oldAt}#expired-delivery` },
          doc: {
            S: JSON.stringify({ id: 'expired-delivery', at: oldAt, kind: 'firing', alerts: [], recipients: [] }),
          },
          expiresAt: { N: String(Math.floor(Date.now() / 1000) - 86_400) },
        },
      }),
    );

    const res = await admin('GET', '/v1/deliveries?limit=3');
    const all = await admin('GET', '/v1/deliveries?limit=500');
    const anonymous = await call(runtime.url, 'GET', '/v1/deliveries');
    const ingestRole = await call(runtime.url, 'GET', '/v1/deliveries', { token: runtime.ingestToken });
    const badLimit = await admin('GET', '/v1/deliveries?limit=0');

    expect(res.status).toBe(200);
    expect(res.body.deliveries).toHaveLength(3);
    const [newest, middle, oldest] = res.body.deliveries;
    expect(newest).toMatchObject({
      id: third.body.deliveryId,
      kind: 'resolved',
      alerts: [fingerprint(a)],
      recipients: ['oncall@example.com'],
      outcome: 'sent',
      error: null,
    });
    expect(middle).toMatchObject({ id: second.body.deliveryId, kind: 'firing', alerts: [fingerprint(b)] });
    expect(oldest).toMatchObject({ id: first.body.deliveryId, kind: 'firing', alerts: [fingerprint(a)] });
    const times = res.body.deliveries.map((d: { at: string }) => Date.parse(d.at));
    expect([...times].sort((x, y) => y - x)).toEqual(times);
    expect(all.body.deliveries.map((d: { id: string }) => d.id)).not.toContain('expired-delivery');
    expect(all.body.deliveries.length).toBeGreaterThanOrEqual(3);
    expect(anonymous.status).toBe(401);
    expect(ingestRole.status).toBe(403);
    expect(badLimit.status).toBe(400);
  });
});

describe('more than 50 recipients', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    await call(runtime.url, 'PUT', '/v1/config/server', {
      token: runtime.adminToken,
      body: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'alerts@example.com' },
    });
    for (let i = 0; i < 75; i++) {
      const res = await call(runtime.url, 'POST', '/v1/config/recipients', {
        token: runtime.adminToken,
        body: { address: `oncall${i}@example.com` },
      });
      expect(res.status).toBe(201);
    }
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  it('splits the mail into messages of at most 50 recipients, each recipient once', async () => {
    const res = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: { alerts: [{ labels: { alertname: 'ManyRecipients' } }] },
    });

    expect(res.body).toMatchObject({ notified: 1 });
    const received = await smtp.waitFor(2);
    await sleep(300);
    expect(received).toHaveLength(2);
    const envelopes = received.map((m) => m.envelope.to);
    expect(envelopes.map((to) => to.length).sort((x, y) => x - y)).toEqual([25, 50]);
    const everyone = envelopes.flat();
    expect(new Set(everyone).size).toBe(75);
    for (const mail of received) {
      expect(mail.parsed.subject).toBe('[FIRING:1] ManyRecipients');
      // Each message names only its own recipients.
      const to = mail.parsed.to && !Array.isArray(mail.parsed.to) ? mail.parsed.to.value : [];
      expect(to.map((a) => a.address).sort()).toEqual([...mail.envelope.to].sort());
    }
    // One thread, one delivery in the log with every recipient.
    expect(received[0]?.parsed.references).toEqual(received[1]?.parsed.references);
    const log = await call(runtime.url, 'GET', '/v1/deliveries?limit=1', { token: runtime.adminToken });
    expect(log.body.deliveries[0].recipients).toHaveLength(75);
    expect(log.body.deliveries[0].outcome).toBe('sent');
  });
});

describe('steady state', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  /** Every DynamoDB call the runtime makes passes through it. */
  let proxy: CountingDynamoProxy;
  /** DynamoDB operations (X-Amz-Target) the runtime sent, in order. */
  let operations: string[];

  beforeAll(async () => {
    proxy = await startCountingDynamoProxy();
    operations = proxy.operations;
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ dynamodbEndpoint: proxy.endpoint });
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
    await proxy?.stop();
  });

  it('costs one batched read (config and states together) per re-post, and no write', async () => {
    // 96 alerts + the config, silences, mute-windows and templates' index items fill one BatchGetItem (100 keys);
    // bigger batches add parallel calls.
    const alerts = Array.from({ length: 96 }, (_, i) => ({ labels: { alertname: 'Steady', pod: `p${i}` } }));
    const ingest = () => call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });

    operations.length = 0;
    expect((await ingest()).body).toMatchObject({ notified: 96 });
    const firstPost = [...operations];

    operations.length = 0;
    const repost = await ingest();
    const steady = [...operations];

    // The first post: one read, the 96 claims in one transaction, the mail's template (read once per process
    // and change of the templates), the delivery record, and `sent` 25 per batch write.
    expect([...firstPost].sort()).toEqual(
      [
        'BatchGetItem',
        'TransactWriteItems',
        'GetItem',
        'PutItem',
        'BatchWriteItem',
        'BatchWriteItem',
        'BatchWriteItem',
        'BatchWriteItem',
      ].sort(),
    );
    expect(repost.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 96 } });
    expect(steady).toEqual(['BatchGetItem']);
    await smtp.waitFor(1);
    await sleep(200);
    expect(smtp.received).toHaveLength(1);
  });

  it('reads a batch over 96 alerts in full batch reads side by side (the documents with the first 96 states)', async () => {
    const alerts = Array.from({ length: 250 }, (_, i) => ({ labels: { alertname: 'SteadyBig', pod: `p${i}` } }));
    const ingest = () => call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });
    expect((await ingest()).body).toMatchObject({ notified: 250 });

    operations.length = 0;
    const repost = await ingest();

    expect(repost.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 250 } });
    expect([...operations].sort()).toEqual(['BatchGetItem', 'BatchGetItem', 'BatchGetItem']);
  });

  it('costs nothing but the one batched read when no alert passes the conditions', async () => {
    await call(runtime.url, 'PUT', '/v1/config/conditions', {
      token: runtime.adminToken,
      body: [{ label: 'severity', operator: 'In', values: ['critical'] }],
    });
    operations.length = 0;
    const res = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: { alerts: [{ labels: { alertname: 'Filtered', severity: 'info' } }] },
    });
    expect(res.body).toMatchObject({ suppressed: { conditions: 1 } });
    expect(operations).toEqual(['BatchGetItem']);
  });
});

describe('the repeat interval elapsing (an injected clock; own runtime, as its deliveries are dated ahead)', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let dynamo: DynamoDBClient;

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const postAlerts = (alerts: GenericAlert[]) =>
    call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });
  const stateItem = async (labels: Labels) =>
    (
      await dynamo.send(
        new GetItemCommand({
          TableName: runtime.app.env.ALERTMAIL_STATE_TABLE,
          Key: { pk: { S: fingerprint(labels) } },
          ConsistentRead: true,
        }),
      )
    ).Item;
  const mails = (count: number) => smtp.expectExactly(count);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    await admin('PUT', '/v1/config/server', {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'alerts@example.com',
    });
    await admin('POST', '/v1/config/recipients', { address: 'oncall@example.com' });
    dynamo = new DynamoDBClient({
      endpoint: runtime.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
  });

  afterAll(async () => {
    dynamo?.destroy();
    await runtime?.stop();
    await smtp?.stop();
  });

  beforeEach(() => {
    smtp.received.length = 0;
  });

  afterEach(async () => {
    expect((await admin('PATCH', '/v1/config', { repeatInterval: '12h' })).status).toBe(200);
  });

  it('emails again once the interval has passed, and not before', async () => {
    expect((await admin('PATCH', '/v1/config', { repeatInterval: '1m' })).status).toBe(200);
    let now = Date.now();
    // A second instance of the app on the same tables, as another Lambda would be, with a clock we move.
    const app = createApp(runtime.app.env, { clock: () => new Date(now), log: silentLog });
    const ingest = async (alerts: GenericAlert[]) =>
      app.ingest.ingest(parseAlertPayload({ alerts }, app.ingest.now()).alerts);
    const labels = { alertname: unique('Repeat'), severity: 'critical' };

    expect(await ingest([alert(labels)])).toMatchObject({ notified: 1 });
    const sent = await stateItem(labels);
    expect(sent?.status?.S).toBe('sent');
    const sentAt = Number(sent?.sentAt?.N);

    now = sentAt + 59_999;
    expect(await ingest([alert(labels)])).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    now = sentAt + 60_000;
    expect(await ingest([alert(labels)])).toMatchObject({ notified: 1, suppressed: { repeatInterval: 0 } });
    expect(await ingest([alert(labels)])).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });

    const received = await mails(2);
    expect(received.map((m) => m.parsed.subject)).toEqual([
      `[FIRING:1] ${labels.alertname} (critical)`,
      `[FIRING:1] ${labels.alertname} (critical)`,
    ]);
    expect(Number((await stateItem(labels))?.sentAt?.N)).toBe(sentAt + 60_000);
  });

  it('applies a shortened interval to alerts already notified', async () => {
    const labels = { alertname: unique('Shorten') };
    expect((await postAlerts([alert(labels)])).body).toMatchObject({ notified: 1 });
    const sentAt = Number((await stateItem(labels))?.sentAt?.N);
    const app = createApp(runtime.app.env, { clock: () => new Date(sentAt + 90_000), log: silentLog });
    const again = () => app.ingest.ingest(parseAlertPayload({ alerts: [alert(labels)] }, app.ingest.now()).alerts);

    expect(await again()).toMatchObject({ notified: 0 }); // 12h: not due after 90 s
    await admin('PATCH', '/v1/config', { repeatInterval: '1m' });
    expect(await again()).toMatchObject({ notified: 1 }); // 1m: due, no restart, no cache
    await mails(2);
  });
});
