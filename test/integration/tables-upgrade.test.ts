/** A local data dir from before issue 16 has a state table without the held alerts' index: the next start adds it. */
import { randomBytes } from 'node:crypto';
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { MUTED_INDEX } from '../../lib/adapters/dynamodb/dynamo-items';
import { ensureTables } from '../../lib/adapters/dynamodb/tables';

test('ensureTables adds the muted-index to a state table created without it', async () => {
  const dynamo = new DynamoDBClient({
    endpoint: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const prefix = `up${randomBytes(4).toString('hex')}-`;
  const names = { config: `${prefix}config`, state: `${prefix}state`, deliveries: `${prefix}deliveries` };
  try {
    await dynamo.send(
      new CreateTableCommand({
        TableName: names.state,
        AttributeDefinitions: [{ AttributeName: 'pk', AttributeType: 'S' }],
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        BillingMode: 'PAY_PER_REQUEST',
      }),
    );
    await ensureTables(dynamo, names);
    const { Table } = await dynamo.send(new DescribeTableCommand({ TableName: names.state }));
    expect(Table?.GlobalSecondaryIndexes?.map((index) => index.IndexName)).toEqual([MUTED_INDEX]);
    await ensureTables(dynamo, names); // idempotent
  } finally {
    dynamo.destroy();
  }
});
