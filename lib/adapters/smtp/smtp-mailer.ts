import type { SMTPConnectionAuth, SMTPConnectionSendInfo } from 'nodemailer/lib/smtp-connection';
import type { MailServer } from '../../domain/config';
import { MailDeliveryError, type MailErrorCode } from '../../errors';
import { phase } from '../../phases';
import type { Mailer, OutgoingMail, RecipientRejection, SendResult } from '../../ports';
import type { AccessTokens } from '../oauth/token-client';
import { nodemailerParts } from './nodemailer-loader';
import { closeQuietly, connectionKey, keepIdleConnection, probeAhead, takeIdleConnection } from './smtp-connections';

/** Per-step timeouts (each further capped by the send's deadline), so a silent server is noticed early. */
export const SMTP_TIMEOUTS = { connectionTimeout: 5_000, greetingTimeout: 5_000, socketTimeout: 10_000 } as const;

interface SmtpError extends Error {
  code?: string;
  responseCode?: number;
  response?: string;
  command?: string;
  recipient?: string;
  rejected?: string[];
  rejectedErrors?: SmtpError[];
}

/** What nodemailer's client resolves with, with the per-recipient errors it attaches. */
type SendInfo = SMTPConnectionSendInfo & { rejectedErrors?: SmtpError[] };

/**
 * Sends the composed bytes over SMTP; the settings are passed per send, so an update applies at once.
 *
 * It drives nodemailer's SMTP client (`nodemailer/lib/smtp-connection`) the way nodemailer's SMTP
 * transport does for a `{envelope, raw}` message: connect (TLS or STARTTLS as the security
 * setting says, within the same timeouts), log in when a username is set and the server offers
 * AUTH, send the envelope and the raw bytes, close. Skipping the transport and its message
 * compiler keeps ~70 KB of nodemailer out of the ingest Lambda; errors keep nodemailer's codes.
 */
export class SmtpMailer implements Mailer {
  /** `tokens`: for servers signed in to with OAuth 2.0 (SMTP AUTH XOAUTH2). */
  constructor(private readonly tokens?: AccessTokens) {}

  /**
   * Probes a kept connection to the server now (smtp-connections.ts `probeAhead`). Not for servers
   * signed in to with OAuth 2.0: their connection is chosen by the token, which the send gets first.
   */
  prepareConnection(server: MailServer, deadline: number): void {
    if (server.auth) return;
    probeAhead(connectionKey(server), Math.min(SMTP_TIMEOUTS.greetingTimeout, deadline - Date.now()));
  }

  async send(mail: OutgoingMail, server: MailServer, deadline: number): Promise<SendResult> {
    try {
      const info = await sendRaw(mail, server, deadline, this.tokens);
      const accepted = (info.accepted ?? []).map(String);
      const rejected = rejections(info);
      if (accepted.length === 0) {
        throw new MailDeliveryError(
          'SMTP_REJECTED',
          `The mail server accepted no recipient: ${info.response ?? ''}`,
          rejected.length > 0 && rejected.every((r) => r.permanent),
        );
      }
      return { messageId: mail.messageId, accepted, rejected };
    } catch (error) {
      throw toMailDeliveryError(error, server.auth ? 'oauth2' : 'password');
    }
  }
}

/** Each refused recipient with the server's reply to its RCPT TO. */
function rejections(info: SendInfo): RecipientRejection[] {
  const replies = new Map((info.rejectedErrors ?? []).map((err) => [String(err.recipient), err]));
  return (info.rejected ?? []).map((address) => {
    const err = replies.get(String(address));
    return {
      address: String(address),
      reply: oneLine(err?.response ?? err?.message ?? 'refused'),
      permanent: isPermanentReply(err?.responseCode),
    };
  });
}

/** RFC 5321: 5yz is a permanent negative reply, 4yz transient; no reply code (a dropped connection) is transient. */
function isPermanentReply(code: number | undefined): boolean {
  return code !== undefined && code >= 500 && code < 600;
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

/** Cut off at the deadline: a server that trickles replies (endless `250-` lines) cannot hold a request. */
class DeadlineError extends Error {
  readonly code = 'ETIMEDOUT';
  constructor(budgetMs: number) {
    super(`the mail server did not finish within the send deadline (${Math.round(budgetMs / 1000)} s)`);
  }
}

/**
 * One message over a connection kept from an earlier send to the same settings (smtp-connections.ts)
 * or a new one; rejects with nodemailer's error (its `code`, `response`, `responseCode`).
 */
async function sendRaw(
  mail: OutgoingMail,
  server: MailServer,
  deadline: number,
  tokens: AccessTokens | undefined,
): Promise<SendInfo> {
  phase('smtp');
  if (deadline - Date.now() <= 0) throw new DeadlineError(0);
  // The token first: an identity provider's refusal is OAUTH_TOKEN_FAILED, and no connection is opened for nothing.
  const oauth = server.auth && tokens ? await xoauth2(server, deadline, tokens) : undefined;
  // A kept connection is signed in with the token it was opened with: a new token opens a new connection.
  const key = connectionKey(server, oauth?.token);
  const reused = await takeIdleConnection(key, Math.min(SMTP_TIMEOUTS.greetingTimeout, deadline - Date.now()));
  const budgetMs = Math.max(0, deadline - Date.now());
  if (budgetMs === 0) {
    if (reused) closeQuietly(reused.connection);
    throw new DeadlineError(0);
  }
  const capped = (ms: number): number => Math.max(1, Math.min(ms, budgetMs));
  // The SMTP client loads with the first send, not at a cold start (lib/adapters/smtp/nodemailer-parts.ts).
  const { SMTPConnection } = await nodemailerParts();
  const open = () =>
    new SMTPConnection({
      host: server.host.replace(/^\[(.*)\]$/, '$1'),
      port: server.port,
      secure: server.security === 'tls',
      requireTLS: server.security === 'starttls',
      ignoreTLS: server.security === 'none',
      tls: { ca: server.ca, minVersion: 'TLSv1.2' },
      connectionTimeout: capped(SMTP_TIMEOUTS.connectionTimeout),
      greetingTimeout: capped(SMTP_TIMEOUTS.greetingTimeout),
      socketTimeout: capped(SMTP_TIMEOUTS.socketTimeout),
      logger: false,
      debug: false,
    });
  // What nodemailer's transport hands to login() for `auth: {user, pass}`: PLAIN or LOGIN, whichever
  // the server offers first; without a password login() fails with "Missing credentials" (EAUTH).
  const auth: SMTPConnectionAuth | undefined = oauth
    ? oauth.auth
    : server.username
      ? {
          type: 'LOGIN',
          user: server.username,
          credentials: { user: server.username, pass: server.password ?? '' },
          method: false,
        }
      : undefined;

  const connection = reused?.connection ?? open();

  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: Error | null, info?: SendInfo): void => {
      if (settled) return;
      settled = true;
      clearTimeout(cutOff);
      phase('smtp done');
      // A token renewal that failed during AUTH is the identity provider's failure, not the server's.
      const tokenFailure = oauth?.failure();
      // Only a connection whose send succeeded is kept; any failure closes it (the listener stays for late errors).
      if (tokenFailure || error || !info) connection.close();
      else {
        connection.removeListener('error', finish);
        keepIdleConnection(key, connection, (reused?.messages ?? 0) + 1);
      }
      if (tokenFailure) reject(tokenFailure);
      else if (error || !info) reject(error ?? new Error('SMTP send ended without a result'));
      else resolve(info);
    };
    // The whole session (connect, TLS, each command, the data) ends by the deadline.
    const cutOff = setTimeout(() => finish(new DeadlineError(budgetMs)), budgetMs);
    const sendMessage = (): void => {
      phase('smtp session ready');
      connection.send({ from: mail.from, to: [...mail.to] }, mail.raw, (error, info) => finish(error, info));
    };
    connection.once('error', finish);
    if (reused) return sendMessage();
    connection.connect((error?: Error | null) => {
      if (settled) return;
      // The server closed the connection before its greeting.
      if (error) return finish(error);
      if (auth && connection.allowsAuth) {
        connection.login(auth, (loginError) => (loginError ? finish(loginError) : sendMessage()));
      } else {
        sendMessage();
      }
    });
  });
}

/**
 * nodemailer's XOAUTH2 login with our token: the `oauth2` object its SMTP client asks (`getToken`,
 * and `getToken(renew)` once more when the server refuses a token, so an expired cached token is
 * replaced within the same session) and the SASL string it sends (RFC 7628 framing as Google and
 * Microsoft document it: `user=…^Aauth=Bearer …^A^A`).
 */
async function xoauth2(
  server: MailServer,
  deadline: number,
  tokens: AccessTokens,
): Promise<{ auth: SMTPConnectionAuth; token: string; failure(): MailDeliveryError | undefined }> {
  const user = server.auth?.user ?? '';
  const first = await tokens.token(server, deadline);
  let failure: MailDeliveryError | undefined;
  const oauth2 = {
    getToken(renew: boolean, callback: (error: Error | null, token?: string) => void): void {
      if (!renew) {
        callback(null, first);
        return;
      }
      tokens.token(server, deadline, true).then(
        (token) => callback(null, token),
        (error: unknown) => {
          failure = toMailDeliveryError(error, 'oauth2');
          callback(failure);
        },
      );
    },
    buildXOAuth2Token(token: string): string {
      return Buffer.from(`user=${user}\x01auth=Bearer ${token}\x01\x01`, 'utf8').toString('base64');
    },
  };
  // The typings know only nodemailer's own XOAuth2 class; its client calls just these two methods.
  const auth = { type: 'OAuth2', user, method: 'XOAUTH2', oauth2 } as unknown as SMTPConnectionAuth;
  return { auth, token: first, failure: () => failure };
}

const TLS_WORDS = /certificate|self[- ]signed|ssl|tls|handshake|wrong version|unable to verify|CERT_|alert/i;

/** Maps nodemailer's failures to our codes, keeping the server's own reply in the message. */
export function toMailDeliveryError(error: unknown, signIn: 'password' | 'oauth2' = 'password'): MailDeliveryError {
  if (error instanceof MailDeliveryError) return error;
  const err = error as SmtpError;
  const reply = oneLine(err.response ?? err.message ?? String(error));
  const code = classify(err);
  return new MailDeliveryError(
    code,
    `${explain(code, err, signIn)}: ${reply}${hint(code, err, signIn)}`,
    isPermanent(code, err),
  );
}

/**
 * What a retry cannot change: the server's 5xx to the message (MAIL FROM, DATA: 552 too large, 554)
 * or to every recipient. Connection failures, timeouts, 4xx and a server closing early may pass.
 * Failed sign-in and TLS stay temporary: the admin fixes the settings and the retry then sends.
 */
function isPermanent(code: MailErrorCode, err: SmtpError): boolean {
  if (code !== 'SMTP_REJECTED') return false;
  if (err.rejectedErrors && err.rejectedErrors.length > 0) {
    return err.rejectedErrors.every((rejected) => isPermanentReply(rejected.responseCode));
  }
  return isPermanentReply(err.responseCode);
}

function explain(code: MailErrorCode, err: SmtpError, signIn: 'password' | 'oauth2'): string {
  switch (code) {
    case 'SMTP_AUTH_FAILED':
      if (signIn === 'oauth2') return 'The mail server refused the OAuth 2.0 access token';
      // nodemailer refuses before asking the server when a username has no password.
      return /missing credentials/i.test(err.message ?? '')
        ? 'A username is set but no password'
        : 'The mail server rejected the username or password';
    case 'SMTP_TLS_FAILED':
      return err.response ? 'The mail server refused STARTTLS' : 'The TLS connection to the mail server failed';
    case 'SMTP_CONNECTION_FAILED':
      return 'Could not connect to the mail server';
    case 'SMTP_TIMEOUT':
      return 'The mail server did not answer in time';
    case 'SMTP_REJECTED':
      return 'The mail server refused the message';
    case 'SES_REJECTED':
      return 'Amazon SES refused the message';
    case 'OAUTH_TOKEN_FAILED':
      return 'No access token';
    case 'GRAPH_REJECTED':
      return 'Microsoft Graph refused the message';
  }
}

/** What the admin can do about it, where that is clear. */
function hint(code: MailErrorCode, err: SmtpError, signIn: 'password' | 'oauth2'): string {
  if (code === 'SMTP_AUTH_FAILED' && signIn === 'oauth2') {
    return ' (check that the app has the mail permission with admin consent (Microsoft: SMTP.SendAsApp, the Exchange service principal and its mailbox permission; Google: domain-wide delegation for https://mail.google.com/), that SMTP AUTH is enabled for the mailbox, and the mailbox (user))';
  }
  if (code === 'SMTP_TLS_FAILED' && /certificate|self[- ]signed|unable to verify/i.test(err.message ?? '')) {
    return ' (if the server uses a private or self-signed CA, add its certificate as "ca" in the server settings)';
  }
  if (code === 'SMTP_TLS_FAILED' && /wrong version number|packet length too long/i.test(err.message ?? '')) {
    return ' (the port may expect a different security setting: 465 is implicit TLS, 587 and 25 use STARTTLS)';
  }
  return '';
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
