import {
  type Condition,
  type ConfigPatch,
  defaultConfig,
  type EmailConfig,
  MAX_RECIPIENTS,
  type ServerSettingsInput,
  type StoredConfig,
} from '../../domain/config';
import { assertPatterns } from '../../domain/patterns';
import { isCoveredBySesIdentity } from '../../domain/ses-identity';
import { ConcurrentModificationError, ConflictError, NotFoundError, ValidationError } from '../../errors';
import { ConfigReader, type ConfigReaderDeps, keptCredential, toServerSettings } from './reader';

/** Enough for a burst of concurrent admins: each lost race means another writer won, so progress is guaranteed. */
const MAX_ATTEMPTS = 25;

export interface ConfigServiceDeps extends ConfigReaderDeps {
  readonly clock: () => Date;
  /** With the `ses` transport: the verified identity (ALERTMAIL_SES_IDENTITY) every `from` must be covered by. */
  readonly sesIdentity?: string;
}

/**
 * The configuration use cases: the reads of ConfigReader, plus the writes. Every write takes an
 * input the edge has validated as a whole (functions/schemas.ts), checks the rules that need the
 * stored config or the deployment (duplicates, limits, the SES identity), then applies it as a read-modify-write guarded by the
 * stored version, retrying on a lost race: a refused write changes nothing and concurrent
 * writes lose nothing.
 */
export class ConfigService extends ConfigReader {
  constructor(protected override readonly deps: ConfigServiceDeps) {
    super(deps);
  }

  async setServer(input: ServerSettingsInput): Promise<EmailConfig> {
    const { sesIdentity } = this.deps;
    // SES refuses to send as anyone its identity does not cover (and the role may send only as it).
    if (sesIdentity && !isCoveredBySesIdentity(input.from, sesIdentity)) {
      const message = sesIdentity.includes('@')
        ? `must be ${sesIdentity}, the SES identity this deployment sends as`
        : `must be an address in ${sesIdentity}, the SES identity this deployment sends as`;
      throw new ValidationError(`Invalid request body: server.from: ${message}`, [{ field: 'server.from', message }]);
    }
    const credential = credentialWrite(input, this.deps.secrets);
    // The secret is written before the config that says it is set, so a reader never sees it set without one.
    await credential.write();
    return this.update((current) => {
      const kept = keptCredential(input, current.server);
      if (input.auth && input.auth.clientSecret === undefined && kept === 'none') {
        const message = current.server?.auth
          ? `is required: the stored secret belongs to the ${current.server.auth.provider} sign-in`
          : 'is required: no client secret is stored yet';
        throw new ValidationError(`Invalid request body: server.auth.clientSecret: ${message}`, [
          { field: 'server.auth.clientSecret', message },
        ]);
      }
      const secrets = credential.changed
        ? { passwordSet: typeof input.password === 'string', clientSecretSet: input.auth?.clientSecret !== undefined }
        : { passwordSet: kept === 'password', clientSecretSet: kept === 'clientSecret' };
      return {
        ...current,
        server: toServerSettings(input, secrets, current.server),
        passwordVersion: credential.changed ? current.passwordVersion + 1 : current.passwordVersion,
      };
    });
  }

  async addRecipient(address: string): Promise<EmailConfig> {
    return this.update((current) => {
      if (current.recipients.some((existing) => existing.toLowerCase() === address.toLowerCase())) {
        throw new ConflictError(`${address} is already a recipient`, [
          { field: 'address', message: 'already present' },
        ]);
      }
      if (current.recipients.length >= MAX_RECIPIENTS) {
        throw new ValidationError(`At most ${MAX_RECIPIENTS} recipients`, [
          { field: 'address', message: `the list already holds ${MAX_RECIPIENTS} recipients` },
        ]);
      }
      return { ...current, recipients: [...current.recipients, address] };
    });
  }

  async removeRecipient(address: string): Promise<EmailConfig> {
    return this.update((current) => {
      const remaining = current.recipients.filter((existing) => existing.toLowerCase() !== address.toLowerCase());
      if (remaining.length === current.recipients.length) {
        throw new NotFoundError(`${address} is not a recipient`, [{ field: 'address', message: 'not in the list' }]);
      }
      return { ...current, recipients: remaining };
    });
  }

  async setConditions(conditions: readonly Condition[]): Promise<EmailConfig> {
    await assertPatterns(conditions, 'conditions');
    return this.update((current) => ({ ...current, conditions }));
  }

  async patch(patch: ConfigPatch): Promise<EmailConfig> {
    return this.update((current) => ({
      ...current,
      enabled: patch.enabled ?? current.enabled,
      repeatInterval: patch.repeatInterval ?? current.repeatInterval,
      sendResolved: patch.sendResolved ?? current.sendResolved,
    }));
  }

  /**
   * The one read-modify-write of the config: `mutate` sees the stored config (or the defaults) and
   * returns the next; it may throw to refuse, and then nothing changes.
   */
  async update(mutate: (current: StoredConfig) => StoredConfig): Promise<EmailConfig> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const stored = await this.deps.store.load();
      const current = stored?.value ?? defaultConfig(this.deps.clock(), this.deps.defaultRepeatInterval);
      const next: StoredConfig = { ...mutate(current), updatedAt: this.deps.clock().toISOString() };
      assertStorable(next);
      if (await this.deps.store.save(next, stored?.version ?? null)) return publicView(next);
      // Full jitter, growing and capped, so a burst of writers spreads out instead of colliding again.
      await new Promise((resolve) => setTimeout(resolve, Math.random() * Math.min(200, 10 * 2 ** attempt)));
    }
    throw new ConcurrentModificationError('The configuration changed concurrently too many times; retry the request');
  }
}

/**
 * The secret-slot write a settings write implies: a new password or client secret is stored, a
 * password set to `null` is erased. (Switching sign-in without a new secret keeps the slot as it is:
 * the config then says no credential is set, and the next credential write replaces it.)
 */
function credentialWrite(
  input: ServerSettingsInput,
  secrets: ConfigServiceDeps['secrets'],
): { readonly changed: boolean; write(): Promise<void> } {
  const value = input.auth ? input.auth.clientSecret : input.password;
  if (typeof value === 'string') return { changed: true, write: () => secrets.put('smtp-password', value) };
  // Removed: erased from the store too, not just marked unset.
  if (!input.auth && input.password === null) return { changed: true, write: () => secrets.erase('smtp-password') };
  return { changed: false, write: async () => {} };
}

/** The config item stays well under DynamoDB's 400 KB item limit (100 routes of 100 long addresses would not). */
export const MAX_CONFIG_BYTES = 350_000;

function assertStorable(config: StoredConfig): void {
  const bytes = Buffer.byteLength(JSON.stringify(config));
  if (bytes <= MAX_CONFIG_BYTES) return;
  const message = `the configuration would take ${bytes} bytes, more than the ${MAX_CONFIG_BYTES} it may: remove recipients or routes`;
  throw new ValidationError(`Invalid request body: ${message}`, [{ field: '(body)', message }]);
}

/** The config as the API shows it: bookkeeping removed, never a password. */
export function publicView(config: StoredConfig): EmailConfig {
  return {
    server: config.server,
    recipients: config.recipients,
    conditions: config.conditions,
    enabled: config.enabled,
    repeatInterval: config.repeatInterval,
    sendResolved: config.sendResolved,
    updatedAt: config.updatedAt,
  };
}
