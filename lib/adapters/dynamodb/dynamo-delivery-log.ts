import { type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { phase } from '../../phases';
import type { Delivery, DeliveryLog } from '../../ports';

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
    phase('deliveries log');
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
    phase('deliveries log done');
  }

  async list(limit: number): Promise<Delivery[]> {
    // TTL deletes lazily: hide what has already expired through the key condition (sort keys begin
    // with the RFC 3339 time, which sorts chronologically), so `Limit` counts only live deliveries.
    const cutoff = new Date(Date.now() - DELIVERY_RETENTION_SECONDS * 1000).toISOString();
    const { Items = [] } = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        KeyConditionExpression: 'pk = :pk AND sk > :cutoff',
        ExpressionAttributeValues: { ':pk': { S: PARTITION }, ':cutoff': { S: cutoff } },
        ScanIndexForward: false,
        Limit: limit,
      }),
    );
    return Items.flatMap((item) => (item.doc?.S ? [JSON.parse(item.doc.S) as Delivery] : []));
  }
}
