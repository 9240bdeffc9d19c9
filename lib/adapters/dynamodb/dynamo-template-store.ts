import {
  DeleteItemCommand,
  type DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  ScanCommand,
} from '@aws-sdk/client-dynamodb';
import type { MailTemplate } from '../../domain/mail/templates/model';
import type { TemplateStore } from '../../ports';
import type { Item } from './dynamo-items';

const PREFIX = 'template#';
const keyOf = (name: string): Item => ({ pk: { S: `${PREFIX}${name}` } });

/**
 * Templates are items of the config table (`template#<name>`, the three parts as JSON in `doc`),
 * each written whole. The ingest reads one only when a mail is due (lib/usecases/mail-delivery.ts),
 * never on its no-send path. Listing scans the config table, which holds a few hundred small items
 * at most (the config, routes, templates, silences): admin use only.
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
      new PutItemCommand({ TableName: this.tableName, Item: { ...keyOf(name), doc: { S: JSON.stringify(doc) } } }),
    );
  }

  async delete(name: string): Promise<boolean> {
    const { Attributes } = await this.client.send(
      new DeleteItemCommand({ TableName: this.tableName, Key: keyOf(name), ReturnValues: 'ALL_OLD' }),
    );
    return Attributes !== undefined;
  }

  async list(): Promise<string[]> {
    const names: string[] = [];
    let start: Item | undefined;
    do {
      const page = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ProjectionExpression: 'pk',
          FilterExpression: 'begins_with(pk, :prefix)',
          ExpressionAttributeValues: { ':prefix': { S: PREFIX } },
          ConsistentRead: true,
          ExclusiveStartKey: start,
        }),
      );
      for (const item of page.Items ?? []) if (item.pk?.S) names.push(item.pk.S.slice(PREFIX.length));
      start = page.LastEvaluatedKey;
    } while (start);
    return names.sort();
  }
}
