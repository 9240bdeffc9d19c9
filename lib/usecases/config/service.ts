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
import { ConfigReader, type ConfigReaderDeps, toServerSettings } from './reader';

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
    // The secret is written before the config that says it is set, so a reader never sees passwordSet without one.
    if (typeof input.password === 'string') await this.deps.secrets.put('smtp-password', input.password);
    // Removed: erased from the store too, not just marked unset.
    if (input.password === null) await this.deps.secrets.erase('smtp-password');
    return this.update((current) => {
      const passwordSet =
        input.password === null
          ? false
          : typeof input.password === 'string'
            ? true
            : (current.server?.passwordSet ?? false);
      return {
        ...current,
        server: toServerSettings(input, passwordSet, current.server),
        passwordVersion: input.password === undefined ? current.passwordVersion : current.passwordVersion + 1,
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
