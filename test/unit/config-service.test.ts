/** ConfigService against in-memory ports: races retried, refusals change nothing, the password cache follows its version. */
import type { StoredConfig } from '../../lib/domain/config';
import { ConcurrentModificationError, ValidationError } from '../../lib/errors';
import type { ConfigStore, SecretName, SecretStore, Versioned } from '../../lib/ports';
import { ConfigService } from '../../lib/usecases/config/service';

class MemoryStore implements ConfigStore {
  current: Versioned<StoredConfig> | null = null;
  saves = 0;
  /** Saves to refuse as lost races (another writer got there first). */
  loseNext = 0;
  async load() {
    return this.current && structuredClone(this.current);
  }
  async save(config: StoredConfig, expected: number | null) {
    this.saves++;
    if (this.loseNext > 0) {
      this.loseNext--;
      return false;
    }
    if ((this.current?.version ?? null) !== expected) return false;
    this.current = { value: structuredClone(config), version: (expected ?? 0) + 1 };
    return true;
  }
}

class MemorySecrets implements SecretStore {
  values = new Map<SecretName, string>();
  gets = 0;
  async get(name: SecretName) {
    this.gets++;
    return this.values.get(name);
  }
  async put(name: SecretName, value: string) {
    this.values.set(name, value);
  }
  async erase(name: SecretName) {
    this.values.delete(name);
  }
}

function service(sesIdentity?: string) {
  const store = new MemoryStore();
  const secrets = new MemorySecrets();
  const config = new ConfigService({
    store,
    secrets,
    clock: () => new Date('2030-01-02T03:04:05Z'),
    defaultRepeatInterval: '12h',
    ...(sesIdentity ? { sesIdentity } : {}),
  });
  return { store, secrets, config };
}

const server = { host: 'smtp.example.com', port: 25, security: 'none' as const, from: 'a@example.com', username: 'u' };

describe('ConfigService', () => {
  it('answers the defaults before anything is stored', async () => {
    const { config } = service();

    await expect(config.get()).resolves.toMatchObject({
      server: null,
      recipients: [],
      conditions: [],
      enabled: true,
      repeatInterval: '12h',
      sendResolved: true,
      updatedAt: '1970-01-01T00:00:00.000Z',
    });
  });

  it('answers the same bytes for a fresh install around a refused write', async () => {
    const { config } = service('alerts.example.org');
    const before = JSON.stringify(await config.get());

    await expect(config.setServer(server)).rejects.toBeInstanceOf(ValidationError);

    expect(JSON.stringify(await config.get())).toBe(before);
  });

  it('retries a lost race and keeps the winner’s change', async () => {
    const { store, config } = service();
    await config.addRecipient('a@example.com');
    store.loseNext = 3;

    await config.addRecipient('b@example.com');

    expect(store.current?.value.recipients).toEqual(['a@example.com', 'b@example.com']);
    expect(store.saves).toBe(5);
  });

  it('gives up with CONCURRENT_MODIFICATION (409) when it loses every time', async () => {
    const { store, config } = service();
    store.loseNext = Number.POSITIVE_INFINITY;

    const error = await config.addRecipient('a@example.com').catch((e: unknown) => e);

    expect(error).toBeInstanceOf(ConcurrentModificationError);
    expect((error as ConcurrentModificationError).code).toBe('CONCURRENT_MODIFICATION');
  }, 15_000);

  it('writes nothing, not even the password, for a sender its SES identity does not cover', async () => {
    const { store, secrets, config } = service('alerts.example.org');

    await expect(config.setServer({ ...server, password: 'p' })).rejects.toBeInstanceOf(ValidationError);

    expect(store.saves).toBe(0);
    expect(secrets.values.size).toBe(0);
  });

  it('caches the password per version: one secret read while unchanged, a fresh read after a change', async () => {
    const { secrets, config } = service();
    await config.setServer({ ...server, password: 'one' });

    const first = await config.mailServer(await config.get());
    const second = await config.mailServer(await config.get());
    await config.setServer({ ...server, password: 'two' });
    const third = await config.mailServer(await config.get());
    await config.setServer(server);
    const kept = await config.mailServer(await config.get());
    await config.setServer({ ...server, password: null });
    const removed = await config.mailServer(await config.get());

    expect([first?.password, second?.password, third?.password, kept?.password]).toEqual(['one', 'one', 'two', 'two']);
    expect(removed?.password).toBeUndefined();
    expect(secrets.gets).toBe(2);
  });

  it('a draft server is what PUT would store: the saved password and CA when the draft omits them', async () => {
    const { config } = service();
    const ca = '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n';
    await config.setServer({ ...server, password: 'saved', ca });
    const stored = await config.get();

    const draft = await config.mailServer(stored, {
      host: 'other.example.com',
      port: 587,
      security: 'starttls',
      from: 'b@example.com',
    });
    const noPassword = await config.mailServer(stored, {
      host: 'other.example.com',
      port: 25,
      security: 'none',
      from: 'b@example.com',
      password: null,
      ca: null,
    });

    expect(draft).toEqual({
      host: 'other.example.com',
      port: 587,
      security: 'starttls',
      from: 'b@example.com',
      ca,
      password: 'saved',
      credentialVersion: 1,
    });
    expect(noPassword).toEqual({
      host: 'other.example.com',
      port: 25,
      security: 'none',
      from: 'b@example.com',
      password: undefined,
      // A draft with its own credential: a token got with it is never cached.
      credentialVersion: -1,
    });
  });

  it('never stores the password in the config document', async () => {
    const { store, config } = service();

    const view = await config.setServer({ ...server, password: 'do-not-store' });

    expect(JSON.stringify(store.current)).not.toContain('do-not-store');
    expect(JSON.stringify(view)).not.toContain('do-not-store');
    expect(view.server?.passwordSet).toBe(true);
  });
});
