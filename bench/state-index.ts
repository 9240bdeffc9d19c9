/**
 * What the state table's sparse index (`muted-index`, issue 16) costs DynamoDB Local, side by side
 * in one run: the same claim transactions (100 conditional puts of items without the index's key,
 * as every new alert's claim is) and the same 100-key consistent BatchGetItem, against two tables
 * alike but for the index, interleaved, 3 repetitions. On DynamoDB a write of an item without the
 * index key does not touch the index and a base-table read never reads it; DynamoDB Local keeps its
 * tables in SQLite, where it may. `npx tsx bench/state-index.ts` (about 2 minutes).
 */
import {
  BatchGetItemCommand,
  CreateTableCommand,
  type CreateTableCommandInput,
  DynamoDBClient,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { startDynamoDbLocal } from '../local/dynamodb';
import { closedLoop, median } from './load';
import { cpuSeconds } from './procs';

const CONCURRENCY = 8;
const WINDOW_MS = 6_000;
const REPS = 3;

function table(name: string, indexed: boolean): CreateTableCommandInput {
  return {
    TableName: name,
    AttributeDefinitions: [
      { AttributeName: 'pk', AttributeType: 'S' },
      ...(indexed
        ? [
            { AttributeName: 'mutedIndex', AttributeType: 'S' as const },
            { AttributeName: 'mutedAt', AttributeType: 'N' as const },
          ]
        : []),
    ],
    KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
    ...(indexed
      ? {
          GlobalSecondaryIndexes: [
            {
              IndexName: 'muted-index',
              KeySchema: [
                { AttributeName: 'mutedIndex', KeyType: 'HASH' as const },
                { AttributeName: 'mutedAt', KeyType: 'RANGE' as const },
              ],
              Projection: { ProjectionType: 'ALL' as const },
            },
          ],
        }
      : {}),
    BillingMode: 'PAY_PER_REQUEST',
  };
}

async function main(): Promise<void> {
  const store = await startDynamoDbLocal();
  const db = new DynamoDBClient({
    endpoint: store.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  try {
    const tables = { indexed: 'state-indexed', plain: 'state-plain' };
    await db.send(new CreateTableCommand(table(tables.indexed, true)));
    await db.send(new CreateTableCommand(table(tables.plain, false)));
    let key = 0;
    const claims = (name: string) => () => {
      const now = Math.floor(Date.now() / 1000);
      return db
        .send(
          new TransactWriteItemsCommand({
            TransactItems: Array.from({ length: 100 }, () => ({
              Put: {
                TableName: name,
                Item: {
                  pk: { S: `k${key++}` },
                  status: { S: 'pending' },
                  claimId: { S: '3b241101-e2bb-4255-8caf-4136c566a962' },
                  expiresAt: { N: String(now + 90) },
                },
                ConditionExpression: 'attribute_not_exists(pk) OR expiresAt <= :now',
                ExpressionAttributeValues: { ':now': { N: String(now) } },
              },
            })),
          }),
        )
        .then(() => 100);
    };
    const reads = (name: string) => () =>
      db
        .send(
          new BatchGetItemCommand({
            RequestItems: {
              [name]: {
                Keys: Array.from({ length: 100 }, (_, i) => ({ pk: { S: `k${i}` } })),
                ConsistentRead: true,
              },
            },
          }),
        )
        .then(() => 100);
    const variants = [
      { name: 'claims (TransactWriteItems, 100 puts)', table: 'plain', op: claims(tables.plain) },
      { name: 'claims (TransactWriteItems, 100 puts)', table: 'indexed', op: claims(tables.indexed) },
      { name: 'BatchGetItem, 100 keys', table: 'plain', op: reads(tables.plain) },
      { name: 'BatchGetItem, 100 keys', table: 'indexed', op: reads(tables.indexed) },
    ];
    const results = new Map<string, { rates: number[]; cpu: number[] }>();
    for (const variant of variants) {
      await closedLoop({ concurrency: CONCURRENCY, warmupMs: 0, durationMs: 3_000, maxOps: 1e6, op: variant.op });
    }
    for (let rep = 1; rep <= REPS; rep++) {
      for (const variant of variants) {
        const before = cpuSeconds(store.process.pid);
        const run = await closedLoop({
          concurrency: CONCURRENCY,
          warmupMs: 0,
          durationMs: WINDOW_MS,
          maxOps: 1e6,
          op: variant.op,
        });
        const cpuMsPer1k = ((cpuSeconds(store.process.pid) - before) * 1e6) / run.units;
        const id = `${variant.name} | ${variant.table}`;
        const entry = results.get(id) ?? { rates: [], cpu: [] };
        entry.rates.push(run.rate);
        entry.cpu.push(cpuMsPer1k);
        results.set(id, entry);
        process.stderr.write(`rep ${rep}: ${id}: ${run.rate.toFixed(0)} items/s, ${cpuMsPer1k.toFixed(0)} ms/1k\n`);
      }
    }
    const at = new Date().toISOString().slice(0, 16).replace('T', ' ');
    process.stdout.write(
      `DynamoDB Local, ${at} UTC, ${CONCURRENCY} concurrent, ${REPS} interleaved repetitions of ${WINDOW_MS / 1000} s (medians):\n\n`,
    );
    process.stdout.write(
      '| operation | table | items/s | DynamoDB Local CPU ms per 1,000 items | (repetitions, items/s) |\n|---|---|---:|---:|---|\n',
    );
    for (const [id, entry] of results) {
      process.stdout.write(
        `| ${id} | ${median(entry.rates).toFixed(0)} | ${median(entry.cpu).toFixed(0)} | ${entry.rates.map((r) => r.toFixed(0)).join(' / ')} |\n`,
      );
    }
  } finally {
    db.destroy();
    await store.stop();
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`state-index failed: ${String(error)}\n`);
  process.exit(1);
});
