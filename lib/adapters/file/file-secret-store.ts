import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecretName, SecretStore } from '../../ports';

/** Local secrets: one 0600 file per secret under `<dataDir>/secrets`, written atomically. */
export class FileSecretStore implements SecretStore {
  private readonly dir: string;

  constructor(dataDir: string) {
    this.dir = path.join(dataDir, 'secrets');
  }

  async get(name: SecretName): Promise<string | undefined> {
    try {
      return await fs.readFile(path.join(this.dir, name), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async put(name: SecretName, value: string): Promise<void> {
    await writePrivateFile(path.join(this.dir, name), value);
  }

  async erase(name: SecretName): Promise<void> {
    await fs.rm(path.join(this.dir, name), { force: true });
  }
}

/** Writes `content` to a 0600 file (directory 0700) via rename, so readers never see half a secret. */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // A unique temp name per write: concurrent writers never share one; `wx` never follows a planted file or link.
  const temp = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  try {
    await fs.writeFile(temp, content, { mode: 0o600, flag: 'wx' });
    await fs.chmod(temp, 0o600);
    await fs.rename(temp, file);
  } catch (error) {
    await fs.rm(temp, { force: true });
    throw error;
  }
}
