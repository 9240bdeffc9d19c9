import {
  BatchWriteItemCommand,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  type DynamoDBClient,
  PutItemCommand,
  UpdateItemCommand,
  type WriteRequest,
} from '@aws-sdk/client-dynamodb';
import { chunk, mapLimit } from '../concurrency';
import { sentStateExpiresAt } from '../interval';
import type { Claim, NotificationState, NotificationStateStore } from '../ports';
import { BATCH_GET_LIMIT, backoff, batchGetConsistent, type Item } from './dynamo-batch-get';

/** How long an in-flight claim blocks others: longer than the worst-case send, short enough that a crash delays little. */
export const CLAIM_WINDOW_SECONDS = 90;
/** Conditional writes in flight per request: enough to hide latency, few enough not to stampede the table. */
const WRITE_CONCURRENCY = 16;

/**
 * Notification state in a DynamoDB table keyed by alert fingerprint, TTL on
 * `expiresAt`. Every claim is a conditional write whose condition includes the
 * expiry, so an expired item that TTL has not yet deleted is claimable and
 * correctness never depends on TTL.
 */
export class DynamoNotificationStateStore implements NotificationStateStore {
  constructor(
    private readonly client: DynamoDBClient,
    private readonly tableName: string,
  ) {}

  async getMany(fingerprints: readonly string[]): Promise<Map<string, NotificationState>> {
    const states = new Map<string, NotificationState>();
    await Promise.all(
      chunk([...new Set(fingerprints)], BATCH_GET_LIMIT).map(async (keys) => {
        const found = await batchGetConsistent(this.client, { [this.tableName]: keys.map(stateKey) });
        for (const item of found.get(this.tableName) ?? []) addState(states, item);
      }),
    );
    return states;
  }

  async claim(claims: readonly Claim[], claimId: string, now: Date, repeatIntervalMs: number): Promise<Claim[]> {
    const nowMs = now.getTime();
    const nowSeconds = Math.floor(nowMs / 1000);
    const won = await mapLimit(claims, WRITE_CONCURRENCY, async (claim) => {
      try {
        if (claim.kind === 'firing') {
          await this.client.send(
            new PutItemCommand({
              TableName: this.tableName,
              Item: {
                pk: { S: claim.fingerprint },
                status: { S: 'pending' },
                claimId: { S: claimId },
                expiresAt: { N: String(nowSeconds + CLAIM_WINDOW_SECONDS) },
              },
              ConditionExpression:
                'attribute_not_exists(pk) OR expiresAt <= :now OR (#status = :sent AND sentAt <= :dueBefore)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':now': { N: String(nowSeconds) },
                ':sent': { S: 'sent' },
                ':dueBefore': { N: String(nowMs - repeatIntervalMs) },
              },
            }),
          );
        } else {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: claim.fingerprint } },
              UpdateExpression: 'SET resolvingClaim = :claim, resolvingUntil = :until',
              // Only a live `sent` state has a firing notice to follow up; an expired one counts as absent.
              ConditionExpression:
                '#status = :sent AND expiresAt > :now AND (attribute_not_exists(resolvingClaim) OR resolvingUntil <= :now)',
              ExpressionAttributeNames: { '#status': 'status' },
              ExpressionAttributeValues: {
                ':claim': { S: claimId },
                ':until': { N: String(nowSeconds + CLAIM_WINDOW_SECONDS) },
                ':now': { N: String(nowSeconds) },
                ':sent': { S: 'sent' },
              },
            }),
          );
        }
        return claim;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return undefined;
        throw error;
      }
    });
    return won.filter((claim): claim is Claim => claim !== undefined);
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
  async complete(claims: readonly Claim[], claimId: string, now: Date, repeatIntervalMs: number): Promise<void> {
    const nowMs = now.getTime();
    const expiresAt = String(sentStateExpiresAt(nowMs, repeatIntervalMs));
    const firing: WriteRequest[] = claims
      .filter((claim) => claim.kind === 'firing')
      .map((claim) => ({
        PutRequest: {
          Item: {
            pk: { S: claim.fingerprint },
            status: { S: 'sent' },
            sentAt: { N: String(nowMs) },
            expiresAt: { N: expiresAt },
          },
        },
      }));
    const resolved = claims.filter((claim) => claim.kind === 'resolved');
    await Promise.all([
      this.batchWrite(firing),
      mapLimit(resolved, WRITE_CONCURRENCY, async (claim) => {
        try {
          await this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: claim.fingerprint } },
              ConditionExpression: 'resolvingClaim = :claim',
              ExpressionAttributeValues: { ':claim': { S: claimId } },
            }),
          );
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
        }
      }),
    ]);
  }

  async release(claims: readonly Claim[], claimId: string): Promise<void> {
    await mapLimit(claims, WRITE_CONCURRENCY, async (claim) => {
      try {
        if (claim.kind === 'firing') {
          await this.client.send(
            new DeleteItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: claim.fingerprint } },
              ConditionExpression: 'claimId = :claim',
              ExpressionAttributeValues: { ':claim': { S: claimId } },
            }),
          );
        } else {
          await this.client.send(
            new UpdateItemCommand({
              TableName: this.tableName,
              Key: { pk: { S: claim.fingerprint } },
              UpdateExpression: 'REMOVE resolvingClaim, resolvingUntil',
              ConditionExpression: 'resolvingClaim = :claim',
              ExpressionAttributeValues: { ':claim': { S: claimId } },
            }),
          );
        }
      } catch (error) {
        // Someone else took over after our window lapsed: nothing of ours to give back.
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
    });
  }

  async clear(fingerprints: readonly string[]): Promise<void> {
    await this.batchWrite(fingerprints.map((fingerprint) => ({ DeleteRequest: { Key: { pk: { S: fingerprint } } } })));
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

export const stateKey = (fingerprint: string): Item => ({ pk: { S: fingerprint } });

export function addState(states: Map<string, NotificationState>, item: Item): void {
  const state = toState(item);
  if (state) states.set(state.fingerprint, state);
}

function toState(item: Item): NotificationState | undefined {
  const fingerprint = item.pk?.S;
  const status = item.status?.S;
  const expiresAt = item.expiresAt?.N;
  if (!fingerprint || (status !== 'pending' && status !== 'sent') || expiresAt === undefined) return undefined;
  return {
    fingerprint,
    status,
    expiresAt: Number(expiresAt),
    sentAt: item.sentAt?.N === undefined ? undefined : Number(item.sentAt.N),
    claimId: item.claimId?.S,
    resolvingUntil: item.resolvingUntil?.N === undefined ? undefined : Number(item.resolvingUntil.N),
  };
}
