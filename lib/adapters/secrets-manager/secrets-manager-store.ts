import { randomBytes } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import type { SecretName, SecretStore } from '../../ports';

/** Secrets in AWS Secrets Manager: one secret per name, created by the stack and written by the config API. */
export class SecretsManagerSecretStore implements SecretStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretIds: Readonly<Record<SecretName, string>>,
  ) {}

  async get(name: SecretName): Promise<string | undefined> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: this.secretIds[name] }));
      return out.SecretString;
    } catch (error) {
      if (error instanceof ResourceNotFoundException) return undefined;
      throw error;
    }
  }

  async put(name: SecretName, value: string): Promise<void> {
    await this.client.send(new PutSecretValueCommand({ SecretId: this.secretIds[name], SecretString: value }));
  }

  /**
   * The secret itself belongs to the stack, so it is overwritten rather than deleted: two random
   * versions push the old value out of AWSCURRENT and AWSPREVIOUS, leaving it unlabelled, which
   * Secrets Manager deprecates and deletes.
   */
  async erase(name: SecretName): Promise<void> {
    for (let i = 0; i < 2; i++) await this.put(name, `erased-${randomBytes(24).toString('base64url')}`);
  }
}
