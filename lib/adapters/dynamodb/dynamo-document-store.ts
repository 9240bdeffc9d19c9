import {
  ConditionalCheckFailedException,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import type { DocumentStore, Versioned } from '../../ports';
import { decodeDocumentItem, type Item } from './dynamo-items';

/**
 * One JSON document item of the config table (silences, mute windows, the sweeper's bookmark),
 * written whole with a version check, as the config item is (dynamo-config-store.ts).
 */
export class DynamoDocumentStore<T> implements DocumentStore<T> {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
    private readonly key: Item,
  ) {}

  async load(): Promise<Versioned<T> | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: this.key, ConsistentRead: true }),
    );
    return decodeDocumentItem<T>(Item);
  }

  async save(value: T, expectedVersion: number | null): Promise<boolean> {
    const nextVersion = (expectedVersion ?? 0) + 1;
    try {
      await this.client.send(
        new PutItemCommand({
          TableName: this.tableName,
          Item: { ...this.key, doc: { S: JSON.stringify(value) }, version: { N: String(nextVersion) } },
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
