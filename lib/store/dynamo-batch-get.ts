import {
  type AttributeValue,
  BatchGetItemCommand,
  type DynamoDBClient,
  type KeysAndAttributes,
} from '@aws-sdk/client-dynamodb';
import { sleep } from '../concurrency';

export type Item = Record<string, AttributeValue>;

/** DynamoDB's cap on keys per BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;

/**
 * One strongly consistent BatchGetItem over one or more tables (at most 100 keys in all),
 * retrying unprocessed keys with backoff. Returns the items found, per table.
 */
export async function batchGetConsistent(
  client: DynamoDBClient,
  keysByTable: Readonly<Record<string, readonly Item[]>>,
): Promise<Map<string, Item[]>> {
  const found = new Map<string, Item[]>(Object.keys(keysByTable).map((table) => [table, []]));
  let pending: Record<string, KeysAndAttributes> = {};
  for (const [table, keys] of Object.entries(keysByTable)) {
    if (keys.length > 0) pending[table] = { Keys: [...keys], ConsistentRead: true };
  }
  for (let attempt = 0; Object.keys(pending).length > 0; attempt++) {
    const out = await client.send(new BatchGetItemCommand({ RequestItems: pending }));
    for (const [table, items] of Object.entries(out.Responses ?? {})) found.get(table)?.push(...items);
    pending = out.UnprocessedKeys ?? {};
    if (Object.keys(pending).length > 0) await backoff(attempt);
  }
  return found;
}

export async function backoff(attempt: number): Promise<void> {
  if (attempt > 8) throw new Error('DynamoDB kept returning unprocessed items');
  await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2));
}
