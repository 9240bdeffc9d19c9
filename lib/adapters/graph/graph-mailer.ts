/**
 * Sends the composed MIME bytes through Microsoft Graph, for tenants where SMTP AUTH is turned off:
 * `POST /v1.0/users/{user}/sendMail` with `Content-Type: text/plain` and the base64 MIME as the body
 * (Graph's documented MIME send), signed in with an app token for `https://graph.microsoft.com/.default`
 * (application permission Mail.Send). Graph takes the recipients from the MIME To/Cc headers; a chunk's
 * To header names exactly its envelope recipients (lib/usecases/mail-delivery.ts), so they agree.
 */
import type { MailServer } from '../../domain/config';
import { DEFAULT_OAUTH_ENDPOINTS } from '../../domain/mail-sign-in';
import { MailDeliveryError, messageOf } from '../../errors';
import type { Mailer, OutgoingMail, SendResult } from '../../ports';
import type { AccessTokens } from '../oauth/token-client';

/** Graph's answer is kept to this length in an error. */
const MAX_ERROR_TEXT = 600;

/**
 * What a retry may change: throttling (429 with Retry-After), Graph's own 5xx and timeouts, and 401
 * (a token Graph no longer takes: the retry gets a new one). Any other 4xx (400 a malformed message,
 * 403 no Mail.Send permission, 404 no such mailbox) is refused as such: permanent, in Graph's words.
 */
function isTemporaryStatus(status: number): boolean {
  return status === 401 || status === 408 || status === 429 || status >= 500;
}

export class GraphMailer implements Mailer {
  constructor(
    private readonly tokens: AccessTokens,
    /** `https://graph.microsoft.com`; tests point it at 127.0.0.1. */
    private readonly graphUrl: string = DEFAULT_OAUTH_ENDPOINTS.graph,
  ) {}

  async send(mail: OutgoingMail, server: MailServer, deadline: number): Promise<SendResult> {
    const user = server.auth?.provider === 'microsoft' ? server.auth.user : undefined;
    if (!user) {
      throw new MailDeliveryError('GRAPH_REJECTED', 'The graph transport needs the Microsoft OAuth 2.0 sign-in', true);
    }
    let token = await this.tokens.token(server, deadline);
    let response = await this.post(mail, user, token, deadline);
    // A token Graph refuses (revoked, or expired early) is replaced once, as the SMTP client does.
    if (response.status === 401) {
      token = await this.tokens.token(server, deadline, true);
      response = await this.post(mail, user, token, deadline);
    }
    if (response.status === 202 || response.status === 200) {
      return { messageId: mail.messageId, accepted: [...mail.to], rejected: [] };
    }
    // Graph sends Retry-After in seconds with 429 (and sometimes 503).
    const retryAfter = Number(response.headers.get('retry-after') ?? Number.NaN);
    const wait = Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined;
    const words = graphError(response.status, response.body);
    throw new MailDeliveryError(
      'GRAPH_REJECTED',
      `Microsoft Graph refused the message: ${words}${wait !== undefined ? ` (throttled: retry after ${wait} s)` : ''}`,
      !isTemporaryStatus(response.status),
      wait,
    );
  }

  private async post(
    mail: OutgoingMail,
    user: string,
    token: string,
    deadline: number,
  ): Promise<{ status: number; headers: Headers; body: string }> {
    const budgetMs = Math.max(0, deadline - Date.now());
    if (budgetMs === 0)
      throw new MailDeliveryError('GRAPH_REJECTED', 'The send deadline passed before Graph was asked');
    const url = `${this.graphUrl.replace(/\/+$/, '')}/v1.0/users/${encodeURIComponent(user)}/sendMail`;
    try {
      const response = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'text/plain' },
        body: mail.raw.toString('base64'),
        redirect: 'error',
        signal: AbortSignal.timeout(Math.max(1, budgetMs)),
      });
      return { status: response.status, headers: response.headers, body: await response.text() };
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const why =
        name === 'TimeoutError' || name === 'AbortError'
          ? 'did not answer within the send deadline'
          : `could not be reached (${messageOf(error instanceof Error && error.cause !== undefined ? error.cause : error)})`;
      throw new MailDeliveryError('GRAPH_REJECTED', `Microsoft Graph ${why}`);
    }
  }
}

/** Graph's error body is `{"error": {"code", "message"}}`: its code and message, else the status and the text. */
function graphError(status: number, body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { code?: unknown; message?: unknown } };
    const code = typeof parsed.error?.code === 'string' ? parsed.error.code : undefined;
    const message = typeof parsed.error?.message === 'string' ? parsed.error.message : undefined;
    if (code || message) return oneLine(`HTTP ${status} ${[code, message].filter(Boolean).join(': ')}`);
  } catch {
    // Not JSON: the text itself.
  }
  const text = oneLine(body);
  return `HTTP ${status}${text ? ` ${text}` : ''}`;
}

function oneLine(text: string, max = MAX_ERROR_TEXT): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}
