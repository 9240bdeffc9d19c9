/**
 * The development mailbox: a real SMTP server (smtp-server) on 127.0.0.1 that
 * keeps every message it accepts as an .eml file under the data dir, so the
 * console can show what alertmail sent without any outside mail server.
 */
import { randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface MailboxMessage {
  readonly id: string;
  readonly receivedAt: string;
  readonly from: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly text: string;
  readonly html: string;
}

export interface DevMailbox {
  readonly smtpPort: number;
  /** Newest first. */
  messages(limit?: number): Promise<MailboxMessage[]>;
  stop(): Promise<void>;
}

const KEEP_MESSAGES = 500;

export async function startDevMailbox(options: { dir: string; port: number }): Promise<DevMailbox> {
  await fs.mkdir(options.dir, { recursive: true });
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    banner: 'alertmail development mailbox',
    size: 10 * 1024 * 1024,
    logger: false,
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const envelope = {
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
          to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
        };
        const name = `${Date.now().toString().padStart(15, '0')}-${randomUUID()}`;
        Promise.all([
          fs.writeFile(path.join(options.dir, `${name}.eml`), Buffer.concat(chunks)),
          fs.writeFile(path.join(options.dir, `${name}.json`), JSON.stringify(envelope)),
        ])
          .then(() => prune(options.dir))
          .then(() => callback(), callback);
      });
    },
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as AddressInfo).port;

  return {
    smtpPort: port,
    async messages(limit = 100) {
      const files = (await fs.readdir(options.dir))
        .filter((f) => f.endsWith('.eml'))
        .sort()
        .reverse()
        .slice(0, limit);
      return Promise.all(
        files.map(async (file) => {
          const id = file.slice(0, -4);
          const [raw, envelopeText] = await Promise.all([
            fs.readFile(path.join(options.dir, file)),
            fs.readFile(path.join(options.dir, `${id}.json`), 'utf8').catch(() => '{"from":"","to":[]}'),
          ]);
          const envelope = JSON.parse(envelopeText) as { from: string; to: string[] };
          const parsed = await simpleParser(raw);
          return {
            id,
            receivedAt: new Date(Number(id.split('-')[0])).toISOString(),
            from: envelope.from,
            to: envelope.to,
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
          };
        }),
      );
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function prune(dir: string): Promise<void> {
  const files = (await fs.readdir(dir)).filter((f) => f.endsWith('.eml')).sort();
  for (const file of files.slice(0, Math.max(0, files.length - KEEP_MESSAGES))) {
    await fs.rm(path.join(dir, file), { force: true });
    await fs.rm(path.join(dir, `${file.slice(0, -4)}.json`), { force: true });
  }
}
