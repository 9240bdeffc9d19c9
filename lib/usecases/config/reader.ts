import {
  defaultConfig,
  type MailServer,
  type ServerSettings,
  type ServerSettingsInput,
  type StoredConfig,
} from '../../domain/config';
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
   * The settings a send needs, password included. The password is cached per
   * `passwordVersion` (bumped on every password write), so a warm Lambda never
   * uses a replaced password and the common path costs no Secrets Manager call.
   */
  async mailServer(config: StoredConfig, draft?: ServerSettingsInput): Promise<MailServer | null> {
    if (draft) {
      const password = draft.password ?? (draft.password === null ? undefined : await this.password(config));
      // A draft means what PUT /v1/config/server would store: an omitted password or CA keeps the saved one.
      const { passwordSet: _, ...server } = toServerSettings(draft, password !== undefined, config.server);
      return { ...server, password };
    }
    if (!config.server) return null;
    const { passwordSet, ...server } = config.server;
    return { ...server, password: passwordSet ? await this.password(config) : undefined };
  }

  private async password(config: StoredConfig): Promise<string | undefined> {
    if (!config.server?.passwordSet) return undefined;
    if (this.passwordCache?.version !== config.passwordVersion) {
      this.passwordCache = { version: config.passwordVersion, value: await this.deps.secrets.get('smtp-password') };
    }
    return this.passwordCache.value;
  }
}

export function toServerSettings(
  input: ServerSettingsInput,
  passwordSet: boolean,
  current: ServerSettings | null,
): ServerSettings {
  const ca = input.ca === null ? undefined : (input.ca ?? current?.ca);
  return {
    host: input.host,
    port: input.port,
    security: input.security,
    ...(input.username ? { username: input.username } : {}),
    from: input.from,
    ...(ca ? { ca } : {}),
    passwordSet,
  };
}
