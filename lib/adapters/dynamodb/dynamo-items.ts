/**
 * The item shapes alertmail keeps in DynamoDB, in DynamoDB's AttributeValue form: shared by the
 * SDK adapters (dynamo-config-store.ts, dynamo-state-store.ts, loaded with the first write) and
 * the ingest's read path (dynamo-ingest-snapshot.ts), so this module loads nothing of the SDK.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoredConfig } from '../../domain/config';
import type { MutedRecord } from '../../domain/muted';
import type { NotificationState, NotificationStatus, Versioned } from '../../ports';

export type Item = Record<string, AttributeValue>;

export const CONFIG_KEY: Item = { pk: { S: 'config#email' } };
/** Every silence, in one document item (the ingest reads it in its one batch). */
export const SILENCES_KEY: Item = { pk: { S: 'silences' } };
/** Every mute window, likewise. */
export const MUTE_WINDOWS_KEY: Item = { pk: { S: 'mute-windows' } };
/** The sweeper's bookmark: where its pass over the held alerts is, and what it last saw. */
export const SWEEPER_KEY: Item = { pk: { S: 'sweeper' } };

/** A document item as stored: the whole document as JSON plus its version. */
export function decodeDocumentItem<T>(item: Item | undefined): Versioned<T> | null {
  if (!item?.doc?.S || !item.version?.N) return null;
  return { value: JSON.parse(item.doc.S) as T, version: Number(item.version.N) };
}

/** The config item as stored: the whole document as JSON plus its version. */
export function decodeConfigItem(item: Item | undefined): Versioned<StoredConfig> | null {
  return decodeDocumentItem<StoredConfig>(item);
}

/** The sparse index of held alerts on the state table: only `muted` states carry its key. */
export const MUTED_INDEX = 'muted-index';
export const MUTED_INDEX_PARTITION = 'muted';

/** A held alert's state item: `status` muted, the record as JSON, and the index's keys (oldest first by `mutedAt`). */
export function mutedItem(record: MutedRecord, expiresAt: number): Item {
  return {
    pk: { S: record.key },
    status: { S: 'muted' },
    mutedAt: { N: String(record.mutedAt) },
    mutedIndex: { S: MUTED_INDEX_PARTITION },
    muted: { S: JSON.stringify(record) },
    expiresAt: { N: String(expiresAt) },
  };
}

export function decodeMuted(item: Item): MutedRecord | undefined {
  return item.muted?.S ? (JSON.parse(item.muted.S) as MutedRecord) : undefined;
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
    muted: status === 'muted' ? decodeMuted(item) : undefined,
  };
}

function isStatus(status: string | undefined): status is NotificationStatus {
  return status === 'pending' || status === 'sent' || status === 'partial' || status === 'muted';
}
