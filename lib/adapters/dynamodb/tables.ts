import {
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  ResourceInUseException,
  UpdateTableCommand,
  UpdateTimeToLiveCommand,
} from '@aws-sdk/client-dynamodb';
import { MUTED_INDEX } from './dynamo-items';

export interface TableNames {
  readonly config: string;
  readonly state: string;
  readonly deliveries: string;
}

/** Key schemas of the three tables; the CDK stack declares the same ones. */
export function tableDefinitions(names: TableNames): Array<CreateTableCommandInput & { ttlAttribute?: string }> {
  return [
    {
      TableName: names.config,
      AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      BillingMode: 'PAY_PER_REQUEST',
    },
    {
      TableName: names.state,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'mutedIndex', AttributeType: 'S' },
        { AttributeName: 'mutedAt', AttributeType: 'N' },
      ],
      KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
      // Sparse: only held alerts' states carry `mutedIndex`, so the sweeper queries them oldest first, never scans.
      GlobalSecondaryIndexes: [
        {
          IndexName: MUTED_INDEX,
          KeySchema: [
            { AttributeName: 'mutedIndex', KeyType: 'HASH' },
            { AttributeName: 'mutedAt', KeyType: 'RANGE' },
          ],
          Projection: { ProjectionType: 'ALL' },
        },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      ttlAttribute: 'expiresAt',
    },
    {
      TableName: names.deliveries,
      AttributeDefinitions: [
        { AttributeName: 'pk', AttributeType: 'S' },
        { AttributeName: 'sk', AttributeType: 'S' },
      ],
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      BillingMode: 'PAY_PER_REQUEST',
      ttlAttribute: 'expiresAt',
    },
  ];
}

/** A table made before an index existed (a local data dir from an earlier version) gets it now. */
async function addMissingIndexes(
  client: DynamoDBClient,
  definition: CreateTableCommandInput,
  existing: ReadonlyArray<string | undefined>,
): Promise<void> {
  for (const index of definition.GlobalSecondaryIndexes ?? []) {
    if (existing.includes(index.IndexName)) continue;
    await client.send(
      new UpdateTableCommand({
        TableName: definition.TableName,
        AttributeDefinitions: definition.AttributeDefinitions,
        GlobalSecondaryIndexUpdates: [
          { Create: { IndexName: index.IndexName, KeySchema: index.KeySchema, Projection: index.Projection } },
        ],
      }),
    );
  }
}

/** Creates the tables if missing (local runtime and tests; on AWS the stack owns them). */
export async function ensureTables(client: DynamoDBClient, names: TableNames): Promise<void> {
  for (const { ttlAttribute, ...definition } of tableDefinitions(names)) {
    try {
      await client.send(new CreateTableCommand(definition));
      if (ttlAttribute) {
        await client.send(
          new UpdateTimeToLiveCommand({
            TableName: definition.TableName,
            TimeToLiveSpecification: { AttributeName: ttlAttribute, Enabled: true },
          }),
        );
      }
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    const { Table } = await client.send(new DescribeTableCommand({ TableName: definition.TableName }));
    await addMissingIndexes(client, definition, Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName) ?? []);
  }
}
