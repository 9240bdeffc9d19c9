/**
 * DynamoReadClient against the real DynamoDB Local: it reads back exactly what the SDK's client
 * reads for the same request, and DynamoDB's refusals arrive as DynamoReadErrors after one attempt.
 * A counting proxy in front of DynamoDB Local shows the attempts. (DynamoDB Local does not check
 * signatures: test/unit/dynamo-read-client.test.ts verifies them.)
 */
import { randomBytes } from 'node:crypto';
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoReadClient, DynamoReadError } from '../../lib/store/dynamo-read-client';
import { ensureTables } from '../../lib/store/tables';
import { type CountingDynamoProxy, startCountingDynamoProxy } from './support';

type Item = Record<string, AttributeValue>;

const CREDENTIALS = { accessKeyId: 'local', secretAccessKey: 'local' };
const byPk = (items: readonly Item[] = []) => [...items].sort((a, b) => String(a.pk?.S).localeCompare(String(b.pk?.S)));
/** DynamoDB keeps no order within a set: sorts SS and NS, to compare with the items as written. */
const unordered = (value: unknown): unknown => {
  if (Array.isArray(value)) return value.map(unordered);
  if (typeof value !== 'object' || value === null) return value;
  return Object.fromEntries(
    Object.entries(value).map(([key, inner]) => [
      key,
      (key === 'SS' || key === 'NS') && Array.isArray(inner) ? [...inner].sort() : unordered(inner),
    ]),
  );
};

describe('DynamoReadClient (DynamoDB Local)', () => {
  let proxy: CountingDynamoProxy;
  let sdk: DynamoDBClient;
  let reader: DynamoReadClient;
  let tables: { config: string; state: string; deliveries: string };

  // expiresAt far in the future: the state table has TTL on it, and DynamoDB Local deletes expired items.
  const stateItems: Item[] = [
    {
      pk: { S: 'fp-1' },
      status: { S: 'sent' },
      sentAt: { N: '1764000000000' },
      expiresAt: { N: '4102444800' },
      muted: { BOOL: false },
      claimId: { NULL: true },
      recipients: { SS: ['a@example.com', 'b@example.com'] },
      attempts: { NS: ['1', '2.5', '-3'] },
      history: { L: [{ S: 'pending' }, { N: '42' }, { BOOL: true }, { NULL: true }, { L: [] }] },
      labels: { M: { severity: { S: 'page' }, nested: { M: { deep: { SS: ['x'] } } }, empty: { M: {} } } },
    },
    { pk: { S: 'fp-2' }, status: { S: 'pending' }, unicode: { S: 'Grüße, 警报 🚨 "quoted" \\ \n' } },
    { pk: { S: 'fp-3' }, big: { N: '123456789012345678901234567890.5' } },
  ];
  const configItem: Item = { pk: { S: 'config#email' }, doc: { S: '{"recipients":[]}' }, version: { N: '7' } };

  beforeAll(async () => {
    proxy = await startCountingDynamoProxy();
    sdk = new DynamoDBClient({
      endpoint: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
      region: 'us-east-1',
      credentials: CREDENTIALS,
    });
    const prefix = `r${randomBytes(6).toString('hex')}-`;
    tables = { config: `${prefix}config`, state: `${prefix}state`, deliveries: `${prefix}deliveries` };
    await ensureTables(sdk, tables);
    for (const Item of stateItems) await sdk.send(new PutItemCommand({ TableName: tables.state, Item }));
    await sdk.send(new PutItemCommand({ TableName: tables.config, Item: configItem }));
    reader = new DynamoReadClient({
      region: 'us-east-1',
      endpoint: proxy.endpoint,
      credentials: async () => CREDENTIALS,
    });
  });

  afterAll(async () => {
    reader?.destroy();
    sdk?.destroy();
    await proxy?.stop();
  });

  beforeEach(() => {
    proxy.operations.length = 0;
  });

  it("reads across two tables exactly the items the SDK's BatchGetItem reads; missing keys are absent", async () => {
    const requestItems = {
      [tables.state]: {
        Keys: ['fp-1', 'fp-missing', 'fp-2', 'fp-3'].map((pk) => ({ pk: { S: pk } })),
        ConsistentRead: true,
      },
      [tables.config]: { Keys: [{ pk: { S: 'config#email' } }, { pk: { S: 'config#other' } }], ConsistentRead: true },
    };

    const ours = await reader.batchGetItem(requestItems);
    const theirs = await sdk.send(new BatchGetItemCommand({ RequestItems: requestItems }));

    expect(proxy.operations).toEqual(['BatchGetItem']);
    expect(unordered(byPk(ours.Responses?.[tables.state]))).toEqual(unordered(stateItems));
    expect(byPk(ours.Responses?.[tables.config])).toEqual([configItem]);
    expect(Object.keys(ours.Responses ?? {}).sort()).toEqual(Object.keys(theirs.Responses ?? {}).sort());
    for (const table of [tables.state, tables.config]) {
      expect(byPk(ours.Responses?.[table])).toEqual(byPk(theirs.Responses?.[table]));
    }
    expect(ours.UnprocessedKeys ?? {}).toEqual(theirs.UnprocessedKeys ?? {});
  });

  it('passes a projection with attribute names through as the SDK does', async () => {
    const requestItems = {
      [tables.state]: {
        Keys: [{ pk: { S: 'fp-1' } }, { pk: { S: 'fp-2' } }],
        ConsistentRead: true,
        ProjectionExpression: 'pk, #s, expiresAt',
        ExpressionAttributeNames: { '#s': 'status' },
      },
    };

    const ours = await reader.batchGetItem(requestItems);
    const theirs = await sdk.send(new BatchGetItemCommand({ RequestItems: requestItems }));

    expect(byPk(ours.Responses?.[tables.state])).toEqual([
      { pk: { S: 'fp-1' }, status: { S: 'sent' }, expiresAt: { N: '4102444800' } },
      { pk: { S: 'fp-2' }, status: { S: 'pending' } },
    ]);
    expect(byPk(ours.Responses?.[tables.state])).toEqual(byPk(theirs.Responses?.[tables.state]));
  });

  it("gets an item as the SDK's GetItem does, and undefined for a missing key", async () => {
    const found = await reader.getItem(tables.state, { pk: { S: 'fp-1' } }, true);
    const missing = await reader.getItem(tables.state, { pk: { S: 'fp-missing' } }, true);
    const theirs = await sdk.send(
      new GetItemCommand({ TableName: tables.state, Key: { pk: { S: 'fp-1' } }, ConsistentRead: true }),
    );

    expect(unordered(found)).toEqual(unordered(stateItems[0]));
    expect(found).toEqual(theirs.Item);
    expect(missing).toBeUndefined();
    expect(proxy.operations).toEqual(['GetItem', 'GetItem']);
  });

  it('throws ValidationException, not retryable, after one attempt for a key of the wrong attribute', async () => {
    const failure = reader.getItem(tables.state, { id: { S: 'fp-1' } }, true);

    await expect(failure).rejects.toBeInstanceOf(DynamoReadError);
    await expect(failure).rejects.toMatchObject({ name: 'ValidationException', status: 400, retryable: false });
    await expect(failure).rejects.toThrow(/^DynamoDB GetItem failed: ValidationException: /);
    expect(proxy.operations).toEqual(['GetItem']);
  });

  it('throws ResourceNotFoundException, not retryable, after one attempt for an unknown table', async () => {
    const failure = reader.batchGetItem({ [`${tables.state}-nope`]: { Keys: [{ pk: { S: 'fp-1' } }] } });

    await expect(failure).rejects.toBeInstanceOf(DynamoReadError);
    await expect(failure).rejects.toMatchObject({ name: 'ResourceNotFoundException', status: 400, retryable: false });
    await expect(failure).rejects.toThrow(/^DynamoDB BatchGetItem failed: ResourceNotFoundException: /);
    expect(proxy.operations).toEqual(['BatchGetItem']);
  });
});
