import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { SecretName, SecretStore } from '../ports';

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
}

/** Writes `content` to a 0600 file (directory 0700) via rename, so readers never see half a secret. */
export async function writePrivateFile(file: string, content: string): Promise<void> {
  await fs.mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.${Date.now()}.tmp`;
  await fs.writeFile(temp, content, { mode: 0o600 });
  await fs.chmod(temp, 0o600);
  await fs.rename(temp, file);
}
