/**
 * SMTP connections kept between sends (lib/adapters/smtp/smtp-connections.ts), against a real
 * smtp-server: reused for the same settings, replaced on a settings change, never kept after a
 * failure, replaced (with the mail sent once) when the server dropped it meanwhile, held to
 * the send's deadline when reused, and probed ahead of a send (the ingest does it while its claim
 * is written) so the send finds it answered.
 */
import type { AddressInfo } from 'node:net';
import { SMTPServer, type SMTPServerSession } from 'smtp-server';
import {
  closeIdleSmtpConnections,
  idleSmtpConnectionCount,
  PROBED_FRESH_MS,
} from '../../lib/adapters/smtp/smtp-connections';
import { SmtpMailer } from '../../lib/adapters/smtp/smtp-mailer';
import type { MailServer } from '../../lib/domain/config';
import { MailDeliveryError } from '../../lib/errors';
import type { OutgoingMail } from '../../lib/ports';
import { smtpCommandLogger } from './support';

interface Recorder {
  readonly port: number;
  readonly server: SMTPServer;
  readonly connections: SMTPServerSession[];
  readonly mails: string[];
  /** Every command the server read, in order (smtp-server's own command log). */
  readonly commands: string[];
  /** Refuse RCPT TO for this address (550), or delay its answer. */
  refuse?: string;
  delayRcptMs?: number;
  stop(): Promise<void>;
}

async function startRecorder(): Promise<Recorder> {
  const recorder: Partial<Recorder> & { connections: SMTPServerSession[]; mails: string[]; commands: string[] } = {
    connections: [],
    mails: [],
    commands: [],
  };
  const server = new SMTPServer({
    logger: smtpCommandLogger(({ command }) => recorder.commands.push(command)),
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onConnect(session, callback) {
      recorder.connections.push(session);
      callback();
    },
    onRcptTo(address, _session, callback) {
      const answer = () => {
        if (address.address === recorder.refuse) {
          return callback(Object.assign(new Error('5.1.1 No such user'), { responseCode: 550 }));
        }
        callback();
      };
      if (recorder.delayRcptMs) setTimeout(answer, recorder.delayRcptMs).unref();
      else answer();
    },
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        recorder.mails.push(Buffer.concat(chunks).toString('utf8'));
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(recorder, {
    port: (server.server.address() as AddressInfo).port,
    server,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(resolve, 500).unref();
      }),
  }) as Recorder;
}

function mail(id: string, to = ['oncall@example.com']): OutgoingMail {
  return {
    from: 'alertmail@example.com',
    to,
    messageId: `<${id}@example.com>`,
    raw: Buffer.from(`From: alertmail@example.com\r\nTo: ${to.join(', ')}\r\nSubject: ${id}\r\n\r\nbody ${id}\r\n`),
  };
}

const inSeconds = (s: number) => Date.now() + s * 1000;

describe('SMTP connections kept between sends', () => {
  let recorder: Recorder;
  let server: MailServer;
  const mailer = new SmtpMailer();

  beforeEach(async () => {
    recorder = await startRecorder();
    server = { host: '127.0.0.1', port: recorder.port, security: 'none', from: 'alertmail@example.com' };
  });
  afterEach(async () => {
    closeIdleSmtpConnections();
    await recorder.stop();
  });

  it('sends the next mail to the same settings over the same connection', async () => {
    await mailer.send(mail('one'), server, inSeconds(10));
    await mailer.send(mail('two'), server, inSeconds(10));
    await mailer.send(mail('three'), server, inSeconds(10));
    expect(recorder.mails).toHaveLength(3);
    expect(recorder.connections).toHaveLength(1);
    expect(idleSmtpConnectionCount()).toBe(1);
  });

  it('opens a new connection when a setting changes, and closes the old one', async () => {
    await mailer.send(mail('one'), server, inSeconds(10));
    const other = await startRecorder();
    try {
      await mailer.send(mail('two'), { ...server, port: other.port }, inSeconds(10));
      expect(idleSmtpConnectionCount()).toBe(1);
      // Back to the first server: its old connection was closed, so this is a new one.
      await mailer.send(mail('three'), server, inSeconds(10));
      expect(recorder.connections).toHaveLength(2);
      expect(other.mails).toHaveLength(1);
      expect(recorder.mails).toHaveLength(2);
    } finally {
      closeIdleSmtpConnections();
      await other.stop();
    }
  });

  it('keeps no connection whose send failed', async () => {
    recorder.refuse = 'nobody@example.com';
    await expect(mailer.send(mail('refused', ['nobody@example.com']), server, inSeconds(10))).rejects.toMatchObject({
      code: 'SMTP_REJECTED',
      permanent: true,
    });
    expect(idleSmtpConnectionCount()).toBe(0);
    // Partly refused is a success with the refusal reported, as before; the connection is kept.
    const result = await mailer.send(
      mail('partly', ['oncall@example.com', 'nobody@example.com']),
      server,
      inSeconds(10),
    );
    expect(result.accepted).toEqual(['oncall@example.com']);
    expect(result.rejected).toEqual([expect.objectContaining({ address: 'nobody@example.com', permanent: true })]);
    expect(idleSmtpConnectionCount()).toBe(1);
  });

  it('replaces a connection the server dropped meanwhile, and sends the mail once', async () => {
    await mailer.send(mail('one'), server, inSeconds(10));
    // The server ends every session it holds (as a restart or its idle timeout would).
    for (const connection of recorder.server.connections) (connection as { close(): void }).close();
    await new Promise((resolve) => setTimeout(resolve, 100));
    await mailer.send(mail('two'), server, inSeconds(10));
    expect(recorder.mails.filter((m) => m.includes('Subject: two'))).toHaveLength(1);
    expect(recorder.connections).toHaveLength(2);
  });

  it('holds a reused connection to the send deadline, and drops it', async () => {
    await mailer.send(mail('one'), server, inSeconds(10));
    recorder.delayRcptMs = 3_000;
    const started = Date.now();
    const failure = await mailer.send(mail('slow'), server, Date.now() + 500).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).toMatchObject({ code: 'SMTP_TIMEOUT', permanent: false });
    expect(Date.now() - started).toBeLessThan(1_500);
    expect(idleSmtpConnectionCount()).toBe(0);
  });

  describe('probed ahead of the send', () => {
    const settle = (ms = 50) => new Promise((resolve) => setTimeout(resolve, ms));
    /** The commands after the first mail's session: what the probe and the next send cost. */
    const commandsAfterFirst = async () => {
      await mailer.send(mail('one'), server, inSeconds(10));
      const before = recorder.commands.length;
      return () => recorder.commands.slice(before);
    };

    it('answers RSET before the send, which then goes straight to MAIL FROM on the same connection', async () => {
      const since = await commandsAfterFirst();
      mailer.prepareConnection(server, inSeconds(10));
      await settle();
      expect(since()).toEqual(['RSET']);
      await mailer.send(mail('two'), server, inSeconds(10));
      expect(since()).toEqual(['RSET', 'MAIL', 'RCPT', 'DATA']);
      expect(recorder.connections).toHaveLength(1);
      expect(recorder.mails).toHaveLength(2);
      expect(idleSmtpConnectionCount()).toBe(1);
    });

    it('sends nothing of a mail: without a send, the connection goes back to the idle ones', async () => {
      const since = await commandsAfterFirst();
      mailer.prepareConnection(server, inSeconds(10));
      await settle(PROBED_FRESH_MS + 200);
      expect(since()).toEqual(['RSET']);
      expect(recorder.mails).toHaveLength(1);
      expect(idleSmtpConnectionCount()).toBe(1);
      // Back with the idle ones, so the next send probes it again.
      await mailer.send(mail('two'), server, inSeconds(10));
      expect(since()).toEqual(['RSET', 'RSET', 'MAIL', 'RCPT', 'DATA']);
      expect(recorder.connections).toHaveLength(1);
    });

    it('probes again when the answer is older than PROBED_FRESH_MS (a process frozen between invocations)', async () => {
      const since = await commandsAfterFirst();
      mailer.prepareConnection(server, inSeconds(10));
      await settle();
      const now = Date.now();
      const later = jest.spyOn(Date, 'now').mockReturnValue(now + PROBED_FRESH_MS + 1);
      try {
        await mailer.send(mail('two'), server, now + PROBED_FRESH_MS + 10_000);
      } finally {
        later.mockRestore();
      }
      expect(since()).toEqual(['RSET', 'RSET', 'MAIL', 'RCPT', 'DATA']);
      expect(recorder.mails).toHaveLength(2);
    });

    it('replaces a connection the server closed after it answered, and sends the mail once', async () => {
      await mailer.send(mail('one'), server, inSeconds(10));
      mailer.prepareConnection(server, inSeconds(10));
      await settle();
      for (const connection of recorder.server.connections) (connection as { close(): void }).close();
      await settle(100);
      await mailer.send(mail('two'), server, inSeconds(10));
      expect(recorder.mails.filter((m) => m.includes('Subject: two'))).toHaveLength(1);
      expect(recorder.connections).toHaveLength(2);
    });

    it('has nothing to probe without a kept connection, or for an OAuth 2.0 server (its token picks the connection)', async () => {
      mailer.prepareConnection(server, inSeconds(10));
      await settle();
      expect(recorder.connections).toHaveLength(0);
      await mailer.send(mail('one'), server, inSeconds(10));
      const before = recorder.commands.length;
      mailer.prepareConnection(
        {
          ...server,
          auth: {
            type: 'oauth2',
            provider: 'microsoft',
            tenantId: 'contoso.onmicrosoft.com',
            clientId: 'c',
            user: 'u@contoso.com',
          },
        },
        inSeconds(10),
      );
      await settle();
      expect(recorder.commands.slice(before)).toEqual([]);
    });
  });
});
