/**
 * Access tokens for OAuth 2.0 mail sign-in: the client-credentials grant (RFC 6749 §4.4) for
 * Microsoft and any generic server, the JWT bearer grant (RFC 7523) with a service account key
 * for Google, each one `fetch` POST; cached in-process until shortly before the token expires.
 *
 * Why no library: both grants are a single form POST and, for Google, one RS256 signature that
 * node:crypto makes. `@azure/msal-node` and `google-auth-library` would bring hundreds of KB (and
 * their HTTP stacks) into the ingest Lambda for that, and neither covers the other provider or a
 * generic server; `openid-client` covers the grants but not Google's signed assertion. This file
 * adds a few KB (BENCHMARKS.md, issue 17) and keeps every request inside the send's deadline.
 */
import { createHash, createSign, randomUUID } from 'node:crypto';
import type { MailServer } from '../../domain/config';
import {
  DEFAULT_OAUTH_ENDPOINTS,
  type OAuthEndpoints,
  parseGoogleKey,
  type TokenEndpoint,
  tokenEndpoint,
} from '../../domain/mail-sign-in';
import { MailDeliveryError, messageOf } from '../../errors';

/** A token request never takes longer than this, whatever the deadline left (a silent endpoint is noticed early). */
const TOKEN_REQUEST_TIMEOUT_MS = 10_000;
/** Refreshed this long before it expires (at most: a short-lived token is refreshed at 90 % of its life). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** When the endpoint gives no `expires_in` (RFC 6749 only recommends it), the token is kept this long. */
const DEFAULT_LIFETIME_SECONDS = 300;
/** A Google assertion's lifetime: Google accepts at most one hour. */
const ASSERTION_LIFETIME_SECONDS = 3600;
/** The identity provider's words are kept to this length in an error (Microsoft appends trace and correlation IDs). */
const MAX_DESCRIPTION = 600;

/** Where the mailers get a token for a server's OAuth 2.0 sign-in. */
export interface AccessTokens {
  /** A valid token: the cached one, or a new one when `renew` (the server refused the cached one) or it is near expiry. */
  token(server: MailServer, deadline: number, renew?: boolean): Promise<string>;
}

interface CachedToken {
  readonly key: string;
  /** Pending while the request runs, so concurrent sends (the chunks of one mail) share one request. */
  readonly token: Promise<{ readonly value: string; readonly refreshAt: number }>;
}

export class OAuthTokenClient implements AccessTokens {
  /** One entry: a deployment has one mail server, and any change of its settings or secret makes a new key. */
  private cached?: CachedToken;

  constructor(
    private readonly endpoints: OAuthEndpoints = DEFAULT_OAUTH_ENDPOINTS,
    private readonly now: () => number = Date.now,
  ) {}

  async token(server: MailServer, deadline: number, renew = false): Promise<string> {
    const auth = server.auth;
    if (!auth) throw new MailDeliveryError('OAUTH_TOKEN_FAILED', 'No OAuth 2.0 sign-in is configured');
    if (auth.clientSecret === undefined) {
      throw new MailDeliveryError(
        'OAUTH_TOKEN_FAILED',
        auth.provider === 'google'
          ? 'No service account key is set: paste the key file (JSON) as the client secret'
          : 'No client secret is set: enter the client secret of the app registration',
      );
    }
    const endpoint = tokenEndpoint(auth, server.transport ?? 'smtp', this.endpoints);
    const key = cacheKey(server, endpoint);
    // Drafts (Send Test Message with typed settings) are not cached: they may never be saved.
    const cacheable = (server.credentialVersion ?? -1) >= 0;
    const cached = cacheable && this.cached?.key === key && !renew ? this.cached : undefined;
    if (cached) {
      const token = await cached.token.catch(() => undefined);
      if (token && token.refreshAt > this.now()) return token.value;
    }
    const request = this.request(server, endpoint, auth.clientSecret, deadline);
    // A settings change (another key) drops the old token; a failed request is not kept.
    if (cacheable) {
      const entry: CachedToken = { key, token: request };
      this.cached = entry;
      request.catch(() => {
        if (this.cached === entry) this.cached = undefined;
      });
    }
    return (await request).value;
  }

  private async request(
    server: MailServer,
    endpoint: TokenEndpoint,
    secret: string,
    deadline: number,
  ): Promise<{ value: string; refreshAt: number }> {
    const auth = server.auth;
    if (!auth) throw new Error('unreachable: no auth');
    const form = new URLSearchParams();
    if (auth.provider === 'google') {
      const key = parseGoogleKey(secret);
      if (typeof key === 'string') throw new MailDeliveryError('OAUTH_TOKEN_FAILED', `The service account key ${key}`);
      form.set('grant_type', 'urn:ietf:params:oauth:grant-type:jwt-bearer');
      form.set('assertion', googleAssertion(key, auth.user, endpoint, this.now()));
    } else {
      // client_secret_post, as Microsoft documents the grant (RFC 6749 §2.3.1 allows it beside Basic).
      form.set('grant_type', 'client_credentials');
      form.set('client_id', auth.clientId ?? '');
      form.set('client_secret', secret);
      if (endpoint.scope) form.set('scope', endpoint.scope);
    }
    const budgetMs = Math.max(0, deadline - this.now());
    if (budgetMs === 0) throw tokenFailure('The send deadline passed before the access token was requested');
    const started = this.now();
    let response: Response;
    let body: string;
    try {
      response = await fetch(endpoint.tokenUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: form,
        redirect: 'error',
        signal: AbortSignal.timeout(Math.max(1, Math.min(budgetMs, TOKEN_REQUEST_TIMEOUT_MS))),
      });
      body = await response.text();
    } catch (error) {
      const name = error instanceof Error ? error.name : '';
      const why =
        name === 'TimeoutError' || name === 'AbortError'
          ? 'did not answer in time'
          : `could not be reached (${messageOf(causeOf(error))})`;
      throw tokenFailure(`The token endpoint ${origin(endpoint.tokenUrl)} ${why}`);
    }
    const json = parseJson(body);
    const accessToken = json?.access_token;
    if (response.ok && typeof accessToken === 'string' && accessToken !== '') {
      const lifetimeMs =
        (typeof json?.expires_in === 'number' || typeof json?.expires_in === 'string'
          ? Number(json.expires_in)
          : DEFAULT_LIFETIME_SECONDS) * 1000;
      const margin = Math.min(REFRESH_MARGIN_MS, lifetimeMs * 0.1);
      return { value: accessToken, refreshAt: started + (Number.isFinite(lifetimeMs) ? lifetimeMs - margin : 0) };
    }
    throw tokenFailure(refusal(response.status, json, body, auth.provider));
  }
}

function tokenFailure(message: string): MailDeliveryError {
  // Temporary: the admin fixes the settings or the provider recovers, and the sender's retry then sends.
  return new MailDeliveryError('OAUTH_TOKEN_FAILED', message, false);
}

/** Every setting the token depends on, and the secret, hashed: any change is another key. */
function cacheKey(server: MailServer, endpoint: TokenEndpoint): string {
  const auth = server.auth;
  return createHash('sha256')
    .update(
      JSON.stringify([
        server.credentialVersion,
        auth?.provider,
        auth?.user,
        auth?.clientId,
        endpoint.tokenUrl,
        endpoint.scope,
        auth?.clientSecret,
      ]),
    )
    .digest('base64url');
}

/** Google's service account grant: an RS256 JWT naming the key's account, the delegated user and the scope. */
function googleAssertion(
  key: { client_email: string; private_key: string; private_key_id?: string },
  user: string,
  endpoint: TokenEndpoint,
  nowMs: number,
): string {
  const iat = Math.floor(nowMs / 1000);
  const header = { alg: 'RS256', typ: 'JWT', ...(key.private_key_id ? { kid: key.private_key_id } : {}) };
  const claims = {
    iss: key.client_email,
    sub: user,
    scope: endpoint.scope,
    aud: endpoint.tokenUrl,
    iat,
    exp: iat + ASSERTION_LIFETIME_SECONDS,
    jti: randomUUID(),
  };
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  let signature: string;
  try {
    signature = createSign('RSA-SHA256').update(signingInput).sign(key.private_key, 'base64url');
  } catch {
    throw tokenFailure('The service account key\'s "private_key" is not a usable RSA private key');
  }
  return `${signingInput}.${signature}`;
}

function base64url(text: string): string {
  return Buffer.from(text, 'utf8').toString('base64url');
}

function parseJson(body: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(body);
    return typeof parsed === 'object' && parsed !== null ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function oneLine(text: string, max = MAX_DESCRIPTION): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max)}…` : line;
}

function origin(url: string): string {
  try {
    return new URL(url).origin;
  } catch {
    return 'of the settings';
  }
}

function causeOf(error: unknown): unknown {
  return error instanceof Error && error.cause !== undefined ? error.cause : error;
}

/** The refusal in the provider's words (`error`, `error_description`), and what the admin can do about it. */
export function refusal(
  status: number,
  json: Record<string, unknown> | undefined,
  body: string,
  provider: string,
): string {
  const error = typeof json?.error === 'string' ? json.error : undefined;
  const description = typeof json?.error_description === 'string' ? oneLine(json.error_description) : undefined;
  if (!error) {
    const text = oneLine(body, 200);
    return `The token endpoint answered HTTP ${status} without an access token${text ? `: ${text}` : ''}`;
  }
  const words = description ? `${error}: ${description}` : error;
  const advice = adviceFor(error, description ?? '', provider);
  return `The identity provider refused the token request (HTTP ${status}): ${words}${advice ? ` (${advice})` : ''}`;
}

function adviceFor(error: string, description: string, provider: string): string | undefined {
  if (/AADSTS7000215|AADSTS7000222|invalid client secret|client secret.*expired/i.test(description)) {
    return 'check the client secret: use its Value (not its Secret ID), and replace it if it expired';
  }
  if (/AADSTS90002|AADSTS900023|AADSTS90013|tenant/i.test(description)) {
    return 'check the directory (tenant) ID';
  }
  if (/AADSTS700016|AADSTS700027|not found in the directory/i.test(description)) {
    return 'check the client (application) ID and that the app is registered in this tenant';
  }
  if (/AADSTS65001|consent/i.test(description)) {
    return "grant admin consent for the app's API permission";
  }
  if (/AADSTS70011|AADSTS1002012|invalid_scope/i.test(`${error} ${description}`)) {
    return 'check the scope';
  }
  switch (error) {
    case 'invalid_client':
      return 'check the client ID and the client secret';
    case 'unauthorized_client':
      return provider === 'google'
        ? "allow the service account's client ID domain-wide delegation for the scope in the Workspace Admin console"
        : 'the app is not allowed this grant: check its registration and permissions';
    case 'invalid_grant':
      return provider === 'google'
        ? 'check the mailbox (user), that it is in your Workspace domain, and the domain-wide delegation'
        : 'check the credentials and the grant';
    default:
      return undefined;
  }
}
