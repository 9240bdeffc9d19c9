import {
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { MailTemplate } from '../../domain/mail/templates/model';
import type { TemplateStore } from '../../ports';
import { decodeTemplateItem, type Item, templateKey as keyOf } from './dynamo-items';

/** The names of the stored templates, as a string set: listing them needs no Scan (the stack grants none). */
const INDEX_KEY: Item = { pk: { S: 'templates#index' } };

/**
 * Templates are items of the config table (`template#<name>`, the three parts as JSON in `doc`),
 * each written whole, in one transaction with the index of names. The ingest reads the templates its
 * routes name with its first read (dynamo-ingest-snapshot.ts), so a due mail renders while its claim is
 * written; this `get` serves the rest (a route just renamed its template, the sweeper, the API).
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
              UpdateExpression: 'ADD #names :name',
              ExpressionAttributeNames: { '#names': 'names' },
              ExpressionAttributeValues: { ':name': { SS: [name] } },
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
                UpdateExpression: 'DELETE #names :name',
                ExpressionAttributeNames: { '#names': 'names' },
                ExpressionAttributeValues: { ':name': { SS: [name] } },
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
