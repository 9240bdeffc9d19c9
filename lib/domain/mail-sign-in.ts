/**
 * Mail server sign-in with OAuth 2.0 (DESIGN.md "Mail server sign-in"): the settings, the three
 * presets and what each derives (token endpoint, scope), and the rules a token URL must meet.
 * Pure and dependency-free: the request schemas (functions/schemas.ts), the token client and the
 * console (web/) share these very functions.
 */

export type OAuthProvider = 'microsoft' | 'google' | 'generic';

/** `smtp` (the default): SMTP with the sign-in chosen; `graph`: Microsoft Graph sendMail (Microsoft OAuth 2.0 only). */
export type MailTransport = 'smtp' | 'graph';

/** OAuth 2.0 sign-in as stored: everything but the client secret (that lives in the secret store). */
export interface OAuthSettings {
  readonly type: 'oauth2';
  readonly provider: OAuthProvider;
  /** The mailbox signed in as (the XOAUTH2 `user`, Graph's `/users/{user}`, Google's delegated `sub`). */
  readonly user: string;
  /** Microsoft and generic: the app's client ID. Google: optional (the key's `client_email` signs). */
  readonly clientId?: string;
  /** Microsoft: the directory (tenant) ID or a verified domain of the tenant. */
  readonly tenantId?: string;
  /** Generic only: derived for the presets. */
  readonly tokenUrl?: string;
  /** Replaces the preset's scope when set. */
  readonly scope?: string;
}

/** The sign-in as `GET /v1/config` shows it: never the secret, only whether one is stored. */
export interface OAuthSettingsView extends OAuthSettings {
  readonly clientSecretSet: boolean;
}

/** As an admin writes it; `clientSecret` omitted keeps the stored one (same provider only). */
export interface OAuthSettingsInput extends OAuthSettings {
  readonly clientSecret?: string;
}

/** The endpoints behind the presets; tests point them at 127.0.0.1 (functions/env.ts). */
export interface OAuthEndpoints {
  /** `https://login.microsoftonline.com` (sovereign clouds have their own). */
  readonly microsoftLogin: string;
  /** Google's OAuth 2.0 token endpoint. */
  readonly googleToken: string;
  /** `https://graph.microsoft.com` */
  readonly graph: string;
}

export const DEFAULT_OAUTH_ENDPOINTS: OAuthEndpoints = {
  microsoftLogin: 'https://login.microsoftonline.com',
  googleToken: 'https://oauth2.googleapis.com/token',
  graph: 'https://graph.microsoft.com',
};

/** The scopes the presets ask for: Exchange Online's SMTP, Graph (Mail.Send), Gmail (the full mail scope XOAUTH2 needs). */
export const MICROSOFT_SMTP_SCOPE = 'https://outlook.office365.com/.default';
export const MICROSOFT_GRAPH_SCOPE = 'https://graph.microsoft.com/.default';
export const GOOGLE_MAIL_SCOPE = 'https://mail.google.com/';

/** Microsoft's multi-tenant aliases: the client-credentials grant needs the app's own tenant. */
const MULTI_TENANT_ALIASES = new Set(['common', 'organizations', 'consumers']);
/** A tenant GUID or a domain name (`contoso.onmicrosoft.com`). */
const TENANT_ID =
  /^(?:[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}|[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+)$/;

/** Why a tenant ID is refused, or undefined when it is fine. */
export function tenantIdProblem(tenantId: string): string | undefined {
  if (MULTI_TENANT_ALIASES.has(tenantId.toLowerCase())) {
    return `must be your directory (tenant) ID, not "${tenantId}": the client-credentials grant signs in to one tenant`;
  }
  if (!TENANT_ID.test(tenantId))
    return 'must be a directory (tenant) ID (a GUID) or a domain like contoso.onmicrosoft.com';
  return undefined;
}

/** 127.0.0.0/8, ::1 and localhost: a token sent there over plain HTTP never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return host === 'localhost' || host === '::1' || /^127(?:\.\d{1,3}){3}$/.test(host);
}

/** Why a token URL is refused (`https://`, or `http://` on a loopback address only), or undefined. */
export function tokenUrlProblem(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return 'must be a URL like https://idp.example.com/oauth2/token';
  }
  if (url.username || url.password) return 'must not carry credentials';
  if (url.protocol === 'https:') return undefined;
  if (url.protocol === 'http:' && isLoopbackHost(url.hostname)) return undefined;
  if (url.protocol === 'http:') return 'must use https:// (plain http:// only on a loopback address such as 127.0.0.1)';
  return 'must be an https:// URL';
}

/** What one token request is: where it goes and what it asks for. */
export interface TokenEndpoint {
  readonly tokenUrl: string;
  readonly scope?: string;
}

/** The token endpoint and scope a sign-in uses: the preset's, or the generic settings' own. */
export function tokenEndpoint(
  auth: OAuthSettings,
  transport: MailTransport,
  endpoints: OAuthEndpoints = DEFAULT_OAUTH_ENDPOINTS,
): TokenEndpoint {
  switch (auth.provider) {
    case 'microsoft':
      return {
        tokenUrl: `${endpoints.microsoftLogin.replace(/\/+$/, '')}/${encodeURIComponent(auth.tenantId ?? '')}/oauth2/v2.0/token`,
        scope: auth.scope ?? (transport === 'graph' ? MICROSOFT_GRAPH_SCOPE : MICROSOFT_SMTP_SCOPE),
      };
    case 'google':
      return { tokenUrl: endpoints.googleToken, scope: auth.scope ?? GOOGLE_MAIL_SCOPE };
    case 'generic':
      return { tokenUrl: auth.tokenUrl ?? '', ...(auth.scope ? { scope: auth.scope } : {}) };
  }
}

/** The fields of a Google service account key (the JSON file the console downloads) that the JWT grant needs. */
export interface GoogleServiceAccountKey {
  readonly client_email: string;
  readonly private_key: string;
  readonly private_key_id?: string;
}

/** The key, or why the text is not one (never quoting it: it is a secret). */
export function parseGoogleKey(text: string): GoogleServiceAccountKey | string {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    return 'must be the service account key file (JSON) as Google Cloud downloads it';
  }
  if (typeof parsed !== 'object' || parsed === null) return 'must be a JSON object (the service account key file)';
  const key = parsed as Record<string, unknown>;
  if (key.type !== undefined && key.type !== 'service_account')
    return 'must be a service account key ("type": "service_account")';
  if (typeof key.client_email !== 'string' || key.client_email === '') return 'has no "client_email"';
  if (typeof key.private_key !== 'string' || !key.private_key.includes('PRIVATE KEY-----')) {
    return 'has no "private_key" (a PEM private key)';
  }
  return {
    client_email: key.client_email,
    private_key: key.private_key,
    ...(typeof key.private_key_id === 'string' ? { private_key_id: key.private_key_id } : {}),
  };
}
