import nodemailer from 'nodemailer';
import type { MailServer } from '../config/model';
import { MailDeliveryError, type MailErrorCode } from '../errors';
import type { Mailer, OutgoingMail, SendResult } from '../ports';

/** Timeouts sized so a test message answers within 15 s even against a server that never speaks. */
export const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 } as const;

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  rejected?: string[];
}

/** Sends the composed bytes over SMTP with nodemailer; the settings are passed per send, so an update applies at once. */
export class SmtpMailer implements Mailer {
  async send(mail: OutgoingMail, server: MailServer): Promise<SendResult> {
    const transport = nodemailer.createTransport({
      host: server.host.replace(/^\[(.*)\]$/, '$1'),
      port: server.port,
      secure: server.security === 'tls',
      requireTLS: server.security === 'starttls',
      ignoreTLS: server.security === 'none',
      auth: server.username ? { user: server.username, pass: server.password ?? '' } : undefined,
      tls: { ca: server.ca, minVersion: 'TLSv1.2' },
      ...SMTP_TIMEOUTS,
      logger: false,
      debug: false,
    });
    try {
      const info = await transport.sendMail({
        envelope: { from: mail.from, to: [...mail.to] },
        raw: mail.raw,
      });
      const accepted = (info.accepted ?? []).map(String);
      const rejected = (info.rejected ?? []).map(String);
      if (accepted.length === 0) {
        throw new MailDeliveryError('SMTP_REJECTED', `The mail server accepted no recipient: ${info.response ?? ''}`);
      }
      return { messageId: mail.messageId, accepted, rejected };
    } catch (error) {
      throw toMailDeliveryError(error);
    } finally {
      transport.close();
    }
  }
}

const TLS_WORDS = /certificate|self[- ]signed|ssl|tls|handshake|wrong version|unable to verify|CERT_|alert/i;

/** Maps nodemailer's failures to our codes, keeping the server's own reply in the message. */
export function toMailDeliveryError(error: unknown): MailDeliveryError {
  if (error instanceof MailDeliveryError) return error;
  const err = error as SmtpError;
  const reply = (err.response ?? err.message ?? String(error)).replace(/\s+/g, ' ').trim();
  const code = classify(err);
  const prefix: Record<MailErrorCode, string> = {
    SMTP_AUTH_FAILED: 'The mail server rejected the username or password',
    SMTP_TLS_FAILED: 'The TLS connection to the mail server failed',
    SMTP_CONNECTION_FAILED: 'Could not connect to the mail server',
    SMTP_TIMEOUT: 'The mail server did not answer in time',
    SMTP_REJECTED: 'The mail server refused the message',
    SES_REJECTED: 'Amazon SES refused the message',
  };
  return new MailDeliveryError(code, `${prefix[code]}: ${reply}`);
}

function classify(err: SmtpError): MailErrorCode {
  switch (err.code) {
    case 'EAUTH':
    case 'ENOAUTH':
      return 'SMTP_AUTH_FAILED';
    case 'ETLS':
    case 'EREQUIRETLS':
      return 'SMTP_TLS_FAILED';
    case 'ETIMEDOUT':
      return 'SMTP_TIMEOUT';
    case 'EENVELOPE':
    case 'EMESSAGE':
    case 'EPROTOCOL':
      return 'SMTP_REJECTED';
    default:
      if (/timeout|timed out/i.test(err.message ?? '')) return 'SMTP_TIMEOUT';
      if (TLS_WORDS.test(err.message ?? '')) return 'SMTP_TLS_FAILED';
      if (err.responseCode !== undefined && err.responseCode >= 500) return 'SMTP_REJECTED';
      return 'SMTP_CONNECTION_FAILED';
  }
}
