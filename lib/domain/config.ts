/** The email configuration as the API shows it and the core uses it. */
import { DEFAULT_REPEAT_INTERVAL } from './durations';
import type { MailTransport, OAuthSettings, OAuthSettingsInput, OAuthSettingsView } from './mail-sign-in';
import type { Route } from './routes';

export type Security = 'none' | 'starttls' | 'tls';

export type ConditionOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Matches' | 'NotMatches';

export interface Condition {
  readonly label: string;
  readonly operator: ConditionOperator;
  /** Non-empty for `In`/`NotIn`; one RE2 pattern for `Matches`/`NotMatches`; empty for `Exists`/`DoesNotExist`. */
  readonly values: readonly string[];
}

/** Server settings without the password: that lives only in the secret store. */
export interface ServerSettings {
  readonly host: string;
  readonly port: number;
  readonly security: Security;
  readonly username?: string;
  readonly from: string;
  /** PEM CA bundle trusted for this server (private CAs, self-signed relays). */
  readonly ca?: string;
  /** Whether the secret slot holds a password (PLAIN/LOGIN). False with OAuth 2.0: the slot holds its client secret. */
  readonly passwordSet: boolean;
  /** Absent: SMTP. `graph`: Microsoft Graph sendMail (lib/domain/mail-sign-in.ts). */
  readonly transport?: Exclude<MailTransport, 'smtp'>;
  /** OAuth 2.0 sign-in (XOAUTH2 or Graph); absent: the username and password, or none. */
  readonly auth?: OAuthSettingsView;
}

export interface EmailConfig {
  readonly server: ServerSettings | null;
  readonly recipients: readonly string[];
  readonly conditions: readonly Condition[];
  readonly enabled: boolean;
  readonly repeatInterval: string;
  readonly sendResolved: boolean;
  readonly updatedAt: string;
}

/** At most this many recipients (on the default route): a mail goes to each of them. */
export const MAX_RECIPIENTS = 100;

/** Server settings as an admin writes them (validated at the edge, functions/schemas.ts). */
export interface ServerSettingsInput {
  readonly host: string;
  readonly port: number;
  readonly security: Security;
  readonly username?: string;
  /** Write-only. Omitted: keep the stored password. `null`: none (the stored one is removed). */
  readonly password?: string | null;
  readonly from: string;
  /** Omitted: keep the stored CA. `null`: remove it. */
  readonly ca?: string | null;
  /** Omitted or `smtp`: SMTP. */
  readonly transport?: MailTransport;
  /** Omitted or `null`: no OAuth 2.0 (the username and password, or none), as PUT replaces the settings. */
  readonly auth?: OAuthSettingsInput | null;
}

/** `PATCH /v1/config`: what it sets, at least one of them. */
export interface ConfigPatch {
  readonly enabled?: boolean;
  readonly repeatInterval?: string;
  readonly sendResolved?: boolean;
}

/** Send Test Message: the saved settings and recipients, or a draft of either. */
export interface TestMessageRequest {
  readonly server?: ServerSettingsInput;
  readonly recipients?: readonly string[];
}

/** What the config store keeps: the config plus bookkeeping that never leaves the core. */
export interface StoredConfig extends EmailConfig {
  /** Bumped on every credential write (password or client secret), so a cached one (or a token got with it) is never used after a change. */
  readonly passwordVersion: number;
  /**
   * The named routes, in order, in front of the default route (this config's recipients and
   * conditions). In the config item, so a route write is atomic with the rest and the ingest reads
   * them in its one round trip; absent on items written before routes.
   */
  readonly routes?: readonly Route[];
}

export function defaultConfig(now: Date, repeatInterval = DEFAULT_REPEAT_INTERVAL): StoredConfig {
  return {
    server: null,
    recipients: [],
    conditions: [],
    enabled: true,
    repeatInterval,
    sendResolved: true,
    updatedAt: now.toISOString(),
    passwordVersion: 0,
  };
}

/** The settings a mailer needs for one send: server settings plus the password, resolved just in time. */
export interface MailServer extends Omit<ServerSettings, 'passwordSet' | 'auth'> {
  readonly password?: string;
  /** OAuth 2.0 sign-in with its client secret (Google: the key JSON), resolved just in time like the password. */
  readonly auth?: OAuthSettings & { readonly clientSecret?: string };
  /** The config's `passwordVersion` (drafts: -1): a cached access token belongs to one version. */
  readonly credentialVersion?: number;
}
