/**
 * The console's side of mail server sign-in (issue 17): which sign-in a stored server uses, the
 * fields each choice shows, and the `auth` / `transport` part of the PUT body. Pure, unit-tested in node.
 */
import type { OAuthProvider } from '../lib/domain/mail-sign-in';

/** `password` covers "none" too when both fields are left empty (how the form always worked). */
export type SignIn = 'none' | 'password' | OAuthProvider | 'graph';

export const SIGN_IN_CHOICES: readonly { value: SignIn; text: string }[] = [
  { value: 'none', text: 'None (the server needs no login)' },
  { value: 'password', text: 'Username and password' },
  { value: 'microsoft', text: 'OAuth 2.0: Microsoft 365 (SMTP)' },
  { value: 'google', text: 'OAuth 2.0: Google Workspace (service account)' },
  { value: 'generic', text: 'OAuth 2.0: another provider' },
  { value: 'graph', text: 'Microsoft Graph (no SMTP)' },
];

/** The OAuth 2.0 fields of the form. `clientSecret` empty means "keep the stored one". */
export interface SignInDraft {
  signIn: SignIn;
  oauthUser: string;
  clientId: string;
  clientSecret: string;
  tenantId: string;
  tokenUrl: string;
  scope: string;
}

export interface ApiServerAuth {
  type: 'oauth2';
  provider: OAuthProvider;
  user: string;
  clientId?: string;
  tenantId?: string;
  tokenUrl?: string;
  scope?: string;
  clientSecretSet: boolean;
}

export interface AuthBody {
  type: 'oauth2';
  provider: OAuthProvider;
  user: string;
  clientId?: string;
  clientSecret?: string;
  tenantId?: string;
  tokenUrl?: string;
  scope?: string;
}

export const BLANK_SIGN_IN: SignInDraft = {
  signIn: 'password',
  oauthUser: '',
  clientId: '',
  clientSecret: '',
  tenantId: '',
  tokenUrl: '',
  scope: '',
};

export function signInDraft(server: { transport?: 'graph'; auth?: ApiServerAuth } | null): SignInDraft {
  const auth = server?.auth;
  if (!auth) return BLANK_SIGN_IN;
  return {
    signIn: server?.transport === 'graph' ? 'graph' : auth.provider,
    oauthUser: auth.user,
    clientId: auth.clientId ?? '',
    clientSecret: '',
    tenantId: auth.tenantId ?? '',
    tokenUrl: auth.tokenUrl ?? '',
    scope: auth.scope ?? '',
  };
}

export function isOAuth(signIn: SignIn): signIn is OAuthProvider | 'graph' {
  return signIn !== 'none' && signIn !== 'password';
}

/** Which OAuth 2.0 fields a choice shows. */
export function oauthFields(signIn: SignIn): {
  tenantId: boolean;
  clientId: boolean;
  tokenUrl: boolean;
  secretLabel: string;
} {
  return {
    tenantId: signIn === 'microsoft' || signIn === 'graph',
    clientId: signIn !== 'google',
    tokenUrl: signIn === 'generic',
    secretLabel: signIn === 'google' ? 'Service account key (JSON)' : 'Client secret',
  };
}

/** The `auth` and `transport` of the PUT body for an OAuth 2.0 choice. */
export function authBody(d: SignInDraft): { auth: AuthBody; transport?: 'graph' } | null {
  if (!isOAuth(d.signIn)) return null;
  const provider: OAuthProvider = d.signIn === 'graph' ? 'microsoft' : d.signIn;
  const fields = oauthFields(d.signIn);
  const auth: AuthBody = { type: 'oauth2', provider, user: d.oauthUser.trim() };
  if (fields.clientId && d.clientId.trim() !== '') auth.clientId = d.clientId.trim();
  if (fields.tenantId && d.tenantId.trim() !== '') auth.tenantId = d.tenantId.trim();
  if (fields.tokenUrl && d.tokenUrl.trim() !== '') auth.tokenUrl = d.tokenUrl.trim();
  if (d.scope.trim() !== '') auth.scope = d.scope.trim();
  if (d.clientSecret !== '') auth.clientSecret = d.clientSecret;
  return d.signIn === 'graph' ? { auth, transport: 'graph' } : { auth };
}

/** Whether the stored sign-in equals the draft's (a typed secret is always a change). */
export function sameSignIn(stored: { transport?: 'graph'; auth?: ApiServerAuth } | null, d: SignInDraft): boolean {
  const body = authBody(d);
  if (!body) return !stored?.auth;
  if (body.auth.clientSecret !== undefined || !stored?.auth) return false;
  const { clientSecretSet: _, ...auth } = stored.auth;
  return (
    JSON.stringify(auth, Object.keys(auth).sort()) === JSON.stringify(body.auth, Object.keys(body.auth).sort()) &&
    (stored.transport === 'graph') === (body.transport === 'graph')
  );
}

/** What an admin registers on the provider's side, one line each (README "Mail server sign-in" has the steps); kept out of lib/ so the Lambda bundles do not carry it. */
export const PROVIDER_HINTS: Readonly<Record<OAuthProvider | 'graph', string>> = {
  microsoft:
    'Microsoft Entra ID: register an app, add a client secret, add the API permission Office 365 Exchange Online → SMTP.SendAsApp and grant admin consent; in Exchange Online run New-ServicePrincipal and Add-MailboxPermission for the mailbox.',
  graph:
    'Microsoft Entra ID: register an app, add a client secret, add the API permission Microsoft Graph → Mail.Send (application) and grant admin consent. No SMTP AUTH needed.',
  google:
    'Google Cloud: create a service account and a JSON key; in the Workspace Admin console allow its client ID domain-wide delegation for the scope https://mail.google.com/. Paste the whole key file as the secret.',
  generic:
    'Any OAuth 2.0 server with the client-credentials grant: its token URL, the client ID and secret, and the scope it needs.',
};
