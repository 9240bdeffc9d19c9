/**
 * The item shapes alertmail keeps in DynamoDB, in DynamoDB's AttributeValue form: shared by the
 * SDK adapters (dynamo-config-store.ts, dynamo-state-store.ts, loaded with the first write) and
 * the ingest's read path (dynamo-ingest-snapshot.ts), so this module loads nothing of the SDK.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoredConfig } from '../../domain/config';
import type { NotificationState, NotificationStatus, Versioned } from '../../ports';

export type Item = Record<string, AttributeValue>;

export const CONFIG_KEY: Item = { pk: { S: 'config#email' } };

/** The config item as stored: the whole document as JSON plus its version. */
export function decodeConfigItem(item: Item | undefined): Versioned<StoredConfig> | null {
  if (!item?.doc?.S || !item.version?.N) return null;
  return { value: JSON.parse(item.doc.S) as StoredConfig, version: Number(item.version.N) };
}

export const stateKey = (key: string): Item => ({ pk: { S: key } });

export function addState(states: Map<string, NotificationState>, item: Item): void {
  const state = toState(item);
  if (state) states.set(state.key, state);
}

function toState(item: Item): NotificationState | undefined {
  const key = item.pk?.S;
  const status = item.status?.S;
  const expiresAt = item.expiresAt?.N;
  if (!key || !isStatus(status) || expiresAt === undefined) return undefined;
  return {
    key,
    status,
    expiresAt: Number(expiresAt),
    sentAt: item.sentAt?.N === undefined ? undefined : Number(item.sentAt.N),
    claimId: item.claimId?.S,
    resolvingUntil: item.resolvingUntil?.N === undefined ? undefined : Number(item.resolvingUntil.N),
    firingSentTo: item.firingSentTo?.SS,
    firingProgressAt: item.firingProgressAt?.N === undefined ? undefined : Number(item.firingProgressAt.N),
    resolvedSentTo: item.resolvedSentTo?.SS,
  };
}

function isStatus(status: string | undefined): status is NotificationStatus {
  return status === 'pending' || status === 'sent' || status === 'partial';
}
