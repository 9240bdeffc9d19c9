/** The secret store adapters: Secrets Manager (mocked SDK client) and the local 0600 file store. */
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  GetSecretValueCommand,
  InternalServiceError,
  PutSecretValueCommand,
  ResourceNotFoundException,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { mockClient } from 'aws-sdk-client-mock';
import { FileSecretStore, writePrivateFile } from '../../lib/adapters/file/file-secret-store';
import { SecretsManagerSecretStore } from '../../lib/adapters/secrets-manager/secrets-manager-store';

describe('SecretsManagerSecretStore', () => {
  const sm = mockClient(SecretsManagerClient);
  const ids = { 'smtp-password': 'arn:aws:secretsmanager:eu-west-1:1:secret:smtp', 'api-tokens': 'tokens-id' };
  const store = () => new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' }), ids);

  beforeEach(() => sm.reset());

  it('reads the secret string of the secret mapped to the name', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ids['smtp-password'] }).resolves({ SecretString: 's3cret' });

    await expect(store().get('smtp-password')).resolves.toBe('s3cret');
    expect(sm.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('answers undefined for a secret that does not exist, or has no value yet', async () => {
    sm.on(GetSecretValueCommand, { SecretId: ids['smtp-password'] }).rejects(
      new ResourceNotFoundException({ message: 'not found', $metadata: {} }),
    );
    sm.on(GetSecretValueCommand, { SecretId: ids['api-tokens'] }).resolves({});

    await expect(store().get('smtp-password')).resolves.toBeUndefined();
    await expect(store().get('api-tokens')).resolves.toBeUndefined();
  });

  it('lets other failures through (a transient error must not read as "no password")', async () => {
    sm.on(GetSecretValueCommand).rejects(new InternalServiceError({ message: 'boom', $metadata: {} }));

    await expect(store().get('smtp-password')).rejects.toThrow('boom');
  });

  it('writes a new version of the mapped secret', async () => {
    sm.on(PutSecretValueCommand).resolves({});

    await store().put('smtp-password', 'new-pass');

    const calls = sm.commandCalls(PutSecretValueCommand);
    expect(calls).toHaveLength(1);
    expect(calls[0]?.args[0].input).toEqual({ SecretId: ids['smtp-password'], SecretString: 'new-pass' });
  });
});

describe('SecretsManagerSecretStore.erase', () => {
  const sm = mockClient(SecretsManagerClient);
  const ids = { 'smtp-password': 'smtp-id', 'api-tokens': 'tokens-id' };

  beforeEach(() => sm.reset());

  it('overwrites the value twice with random placeholders, so the old one is neither current nor previous', async () => {
    sm.on(PutSecretValueCommand).resolves({});

    await new SecretsManagerSecretStore(new SecretsManagerClient({ region: 'eu-west-1' }), ids).erase('smtp-password');

    const puts = sm.commandCalls(PutSecretValueCommand).map((call) => call.args[0].input);
    expect(puts).toHaveLength(2);
    expect(puts.every((input) => input.SecretId === 'smtp-id')).toBe(true);
    expect(new Set(puts.map((input) => input.SecretString)).size).toBe(2);
  });
});

describe('FileSecretStore', () => {
  let dir: string;

  beforeEach(async () => {
    dir = await fs.mkdtemp(path.join(os.tmpdir(), 'alertmail-secrets-'));
  });
  afterEach(async () => {
    await fs.rm(dir, { recursive: true, force: true });
  });

  it('answers undefined before anything is stored', async () => {
    await expect(new FileSecretStore(dir).get('smtp-password')).resolves.toBeUndefined();
  });

  it('erases a secret: its file is gone, and erasing again is harmless', async () => {
    const store = new FileSecretStore(dir);
    await store.put('smtp-password', 'hunter2-hunter2');

    await store.erase('smtp-password');
    await store.erase('smtp-password');

    await expect(store.get('smtp-password')).resolves.toBeUndefined();
    expect(await fs.readdir(path.join(dir, 'secrets'))).not.toContain('smtp-password');
  });

  it('stores each secret in a 0600 file in a 0700 directory, and reads it back', async () => {
    const store = new FileSecretStore(dir);

    await store.put('smtp-password', 'pässwörd\nwith newline');

    await expect(store.get('smtp-password')).resolves.toBe('pässwörd\nwith newline');
    await expect(new FileSecretStore(dir).get('smtp-password')).resolves.toBe('pässwörd\nwith newline');
    const file = path.join(dir, 'secrets', 'smtp-password');
    expect((await fs.stat(file)).mode & 0o777).toBe(0o600);
    expect((await fs.stat(path.dirname(file))).mode & 0o777).toBe(0o700);
    await expect(store.get('api-tokens')).resolves.toBeUndefined();
  });

  it('keeps 0600 even under a permissive umask, and when overwriting', async () => {
    const previous = process.umask(0o000);
    try {
      const store = new FileSecretStore(dir);
      await store.put('smtp-password', 'one');
      await store.put('smtp-password', 'two');
      expect((await fs.stat(path.join(dir, 'secrets', 'smtp-password'))).mode & 0o777).toBe(0o600);
      await expect(store.get('smtp-password')).resolves.toBe('two');
    } finally {
      process.umask(previous);
    }
  });

  it('survives concurrent writes: one value wins whole, and no temp file is left behind', async () => {
    const store = new FileSecretStore(dir);
    const values = Array.from({ length: 20 }, (_, i) => `value-${i}-${'x'.repeat(1000)}`);

    await Promise.all(values.map((value) => store.put('smtp-password', value)));

    expect(values).toContain(await store.get('smtp-password'));
    expect(await fs.readdir(path.join(dir, 'secrets'))).toEqual(['smtp-password']);
  });

  it('leaves no temp file when a write fails', async () => {
    const file = path.join(dir, 'secrets', 'blocked');
    await fs.mkdir(file, { recursive: true });
    await fs.writeFile(path.join(file, 'inside'), 'x');

    await expect(writePrivateFile(file, 'secret')).rejects.toThrow();

    expect((await fs.readdir(path.join(dir, 'secrets'))).sort()).toEqual(['blocked']);
  });
});
