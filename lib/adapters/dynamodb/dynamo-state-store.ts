import {
  BatchGetItemCommand,
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  QueryCommand,
  TransactionCanceledException,
  type TransactWriteItem,
  TransactWriteItemsCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { chunk, mapLimit } from '../../concurrency';
import { CLAIM_WINDOW_SECONDS } from '../../deadlines';
import { type ClaimCondition, claimConditions, sentStateExpiresAt, unmuteCondition } from '../../domain/decide';
import { type MutedRecord, mutedStateExpiresAt } from '../../domain/muted';
import { phase } from '../../phases';
import type { Claim, DeliveryProgress, MutedWrite, NotificationState, NotificationStateStore } from '../../ports';
import { BATCH_GET_LIMIT, type BatchGet, backoff, batchGetConsistent } from './dynamo-batch-get';
import { addState, decodeMuted, MUTED_INDEX, MUTED_INDEX_PARTITION, mutedItem, stateKey } from './dynamo-items';

/** Conditional writes in flight per request: enough to hide latency, few enough not to stampede the table. */
const WRITE_CONCURRENCY = 16;
/** DynamoDB's cap on items per TransactWriteItems call. */
export const TRANSACT_WRITE_LIMIT = 100;
/** Claim transactions in flight per request (each up to 100 claims). */
const TRANSACTION_CONCURRENCY = 4;
/** Transactions tried per chunk before its remaining claims go one conditional write each. */
const TRANSACTION_ATTEMPTS = 3;

interface ClaimWrite {
  readonly claim: Claim;
  readonly write: TransactWriteItem;
}

/**
 * Notification state in a DynamoDB table keyed by (route, alert) (`stateKeyOf`), TTL on
 * `expiresAt`. Every claim is a conditional write whose condition includes the
 * expiry, so an expired item that TTL has not yet deleted is claimable and
 * correctness never depends on TTL.
 */
export class DynamoNotificationStateStore implements NotificationStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  private readonly batchGet: BatchGet = (RequestItems) => this.client.send(new BatchGetItemCommand({ RequestItems }));

  async getMany(keys: readonly string[]): Promise<Map<string, NotificationState>> {
    const states = new Map<string, NotificationState>();
    await Promise.all(
      chunk([...new Set(keys)], BATCH_GET_LIMIT).map(async (part) => {
        const found = await batchGetConsistent(this.batchGet, { [this.tableName]: part.map(stateKey) });
        for (const item of found.get(this.tableName) ?? []) addState(states, item);
      }),
    );
    return states;
  }

  /**
   * Claims in transactions of up to 100 conditional writes (one round trip per 100 alerts instead
   * of one per alert); a lone claim is a plain conditional write (1 write unit, not a
   * transaction's 2). A transaction fails as a whole: its cancellation reasons say which
   * conditions failed (claims someone else holds: lost) and the rest is retried. Claims that keep
   * meeting concurrent transactions (TransactionConflict) fall back to one conditional write
   * each, which never conflict, so every claim ends up won or lost, never both, never neither.
   */
  async claim(claims: readonly Claim[], claimId: string, now: Date): Promise<Claim[]> {
    const unique = [...new Map(claims.map((claim) => [claim.key, claim])).values()];
    const writes = unique.map((claim) => ({ claim, write: this.claimWrite(claim, claimId, now) }));
    phase('claim');
    const won = await mapLimit(chunk(writes, TRANSACT_WRITE_LIMIT), TRANSACTION_CONCURRENCY, (part) =>
      this.claimChunk(part),
    );
    phase('claim done');
    return won.flat();
  }

  private async claimChunk(writes: readonly ClaimWrite[]): Promise<Claim[]> {
    let remaining = writes;
    for (let attempt = 0; remaining.length > 1 && attempt < TRANSACTION_ATTEMPTS; attempt++) {
      try {
        await this.client.send(new TransactWriteItemsCommand({ TransactItems: remaining.map(({ write }) => write) }));
        return remaining.map(({ claim }) => claim);
      } catch (error) {
        if (!(error instanceof TransactionCanceledException)) throw error;
        const reasons = error.CancellationReasons;
        // Without one reason per write we cannot tell the lost from the unlucky: decide each on its own.
        if (reasons?.length !== remaining.length) break;
        remaining = remaining.filter((_, i) => reasons[i]?.Code !== 'ConditionalCheckFailed');
        // What is left was refused only for another transaction in flight (or throttling): retry soon.
        if (remaining.length > 1) await backoff(attempt);
      }
    }
    return this.claimEach(remaining);
  }

  /** One conditional write per claim: no transaction, so no conflicts; a failed condition is a lost claim. */
  private async claimEach(writes: readonly ClaimWrite[]): Promise<Claim[]> {
    const won = await mapLimit(writes, WRITE_CONCURRENCY, async ({ claim, write }) => {
      try {
        if (write.Put) await this.client.send(new PutItemCommand(write.Put));
        else if (write.Update) await this.client.send(new UpdateItemCommand(write.Update));
        return claim;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    });
    return won.filter((claim): claim is Claim => claim !== undefined);
  }

  /** The conditional write of one claim, as a transaction item (also sent alone as PutItem / UpdateItem). */
  private claimWrite(claim: Claim, claimId: string, now: Date): TransactWriteItem {
    const nowMs = now.getTime();
    const claimUntil = { N: String(Math.floor(nowMs / 1000) + CLAIM_WINDOW_SECONDS) };
    // The conditions are lib/domain/decide.ts's rules as DynamoDB checks them.
    const conditions = claimConditions(nowMs, claim.repeatIntervalMs);
    if (claim.kind === 'firing' && !claim.resume) {
      const condition = claim.unmutes === undefined ? conditions.freshFiring : unmuteCondition(claim.unmutes);
      return {
        Put: {
          TableName: this.tableName,
          Item: {
            pk: { S: claim.key },
            status: { S: 'pending' },
            claimId: { S: claimId },
            expiresAt: claimUntil,
          },
          ...conditional(condition),
        },
      };
    }
    // Resuming a partly delivered notice keeps firingSentTo, so only the others are sent to.
    const update =
      claim.kind === 'firing'
        ? {
            expression: 'SET #status = :pending, claimId = :claim, expiresAt = :until',
            condition: conditions.resumeFiring,
          }
        : { expression: 'SET resolvingClaim = :claim, resolvingUntil = :until', condition: conditions.resolved };
    const { ConditionExpression, ExpressionAttributeNames, ExpressionAttributeValues } = conditional(update.condition);
    return {
      Update: {
        TableName: this.tableName,
        Key: { pk: { S: claim.key } },
        UpdateExpression: update.expression,
        ConditionExpression,
        ExpressionAttributeNames,
        ExpressionAttributeValues: {
          ...ExpressionAttributeValues,
          ':claim': { S: claimId },
          ':until': claimUntil,
          ...(claim.kind === 'firing' ? { ':pending': { S: 'pending' } } : {}),
        },
      },
    };
  }

  /**
   * Firing claims become `sent` with unconditional batch writes (25 per call) rather than one
   * conditional write per alert: the claim is ours for CLAIM_WINDOW_SECONDS and every send
   * finishes well inside it (mailer timeouts), so nobody else can hold these keys now. The item
   * is kept past the repeat interval (SENT_STATE_RETENTION_MS) so a late resolved notice still goes
   * out; the repeat decision reads `sentAt`.
   *
   * Resolved claims delete the item only if it still carries our resolving claim: a firing claim
   * may legitimately have replaced it meanwhile (the alert fired again), and that state must stay.
   */
  async complete(claims: readonly Claim[], claimId: string, now: Date): Promise<void> {
    const nowMs = now.getTime();
    const firing: WriteRequest[] = claims
      .filter((claim) => claim.kind === 'firing')
      .map((claim) => ({
        PutRequest: {
          Item: {
            pk: { S: claim.key },
            status: { S: 'sent' },
            sentAt: { N: String(nowMs) },
            expiresAt: { N: String(sentStateExpiresAt(nowMs, claim.repeatIntervalMs)) },
          },
        },
      }));
    const resolved = claims.filter((claim) => claim.kind === 'resolved');
    phase('sent mark');
    await Promise.all([
      this.batchWrite(firing),
      mapLimit(resolved, WRITE_CONCURRENCY, async (claim) => {
        try {
          await this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: claim.key } },
              ConditionExpression: 'resolvingClaim = :claim',
              ExpressionAttributeValues: { ':claim': { S: claimId } },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    ]);
    phase('sent mark done');
  }

  async release(claims: readonly Claim[], claimId: string, progress?: DeliveryProgress): Promise<void> {
    await mapLimit(claims, WRITE_CONCURRENCY, async (claim) => {
      const sentTo = progress?.sentTo.get(claim.key) ?? [];
      try {
        await this.client.send(
          progress && sentTo.length > 0
            ? this.releaseWithProgress(claim, claimId, sentTo, progress)
            : claim.kind === 'firing'
              ? new DeleteItemCommand({
                  TableName: this.tableName,
                  Key: { pk: { S: claim.key } },
                  ConditionExpression: 'claimId = :claim',
                  ExpressionAttributeValues: { ':claim': { S: claimId } },
                })
              : new UpdateItemCommand({
                  TableName: this.tableName,
                  Key: { pk: { S: claim.key } },
                  UpdateExpression: 'REMOVE resolvingClaim, resolvingUntil',
                  ConditionExpression: 'resolvingClaim = :claim',
                  ExpressionAttributeValues: { ':claim': { S: claimId } },
                }),
        );
      } catch (error) {
        // Someone else took over after our window lapsed: nothing of ours to give back.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  /**
   * Gives a claim back keeping who already has the notice. A firing one becomes `partial`: due at
   * once (for the others), and kept from TTL for an interval, as a `sent` state is: TTL must not
   * drop the progress before the sender's retry reads it.
   */
  private releaseWithProgress(
    claim: Claim,
    claimId: string,
    sentTo: readonly string[],
    { now }: DeliveryProgress,
  ): UpdateItemCommand {
    const nowMs = now.getTime();
    if (claim.kind === 'firing') {
      return new UpdateItemCommand({
        TableName: this.tableName,
        Key: { pk: { S: claim.key } },
        UpdateExpression:
          'SET #status = :partial, expiresAt = :keep, firingProgressAt = if_not_exists(firingProgressAt, :nowMs) ADD firingSentTo :sentTo REMOVE claimId',
        ConditionExpression: 'claimId = :claim',
        ExpressionAttributeNames: { '#status': 'status' },
        ExpressionAttributeValues: {
          ':partial': { S: 'partial' },
          ':keep': { N: String(sentStateExpiresAt(nowMs, claim.repeatIntervalMs)) },
          ':nowMs': { N: String(nowMs) },
          ':sentTo': { SS: [...sentTo] },
          ':claim': { S: claimId },
        },
      });
    }
    return new UpdateItemCommand({
      TableName: this.tableName,
      Key: { pk: { S: claim.key } },
      UpdateExpression: 'REMOVE resolvingClaim, resolvingUntil ADD resolvedSentTo :sentTo',
      ConditionExpression: 'resolvingClaim = :claim',
      ExpressionAttributeValues: { ':sentTo': { SS: [...sentTo] }, ':claim': { S: claimId } },
    });
  }

  async clear(keys: readonly string[]): Promise<void> {
    await this.batchWrite(keys.map((key) => ({ DeleteRequest: { Key: { pk: { S: key } } } })));
  }

  async recordMuted(writes: readonly MutedWrite[], now: Date): Promise<void> {
    await mapLimit(writes, WRITE_CONCURRENCY, ({ record, repeatIntervalMs }) =>
      this.putEach([record], conditional(claimConditions(now.getTime(), repeatIntervalMs).recordMuted)),
    );
  }

  async restoreMuted(records: readonly MutedRecord[]): Promise<void> {
    await this.putEach(records, { ConditionExpression: 'attribute_not_exists(pk)' });
  }

  /** One conditional put per held alert; a failed condition means someone else's state is there: leave it. */
  private async putEach(
    records: readonly MutedRecord[],
    condition: Pick<
      PutItemCommand['input'],
      'ConditionExpression' | 'ExpressionAttributeNames' | 'ExpressionAttributeValues'
    >,
  ): Promise<void> {
    await mapLimit(records, WRITE_CONCURRENCY, async (record) => {
      try {
        await this.client.send(
          new PutItemCommand({
            TableName: this.tableName,
            Item: mutedItem(record, mutedStateExpiresAt(record.mutedAt)),
            ...condition,
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  async forgetMuted(records: readonly Pick<MutedRecord, 'key' | 'mutedAt'>[]): Promise<void> {
    await mapLimit(records, WRITE_CONCURRENCY, async (record) => {
      try {
        await this.client.send(
          new DeleteItemCommand({
            TableName: this.tableName,
            Key: { pk: { S: record.key } },
            ConditionExpression: '#status = :muted AND mutedAt = :mutedAt',
            ExpressionAttributeNames: { '#status': 'status' },
            ExpressionAttributeValues: { ':muted': { S: 'muted' }, ':mutedAt': { N: String(record.mutedAt) } },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  /** The sparse index (only muted states carry `mutedIndex`), oldest `mutedAt` first: never a scan. */
  async listMuted(limit: number, cursor?: string): Promise<{ records: MutedRecord[]; cursor?: string }> {
    const out = await this.client.send(
      new QueryCommand({
        TableName: this.tableName,
        IndexName: MUTED_INDEX,
        KeyConditionExpression: 'mutedIndex = :partition',
        ExpressionAttributeValues: { ':partition': { S: MUTED_INDEX_PARTITION } },
        ScanIndexForward: true,
        Limit: limit,
        ...(cursor ? { ExclusiveStartKey: JSON.parse(cursor) as Record<string, { S: string } | { N: string }> } : {}),
      }),
    );
    const records = (out.Items ?? []).map(decodeMuted).filter((r): r is MutedRecord => r !== undefined);
    return { records, ...(out.LastEvaluatedKey ? { cursor: JSON.stringify(out.LastEvaluatedKey) } : {}) };
  }

  private async batchWrite(writes: readonly WriteRequest[]): Promise<void> {
    await mapLimit(chunk(writes, 25), 4, async (batch) => {
      let pending: WriteRequest[] = batch;
      for (let attempt = 0; pending.length > 0; attempt++) {
        const out = await this.client.send(new BatchWriteItemCommand({ RequestItems: { [this.tableName]: pending } }));
        pending = out.UnprocessedItems?.[this.tableName] ?? [];
        if (pending.length > 0) await backoff(attempt);
      }
    });
  }
}

function conditional(condition: ClaimCondition) {
  return {
    ConditionExpression: condition.expression,
    ExpressionAttributeNames: { ...condition.names },
    ExpressionAttributeValues: { ...condition.values },
  };
}
