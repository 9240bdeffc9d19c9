import {
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { MailTemplate } from '../../domain/mail/templates/model';
import type { TemplateStore } from '../../ports';
import { decodeTemplateItem, TEMPLATES_INDEX_KEY as INDEX_KEY, templateKey as keyOf } from './dynamo-items';

/**
 * Templates are items of the config table (`template#<name>`, the three parts as JSON in `doc`),
 * each written whole, in one transaction with the index of names, whose `generation` every write and
 * delete adds one to. The ingest reads the index with its first read (dynamo-ingest-snapshot.ts) and
 * keeps the templates it read while the generation stays the same (lib/usecases/ingest/service.ts).
 */
export class DynamoTemplateStore implements TemplateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async get(name: string): Promise<MailTemplate | null> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: keyOf(name), ConsistentRead: true }),
    );
    return decodeTemplateItem(Item);
  }

  async put(name: string, template: MailTemplate): Promise<void> {
    const doc = { subject: template.subject, text: template.text, html: template.html };
    await this.client.send(
      new TransactWriteItemsCommand({
        TransactItems: [
          { Put: { TableName: this.tableName, Item: { ...keyOf(name), doc: { S: JSON.stringify(doc) } } } },
          {
            Update: {
              TableName: this.tableName,
              Key: INDEX_KEY,
              UpdateExpression: 'ADD #names :name, #generation :one',
              ExpressionAttributeNames: { '#names': 'names', '#generation': 'generation' },
              ExpressionAttributeValues: { ':name': { SS: [name] }, ':one': { N: '1' } },
            },
          },
        ],
      }),
    );
  }

  async delete(name: string): Promise<boolean> {
    try {
      await this.client.send(
        new TransactWriteItemsCommand({
          TransactItems: [
            { Delete: { TableName: this.tableName, Key: keyOf(name), ConditionExpression: 'attribute_exists(pk)' } },
            {
              Update: {
                TableName: this.tableName,
                Key: INDEX_KEY,
                UpdateExpression: 'DELETE #names :name ADD #generation :one',
                ExpressionAttributeNames: { '#names': 'names', '#generation': 'generation' },
                ExpressionAttributeValues: { ':name': { SS: [name] }, ':one': { N: '1' } },
              },
            },
          ],
        }),
      );
      return true;
    } catch (error) {
      if (
        error instanceof TransactionCanceledException &&
        error.CancellationReasons?.[0]?.Code === 'ConditionalCheckFailed'
      ) {
        return false;
      }
      throw error;
    }
  }

  async list(): Promise<string[]> {
    const { Item } = await this.client.send(
      new GetItemCommand({ TableName: this.tableName, Key: INDEX_KEY, ConsistentRead: true }),
    );
    return [...(Item?.names?.SS ?? [])].sort();
  }
}
