/**
 * Claim transactions when DynamoDB cancels them for reasons DynamoDB Local rarely produces on cue:
 * conflicts with other transactions, and a cancellation without per-item reasons (mocked SDK client;
 * test/integration/state-store.test.ts runs the real thing).
 */
import {
  ConditionalCheckFailedException,
  DynamoDBClient,
  PutItemCommand,
  type PutItemCommandInput,
  TransactionCanceledException,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoNotificationStateStore } from '../../lib/adapters/dynamodb/dynamo-state-store';
import type { Claim } from '../../lib/ports';

const TABLE = 'state';
const claims: Claim[] = ['a', 'b', 'c'].map((fingerprint) => ({
  key: fingerprint,
  fingerprint,
  kind: 'firing',
  repeatIntervalMs: 60_000,
}));
const cancelled = (codes: readonly string[] | undefined) =>
  new TransactionCanceledException({
    message: 'Transaction cancelled',
    $metadata: {},
    CancellationReasons: codes?.map((Code) => ({ Code })),
  });

describe('DynamoNotificationStateStore claim transactions', () => {
  const dynamo = mockClient(DynamoDBClient);
  const store = () => new DynamoNotificationStateStore(new DynamoDBClient({ region: 'eu-west-1' }), TABLE);
  const putKeys = () => dynamo.commandCalls(PutItemCommand).map((call) => call.args[0].input.Item?.pk?.S);

  beforeEach(() => dynamo.reset());

  it('retries the claims refused only for a conflicting transaction, without the ones held elsewhere', async () => {
    dynamo
      .on(TransactWriteItemsCommand)
      .rejectsOnce(cancelled(['ConditionalCheckFailed', 'TransactionConflict', 'None']))
      .resolves({});

    const won = await store().claim(claims, 'mine', new Date());

    expect(won.map((claim) => claim.fingerprint)).toEqual(['b', 'c']);
    const calls = dynamo.commandCalls(TransactWriteItemsCommand);
    expect(calls).toHaveLength(2);
    expect(calls[1]?.args[0].input.TransactItems?.map((write) => write.Put?.Item?.pk?.S)).toEqual(['b', 'c']);
  });

  it('after repeated conflicts claims the rest one conditional write each, which cannot conflict', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled(['TransactionConflict', 'TransactionConflict', 'None']));
    dynamo.on(PutItemCommand).callsFake((input: PutItemCommandInput) => {
      if (input.Item?.pk?.S === 'b') throw new ConditionalCheckFailedException({ message: 'held', $metadata: {} });
      return {};
    });

    const won = await store().claim(claims, 'mine', new Date());

    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(3);
    expect(putKeys().sort()).toEqual(['a', 'b', 'c']);
    expect(won.map((claim) => claim.fingerprint)).toEqual(['a', 'c']);
  });

  it('decides each claim on its own when a cancellation carries no per-item reasons', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(cancelled(undefined));
    dynamo.on(PutItemCommand).resolves({});

    const won = await store().claim(claims, 'mine', new Date());

    expect(dynamo.commandCalls(TransactWriteItemsCommand)).toHaveLength(1);
    expect(putKeys().sort()).toEqual(['a', 'b', 'c']);
    expect(won).toHaveLength(3);
  });

  it('lets any other failure through: an unknown outcome is not a lost claim', async () => {
    dynamo.on(TransactWriteItemsCommand).rejects(new Error('socket hang up'));

    await expect(store().claim(claims, 'mine', new Date())).rejects.toThrow('socket hang up');
  });

  it('writes each alert once even if the caller names it twice (a transaction refuses two writes to one item)', async () => {
    dynamo.on(TransactWriteItemsCommand).resolves({});

    await store().claim(
      [...claims, { key: 'a', fingerprint: 'a', kind: 'firing', repeatIntervalMs: 60_000 }],
      'mine',
      new Date(),
    );

    const keys = dynamo
      .commandCalls(TransactWriteItemsCommand)[0]
      ?.args[0].input.TransactItems?.map((write) => write.Put?.Item?.pk?.S);
    expect(keys).toEqual(['a', 'b', 'c']);
  });
});
