import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import type { Delivery, DeliveryLog } from '../ports';

const PARTITION = 'deliveries';
export const DELIVERY_RETENTION_SECONDS = 30 * 86_400;

/** Deliveries share one partition sorted by time (newest first on read); TTL removes them after 30 days. */
export class DynamoDeliveryLog implements DeliveryLog {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async record(delivery: Delivery): Promise<void> {
    const at = Date.parse(delivery.at);
    await this.client.send(
      new PutItemCommand({
        TableName: this.tableName,
        Item: {
          pk: { S: PARTITION },
          sk: { S: `${delivery.at}#${delivery.id}` },
          doc: { S: JSON.stringify(delivery) },
          expiresAt: { N: String(Math.floor(at / 1000) + DELIVERY_RETENTION_SECONDS) },
        },
      }),
    );
  }

  async list(limit: number): Promise<Delivery[]> {
    const nowSeconds = Math.floor(Date.now() / 1000);
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk',
        // TTL deletes lazily: hide what has already expired.
        FilterExpression: 'expiresAt > :now',
        ExpressionAttributeValues: { ':pk': { S: PARTITION }, ':now': { N: String(nowSeconds) } },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.flatMap((item) => (item.doc?.S ? [JSON.parse(item.doc.S) as Delivery] : []));
  }
}
