import {
  type DynamoDBClient,
  GetItemCommand,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import type { MailTemplate } from '../../domain/mail/templates/model';
import type { TemplateStore } from '../../ports';
import type { Item } from './dynamo-items';

const keyOf = (name: string): Item => ({ pk: { S: `template#${name}` } });
/** The names of the stored templates, as a string set: listing them needs no Scan (the stack grants none). */
const INDEX_KEY: Item = { pk: { S: 'templates#index' } };

/**
 * Templates are items of the config table (`template#<name>`, the three parts as JSON in `doc`),
 * each written whole, in one transaction with the index of names. The ingest reads one only when a
 * mail is due (lib/usecases/mail-delivery.ts), never on its no-send path.
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
    if (!Item?.doc?.S) return null;
    const doc = JSON.parse(Item.doc.S) as Partial<MailTemplate>;
    return { subject: doc.subject ?? '', text: doc.text ?? '', html: doc.html ?? '' };
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
