import { type AttributeValue, type DynamoDBClient, PutItemCommand, QueryCommand } from '@aws-sdk/client-dynamodb';
import { phase } from '../../phases';
import type { Delivery, DeliveryFilter, DeliveryLog } from '../../ports';

const PARTITION = 'deliveries';
/** A route's deliveries are found among this many of the newest per page, at most this many pages. */
const FILTERED_PAGE_SIZE = 200;
const MAX_FILTERED_PAGES = 5;
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
          // Beside the document, so `list` can filter on it.
          ...(delivery.route === undefined ? {} : { route: { S: delivery.route } }),
          expiresAt: { N: String(Math.floor(at / 1000) + DELIVERY_RETENTION_SECONDS) },
        },
      }),
    );
    phase('deliveries log done');
  }

  async list(limit: number, filter: DeliveryFilter = {}): Promise<Delivery[]> {
    // TTL deletes lazily: hide what has already expired through the key condition (sort keys begin
    // with the RFC 3339 time, which sorts chronologically), so `Limit` counts only live deliveries.
    const cutoff = new Date(Date.now() - DELIVERY_RETENTION_SECONDS * 1000).toISOString();
    const deliveries: Delivery[] = [];
    let start: Record<string, AttributeValue> | undefined;
    // A filter applies after `Limit` reads, so a filtered list pages on, a bounded number of pages.
    for (let page = 0; page < (filter.route === undefined ? 1 : MAX_FILTERED_PAGES); page++) {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          KeyConditionExpression: 'pk = :pk AND sk > :cutoff',
          ...(filter.route === undefined ? {} : { FilterExpression: '#route = :route' }),
          ExpressionAttributeNames: filter.route === undefined ? undefined : { '#route': 'route' },
          ExpressionAttributeValues: {
            ':pk': { S: PARTITION },
            ':cutoff': { S: cutoff },
            ...(filter.route === undefined ? {} : { ':route': { S: filter.route } }),
          },
          ScanIndexForward: false,
          Limit: filter.route === undefined ? limit : Math.max(limit, FILTERED_PAGE_SIZE),
          ExclusiveStartKey: start,
        }),
      );
      for (const item of out.Items ?? []) if (item.doc?.S) deliveries.push(JSON.parse(item.doc.S) as Delivery);
      start = out.LastEvaluatedKey;
      if (!start || deliveries.length >= limit) break;
    }
    return deliveries.slice(0, limit);
  }
}
