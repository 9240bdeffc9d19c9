import { sleep } from '../../concurrency';
import { StoreUnavailableError } from '../../errors';
import type { Item } from './dynamo-items';

/** DynamoDB's cap on keys per BatchGetItem call. */
export const BATCH_GET_LIMIT = 100;

/** One BatchGetItem call through the SDK's client (the snapshot reader's and the state store's). */
export type BatchGet = (requestItems: Record<string, BatchKeys>) => Promise<{
  Responses?: Record<string, Item[]>;
  UnprocessedKeys?: Record<string, { Keys?: Item[]; ConsistentRead?: boolean }>;
}>;

interface BatchKeys {
  Keys: Item[];
  ConsistentRead: boolean;
}

/**
 * One strongly consistent BatchGetItem over one or more tables (at most 100 keys in all),
 * retrying unprocessed keys with backoff. Returns the items found, per table.
 */
export async function batchGetConsistent(
  batchGet: BatchGet,
  keysByTable: Readonly<Record<string, readonly Item[]>>,
): Promise<Map<string, Item[]>> {
  const found = new Map<string, Item[]>(Object.keys(keysByTable).map((table) => [table, []]));
  let pending = consistentReads(Object.entries(keysByTable));
  for (let attempt = 0; Object.keys(pending).length > 0; attempt++) {
    const out = await batchGet(pending);
    for (const [table, items] of Object.entries(out.Responses ?? {})) found.get(table)?.push(...items);
    pending = consistentReads(
      Object.entries(out.UnprocessedKeys ?? {}).map(([table, { Keys }]) => [table, Keys ?? []]),
    );
    if (Object.keys(pending).length > 0) await backoff(attempt);
  }
  return found;
}

function consistentReads(keysByTable: ReadonlyArray<readonly [string, readonly Item[]]>): Record<string, BatchKeys> {
  const requests: Record<string, BatchKeys> = {};
  for (const [table, keys] of keysByTable)
    if (keys.length > 0) requests[table] = { Keys: [...keys], ConsistentRead: true };
  return requests;
}

export async function backoff(attempt: number): Promise<void> {
  // Unprocessed items are DynamoDB throttling part of a batch: past ~4 s of backoff, answer "retry later".
  if (attempt > 8) {
    throw new StoreUnavailableError('DynamoDB is unavailable (kept returning unprocessed items); retry later', null);
  }
  await sleep(Math.min(1000, 20 * 2 ** attempt) * (0.5 + Math.random() / 2));
}
