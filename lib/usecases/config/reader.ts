import {
  defaultConfig,
  type MailServer,
  type ServerSettings,
  type ServerSettingsInput,
  type StoredConfig,
} from '../../domain/config';
import type { OAuthSettings, OAuthSettingsInput } from '../../domain/mail-sign-in';
import type { ConfigStore, SecretStore, Versioned } from '../../ports';

export interface ConfigReaderDeps {
  readonly store: ConfigStore;
  readonly secrets: SecretStore;
  readonly defaultRepeatInterval: string;
}

/**
 * The read side of the configuration: what the ingest path needs (the config, and the settings a
 * send needs with the password). It validates nothing, so it stays free of the request schemas
 * (classic zod) and the ingest Lambda bundle with it; ConfigService adds the writes.
 * Nothing is cached but the password: each `get()` reads the store, so an update applies to the
 * very next alert.
 */
export class ConfigReader {
  private passwordCache?: { version: number; value: string | undefined };

  constructor(protected readonly deps: ConfigReaderDeps) {}

  async get(): Promise<StoredConfig> {
    return this.withDefaults(await this.deps.store.load());
  }

  /** The config as stored, or (never written) the defaults with a fixed `updatedAt`, the epoch, so
   * that reading a fresh install twice, or around a refused write, answers the very same bytes. */
  withDefaults(stored: Versioned<StoredConfig> | null): StoredConfig {
    return stored?.value ?? defaultConfig(new Date(0), this.deps.defaultRepeatInterval);
  }

  /**
   * The settings a send needs, the credential included (the password, or the OAuth 2.0 client
   * secret: the one secret slot holds whichever the sign-in uses). It is cached per
   * `passwordVersion` (bumped on every credential write), so a warm Lambda never uses a replaced
   * one and the common path costs no Secrets Manager call.
   */
  async mailServer(config: StoredConfig, draft?: ServerSettingsInput): Promise<MailServer | null> {
    if (draft) {
      // A draft means what PUT /v1/config/server would store: an omitted secret or CA keeps the saved one.
      const kept = keptCredential(draft, config.server);
      const stored = kept === 'none' ? undefined : await this.secret(config);
      const password =
        draft.auth || draft.password === null
          ? undefined
          : (draft.password ?? (kept === 'password' ? stored : undefined));
      const clientSecret = draft.auth
        ? (draft.auth.clientSecret ?? (kept === 'clientSecret' ? stored : undefined))
        : undefined;
      const {
        passwordSet: _,
        auth: _view,
        ...server
      } = toServerSettings(
        draft,
        { passwordSet: password !== undefined, clientSecretSet: clientSecret !== undefined },
        config.server,
      );
      return {
        ...server,
        password,
        ...(draft.auth ? { auth: { ...oauthSettings(draft.auth), clientSecret } } : {}),
        // A draft's secret may differ from the stored one under the same version: its token is never cached.
        credentialVersion:
          draft.password !== undefined || draft.auth?.clientSecret !== undefined ? -1 : config.passwordVersion,
      };
    }
    if (!config.server) return null;
    const { passwordSet, auth, ...server } = config.server;
    if (auth) {
      const { clientSecretSet, ...settings } = auth;
      const clientSecret = clientSecretSet ? await this.secret(config) : undefined;
      return { ...server, auth: { ...settings, clientSecret }, credentialVersion: config.passwordVersion };
    }
    return {
      ...server,
      password: passwordSet ? await this.secret(config) : undefined,
      credentialVersion: config.passwordVersion,
    };
  }

  private async secret(config: StoredConfig): Promise<string | undefined> {
    if (!config.server?.passwordSet && !config.server?.auth?.clientSecretSet) return undefined;
    if (this.passwordCache?.version !== config.passwordVersion) {
      this.passwordCache = { version: config.passwordVersion, value: await this.deps.secrets.get('smtp-password') };
    }
    return this.passwordCache.value;
  }
}

/**
 * Which stored credential settings that omit theirs keep: the password (no OAuth before or now), the
 * client secret (OAuth 2.0 with the same provider before and now, as a Google key is no Microsoft
 * secret), or none. An explicit password, `null` or client secret replaces it anyway.
 */
export function keptCredential(
  input: ServerSettingsInput,
  current: ServerSettings | null,
): 'password' | 'clientSecret' | 'none' {
  if (input.auth) {
    return current?.auth?.clientSecretSet && current.auth.provider === input.auth.provider ? 'clientSecret' : 'none';
  }
  return current?.passwordSet ? 'password' : 'none';
}

/** The OAuth 2.0 settings without the secret, with only the fields set. */
function oauthSettings(input: OAuthSettingsInput): OAuthSettings {
  return {
    type: 'oauth2',
    provider: input.provider,
    user: input.user,
    ...(input.clientId ? { clientId: input.clientId } : {}),
    ...(input.tenantId ? { tenantId: input.tenantId } : {}),
    ...(input.tokenUrl ? { tokenUrl: input.tokenUrl } : {}),
    ...(input.scope ? { scope: input.scope } : {}),
  };
}

export function toServerSettings(
  input: ServerSettingsInput,
  secrets: { readonly passwordSet: boolean; readonly clientSecretSet: boolean },
  current: ServerSettings | null,
): ServerSettings {
  const ca = input.ca === null ? undefined : (input.ca ?? current?.ca);
  return {
    host: input.host,
    port: input.port,
    security: input.security,
    ...(input.username && !input.auth ? { username: input.username } : {}),
    from: input.from,
    ...(ca ? { ca } : {}),
    passwordSet: !input.auth && secrets.passwordSet,
    ...(input.transport === 'graph' ? { transport: 'graph' as const } : {}),
    ...(input.auth ? { auth: { ...oauthSettings(input.auth), clientSecretSet: secrets.clientSecretSet } } : {}),
  };
}
