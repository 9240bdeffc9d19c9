/**
 * The `ses` transport against aws-ses-v2-local (a local SES endpoint started in-process on
 * 127.0.0.1): SendRawEmail carries exactly the MIME bytes the SMTP transport sends. A recording
 * proxy in front of it keeps each request's raw message and destinations, and can fail a request
 * the way SES does (MessageRejected).
 */
import { randomBytes } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SESClient, SendRawEmailCommand } from '@aws-sdk/client-ses';
import startSesLocal from 'aws-ses-v2-local';
import { simpleParser } from 'mailparser';
import { SesMailer } from '../../lib/adapters/ses/ses-mailer';
import { composeMail, newMessageId } from '../../lib/adapters/smtp/compose';
import { SmtpMailer } from '../../lib/adapters/smtp/smtp-mailer';
import { call, sleep, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

interface SesRequest {
  readonly action: string;
  readonly source: string | null;
  readonly destinations: string[];
  readonly raw: Buffer;
}

interface StoredEmail {
  messageId: string;
  from: string;
  destination: { to: string[] };
  subject: string;
  body: { text?: string; html?: string };
}

const listen = (server: http.Server) =>
  new Promise<number>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
const close = (server: http.Server | undefined) =>
  new Promise<void>((resolve) => {
    if (!server) return resolve();
    server.close(() => resolve());
    server.closeAllConnections();
  });

/** The verified SES domain of this deployment (ALERTMAIL_SES_IDENTITY): every sender must be in it. */
const SES_IDENTITY = 'example.com';

describe('the ses transport (aws-ses-v2-local)', () => {
  let ses: http.Server;
  let sesUrl: string;
  let proxy: http.Server;
  let proxyUrl: string;
  let runtime: TestRuntime;
  const requests: SesRequest[] = [];
  let rejectNext = 0;

  const post = (body: unknown) => call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body });
  const stored = async (): Promise<StoredEmail[]> =>
    ((await (await fetch(`${sesUrl}/store`)).json()) as { emails: StoredEmail[] }).emails;

  async function waitForStored(count: number): Promise<StoredEmail[]> {
    const deadline = Date.now() + 10_000;
    while ((await stored()).length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} SES emails, got ${(await stored()).length}`);
      await sleep(25);
    }
    await sleep(300);
    return stored();
  }

  beforeAll(async () => {
    ses = await startSesLocal({ host: '127.0.0.1', port: 0 });
    sesUrl = `http://127.0.0.1:${(ses.address() as AddressInfo).port}`;
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (chunk: Buffer) => chunks.push(chunk));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const form = new URLSearchParams(body.toString('utf8'));
        if (form.get('Action') === 'SendRawEmail') {
          const destinations: string[] = [];
          for (let i = 1; form.has(`Destinations.member.${i}`); i++) {
            destinations.push(form.get(`Destinations.member.${i}`) ?? '');
          }
          requests.push({
            action: 'SendRawEmail',
            source: form.get('Source'),
            destinations,
            raw: Buffer.from(form.get('RawMessage.Data') ?? '', 'base64'),
          });
          if (rejectNext > 0) {
            rejectNext--;
            res.writeHead(400, { 'content-type': 'text/xml' });
            res.end(
              '<ErrorResponse xmlns="http://ses.amazonaws.com/doc/2010-12-01/"><Error><Type>Sender</Type>' +
                '<Code>MessageRejected</Code><Message>Email address is not verified. The following identities ' +
                'failed the check in region US-EAST-1: alerts@example.com</Message></Error>' +
                '<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>',
            );
            return;
          }
        }
        const upstream = http.request(
          `${sesUrl}${req.url ?? '/'}`,
          { method: req.method, headers: { ...req.headers, 'content-length': String(body.length) } },
          (reply) => {
            res.writeHead(reply.statusCode ?? 500, reply.headers);
            reply.pipe(res);
          },
        );
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      });
    });
    proxyUrl = `http://127.0.0.1:${await listen(proxy)}`;

    runtime = await startTestRuntime({
      env: { ALERTMAIL_TRANSPORT: 'ses', ALERTMAIL_SES_ENDPOINT: proxyUrl, ALERTMAIL_SES_IDENTITY: SES_IDENTITY },
    });
    const admin = runtime.adminToken;
    // With SES the server settings give the sender address; host and port are not used.
    await call(runtime.url, 'PUT', '/v1/config/server', {
      token: admin,
      body: { host: 'email.us-east-1.amazonaws.com', from: 'alerts@example.com' },
    });
    for (const address of ['oncall@example.com', 'sre@example.com']) {
      await call(runtime.url, 'POST', '/v1/config/recipients', { token: admin, body: { address } });
    }
  });

  afterAll(async () => {
    await runtime?.stop();
    await close(proxy);
    await close(ses);
  });

  beforeEach(async () => {
    requests.length = 0;
    rejectNext = 0;
    await fetch(`${sesUrl}/clear-store`, { method: 'POST' });
  });

  it('delivers an alert through SES SendRawEmail, one message for the batch', async () => {
    const name = `Ses${randomBytes(4).toString('hex')}`;
    const res = await post({
      alerts: [
        { labels: { alertname: name, severity: 'critical', pod: 'a' }, annotations: { summary: 'Pod a is down' } },
        { labels: { alertname: name, severity: 'critical', pod: 'b' }, annotations: { summary: 'Pod b is down' } },
      ],
    });

    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ notified: 2, deliveryId: expect.any(String) });
    const [email] = await waitForStored(1);
    expect(email?.subject).toBe(`[FIRING:2] ${name} (critical)`);
    expect(email?.from).toBe('alerts@example.com');
    expect(email?.destination.to).toEqual(['oncall@example.com, sre@example.com']);
    expect(email?.body.text).toContain('Pod a is down');
    expect(email?.body.html).toContain('Pod b is down');
    expect(requests).toHaveLength(1);
    expect(requests[0]?.destinations).toEqual(['oncall@example.com', 'sre@example.com']);
    const parsed = await simpleParser(requests[0]?.raw ?? Buffer.alloc(0));
    expect(parsed.messageId).toMatch(/@example\.com>$/);
    expect(parsed.references).toHaveLength(2);

    const log = await call(runtime.url, 'GET', '/v1/deliveries?limit=1', { token: runtime.adminToken });
    expect(log.body.deliveries[0]).toMatchObject({ id: res.body.deliveryId, outcome: 'sent', error: null });
    expect(log.body.deliveries[0].messageId).toBe(email?.messageId);
  });

  it('sends through SES exactly the MIME bytes the SMTP transport sends', async () => {
    const smtp: TestSmtpServer = await startSmtpServer();
    try {
      const mail = await composeMail({
        from: 'alerts@example.com',
        to: ['oncall@example.com'],
        subject: '[FIRING:1] Bytes (ünïcode, ✓)',
        text: `Line one\n.leading dot\n${'long line '.repeat(40)}\nend`,
        html: '<!DOCTYPE html><html><body><p>Ünïcode ✓</p></body></html>',
        date: new Date('2026-11-24T12:00:00Z'),
        messageId: newMessageId('example.com'),
        inReplyTo: '<alert-0123456789abcdef-1764000000@example.com>',
        references: ['<alert-0123456789abcdef-1764000000@example.com>'],
      });
      const client = new SESClient({
        endpoint: proxyUrl,
        region: 'us-east-1',
        credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
      });
      const ses = new SesMailer((request) => client.send(new SendRawEmailCommand(request)));
      const server = { host: '127.0.0.1', port: smtp.port, security: 'none' as const, from: 'alerts@example.com' };

      const deadline = Date.now() + 10_000;
      const viaSes = await ses.send(mail, server, deadline);
      await new SmtpMailer().send(mail, server, deadline);

      const [received] = await smtp.waitFor(1);
      expect(requests).toHaveLength(1);
      expect(requests[0]?.raw.equals(mail.raw)).toBe(true);
      expect(received?.raw.equals(mail.raw)).toBe(true);
      expect(requests[0]?.source).toBe('alerts@example.com');
      expect(viaSes.accepted).toEqual(['oncall@example.com']);
      const [email] = await waitForStored(1);
      expect(viaSes.messageId).toBe(email?.messageId);
      expect(email?.subject).toBe('[FIRING:1] Bytes (ünïcode, ✓)');
    } finally {
      await smtp.stop();
    }
  });

  it('answers 503 DELIVERY_FAILED with SES_REJECTED and the words of SES, and the retry sends once', async () => {
    const labels = { alertname: `SesReject${randomBytes(4).toString('hex')}` };
    rejectNext = 1;

    const failed = await post({ alerts: [{ labels }] });
    const retried = await post({ alerts: [{ labels }] });
    const again = await post({ alerts: [{ labels }] });

    expect(failed.status).toBe(503);
    expect(failed.body.error.code).toBe('DELIVERY_FAILED');
    expect(failed.body.error.message).toContain('Email address is not verified');
    expect(retried.body).toMatchObject({ notified: 1 });
    expect(again.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    expect(await waitForStored(1)).toHaveLength(1);
    const log = await call(runtime.url, 'GET', '/v1/deliveries?limit=2', { token: runtime.adminToken });
    expect(log.body.deliveries[1]).toMatchObject({ outcome: 'failed' });
    expect(log.body.deliveries[1].error).toMatch(/^SES_REJECTED: Amazon SES refused the message: MessageRejected/);
  });

  it.each(['alerts@example.org', 'alerts@notexample.com', 'example.com@evil.example.net'])(
    'refuses the sender %s, which the SES identity does not cover: 400 naming server.from, nothing stored',
    async (from) => {
      const before = await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken });

      const res = await call(runtime.url, 'PUT', '/v1/config/server', {
        token: runtime.adminToken,
        body: { host: 'email.us-east-1.amazonaws.com', from },
      });
      const after = await call(runtime.url, 'GET', '/v1/config', { token: runtime.adminToken });

      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details).toEqual([
        {
          field: 'server.from',
          message: `must be an address in ${SES_IDENTITY}, the SES identity this deployment sends as`,
        },
      ]);
      expect(after.text).toBe(before.text);
    },
  );

  it.each(['alerts@example.com', 'Alerts@EXAMPLE.com', 'noreply@mail.example.com'])(
    'accepts the sender %s, in the SES identity (a verified domain covers its subdomains)',
    async (from) => {
      const res = await call(runtime.url, 'PUT', '/v1/config/server', {
        token: runtime.adminToken,
        body: { host: 'email.us-east-1.amazonaws.com', from },
      });

      expect(res.status).toBe(200);
      expect(res.body.server.from).toBe(from);
      await call(runtime.url, 'PUT', '/v1/config/server', {
        token: runtime.adminToken,
        body: { host: 'email.us-east-1.amazonaws.com', from: 'alerts@example.com' },
      });
    },
  );

  it('splits more than 50 recipients into several SendRawEmail calls', async () => {
    for (let i = 0; i < 53; i++) {
      const res = await call(runtime.url, 'POST', '/v1/config/recipients', {
        token: runtime.adminToken,
        body: { address: `team${i}@example.com` },
      });
      expect(res.status).toBe(201);
    }
    const res = await post({ alerts: [{ labels: { alertname: `SesMany${randomBytes(4).toString('hex')}` } }] });

    expect(res.body).toMatchObject({ notified: 1 });
    await waitForStored(2);
    expect(requests.map((r) => r.destinations.length).sort((a, b) => a - b)).toEqual([5, 50]);
    expect(new Set(requests.flatMap((r) => r.destinations)).size).toBe(55);
  });
});
