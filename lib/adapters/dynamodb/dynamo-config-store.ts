import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { StoredConfig } from '../../domain/config';
import type { ConfigStore, Versioned } from '../../ports';
import { CONFIG_KEY, decodeConfigItem } from './dynamo-items';

/**
 * The whole email config is one item (`doc` holds it as JSON), written with a
 * version check: every write is atomic, a refused write changes nothing, and
 * concurrent writers cannot lose each other's changes.
 */
export class DynamoConfigStore implements ConfigStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async load(): Promise<Versioned<StoredConfig> | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: CONFIG_KEY, ConsistentRead: true }),
    );
    return decodeConfigItem(Item);
  }

  async save(config: StoredConfig, expectedVersion: number | null): Promise<boolean> {
    const nextVersion = (expectedVersion ?? 0) + 1;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...CONFIG_KEY, doc: { S: JSON.stringify(config) }, version: { N: String(nextVersion) } },
          ConditionExpression: expectedVersion === null ? 'attribute_not_exists(pk)' : 'version = :expected',
          ExpressionAttributeValues:
            expectedVersion === null ? undefined : { ':expected': { N: String(expectedVersion) } },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw error;
    }
  }
}
