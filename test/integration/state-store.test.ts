/**
 * The notification state store's claims against the real DynamoDB Local: claims go in
 * transactions of up to 100 conditional writes, and whatever the interleaving every claim is won
 * by exactly one claimer. A counting proxy in front of DynamoDB Local shows the round trips.
 */
import { randomBytes } from 'node:crypto';
import { DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoNotificationStateStore } from '../../lib/adapters/dynamodb/dynamo-state-store';
import { ensureTables } from '../../lib/adapters/dynamodb/tables';
import type { Claim } from '../../lib/ports';
import { type CountingDynamoProxy, startCountingDynamoProxy } from './support';

const INTERVAL_MS = 4 * 3_600_000;

describe('DynamoNotificationStateStore claims (DynamoDB Local)', () => {
  let proxy: CountingDynamoProxy;
  let client: DynamoDBClient;
  let table: string;
  let store: DynamoNotificationStateStore;
  let operations: string[];

  beforeAll(async () => {
    proxy = await startCountingDynamoProxy();
    operations = proxy.operations;
    client = new DynamoDBClient({
      endpoint: proxy.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const prefix = `s${randomBytes(6).toString('hex')}-`;
    table = `${prefix}state`;
    await ensureTables(client, { config: `${prefix}config`, state: table, deliveries: `${prefix}deliveries` });
    store = new DynamoNotificationStateStore(client, table);
  });

  afterAll(async () => {
    client?.destroy();
    await proxy?.stop();
  });

  beforeEach(() => {
    operations.length = 0;
  });

  const firing = (count: number, tag = randomBytes(4).toString('hex')): Claim[] =>
    Array.from({ length: count }, (_, i) => ({
      key: `${tag}-${i}`,
      fingerprint: `${tag}-${i}`,
      kind: 'firing' as const,
      repeatIntervalMs: INTERVAL_MS,
    }));
  const item = async (fingerprint: string) =>
    (await client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: fingerprint } }, ConsistentRead: true })))
      .Item;
  const holdElsewhere = (fingerprint: string, now: Date) =>
    client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: fingerprint },
          status: { S: 'pending' },
          claimId: { S: 'other-invocation' },
          expiresAt: { N: String(Math.floor(now.getTime() / 1000) + 60) },
        },
      }),
    );

  it('claims 250 new alerts in three transactions of at most 100 writes', async () => {
    const claims = firing(250);

    const won = await store.claim(claims, 'claim-a', new Date());

    expect(won).toHaveLength(250);
    expect(operations).toEqual(['TransactWriteItems', 'TransactWriteItems', 'TransactWriteItems']);
    expect((await item(claims[249]?.fingerprint ?? ''))?.claimId?.S).toBe('claim-a');
  });

  it('claims a single alert with one plain conditional write (1 write unit, not a transaction)', async () => {
    const won = await store.claim(firing(1), 'claim-a', new Date());

    expect(won).toHaveLength(1);
    expect(operations).toEqual(['PutItem']);
  });

  it('wins the rest of a batch when some alerts are held by another invocation, and leaves those alone', async () => {
    const now = new Date();
    const claims = firing(40);
    const held = claims.filter((_, i) => i % 4 === 0).map((claim) => claim.fingerprint);
    for (const fingerprint of held) await holdElsewhere(fingerprint, now);
    operations.length = 0;

    const won = await store.claim(claims, 'claim-b', now);

    expect(won.map((claim) => claim.fingerprint).sort()).toEqual(
      claims
        .map((claim) => claim.fingerprint)
        .filter((fingerprint) => !held.includes(fingerprint))
        .sort(),
    );
    // The first transaction is cancelled (its reasons name the held ones), the retry without them commits.
    expect(operations).toEqual(['TransactWriteItems', 'TransactWriteItems']);
    for (const fingerprint of held) expect((await item(fingerprint))?.claimId?.S).toBe('other-invocation');
  });

  it('loses every alert of a batch that another invocation already claimed, in one round trip', async () => {
    const now = new Date();
    const claims = firing(30);
    await store.claim(claims, 'first', now);
    operations.length = 0;

    const won = await store.claim(claims, 'second', now);

    expect(won).toEqual([]);
    expect(operations).toEqual(['TransactWriteItems']);
  });

  it('gives every alert to exactly one of ten concurrent claimers with overlapping batches', async () => {
    const now = new Date();
    const pool = firing(120);
    // Claimer i takes a window of 60 alerts starting at 12*i (wrapping): every alert is in five batches.
    const batches = Array.from({ length: 10 }, (_, i) =>
      Array.from({ length: 60 }, (_, k) => pool[(12 * i + k) % pool.length] as Claim),
    );

    const results = await Promise.all(batches.map((batch, i) => store.claim(batch, `claimer-${i}`, now)));

    const winners = new Map<string, string[]>();
    results.forEach((won, i) => {
      for (const claim of won)
        winners.set(claim.fingerprint, [...(winners.get(claim.fingerprint) ?? []), `claimer-${i}`]);
    });
    expect([...winners.keys()].sort()).toEqual(pool.map((claim) => claim.fingerprint).sort());
    for (const [fingerprint, claimers] of winners) {
      expect(claimers).toHaveLength(1);
      expect((await item(fingerprint))?.claimId?.S).toBe(claimers[0]);
    }
  });

  it('claims firing and resolved alerts in one transaction', async () => {
    const now = new Date();
    const [sentBefore, ...fresh] = firing(3);
    await store.claim([sentBefore as Claim], 'earlier', now);
    await store.complete([sentBefore as Claim], 'earlier', now);
    operations.length = 0;

    const won = await store.claim(
      [
        {
          key: sentBefore?.key ?? '',
          fingerprint: sentBefore?.fingerprint ?? '',
          kind: 'resolved',
          repeatIntervalMs: INTERVAL_MS,
        },
        ...fresh,
      ],
      'mixed',
      now,
    );

    expect(won).toHaveLength(3);
    expect(operations).toEqual(['TransactWriteItems']);
    expect((await item(sentBefore?.fingerprint ?? ''))?.resolvingClaim?.S).toBe('mixed');
  });
});
