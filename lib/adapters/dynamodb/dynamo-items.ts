/**
 * The item shapes alertmail keeps in DynamoDB, in DynamoDB's AttributeValue form: shared by the
 * SDK adapters (dynamo-config-store.ts, dynamo-state-store.ts, loaded with the first write) and
 * the ingest's read path (dynamo-ingest-snapshot.ts), so this module loads nothing of the SDK.
 */
import type { AttributeValue } from '@aws-sdk/client-dynamodb';
import type { StoredConfig } from '../../domain/config';
import type { MailTemplate } from '../../domain/mail/templates/model';
import type { MutedRecord } from '../../domain/muted';
import type { NotificationState, NotificationStatus, Versioned } from '../../ports';

export type Item = Record<string, AttributeValue>;

export const CONFIG_KEY: Item = { pk: { S: 'config#email' } };
/** Every silence, in one document item (the ingest reads it in its one batch). */
export const SILENCES_KEY: Item = { pk: { S: 'silences' } };
/** Every mute window, likewise. */
export const MUTE_WINDOWS_KEY: Item = { pk: { S: 'mute-windows' } };
/**
 * The names of the stored templates, as a string set (listing them needs no Scan, which the stack
 * does not grant), and their `generation`: one more with every template written or deleted.
 */
export const TEMPLATES_INDEX_KEY: Item = { pk: { S: 'templates#index' } };

/** The templates' generation in the index item (0 before any template was ever written). */
export function decodeTemplatesGeneration(item: Item | undefined): number {
  return Number(item?.generation?.N ?? 0);
}

/** A stored template: an item of the config table, its three parts as JSON in `doc`. */
export const templateKey = (name: string): Item => ({ pk: { S: `template#${name}` } });

/** A template item as stored (parsed again only when its text changed), or null when there is none. */
export function decodeTemplateItem(item: Item | undefined): MailTemplate | null {
  if (!item?.doc?.S) return null;
  const doc = parsedDocument(item.pk?.S ?? '', item.doc.S) as Partial<MailTemplate>;
  return { subject: doc.subject ?? '', text: doc.text ?? '', html: doc.html ?? '' };
}

/** The sweeper's bookmark: where its pass over the held alerts is, and what it last saw. */
export const SWEEPER_KEY: Item = { pk: { S: 'sweeper' } };

/** A document item as stored: the whole document as JSON plus its version. */
export function decodeDocumentItem<T>(item: Item | undefined): Versioned<T> | null {
  if (!item?.doc?.S || !item.version?.N) return null;
  return { value: parsedDocument(item.pk?.S ?? '', item.doc.S) as T, version: Number(item.version.N) };
}

/**
 * The last document parsed per item key, by its exact text. Every request reads the config and the
 * silences and mute windows documents, and they rarely change: comparing the text is far cheaper than
 * parsing it again (JSON.parse of the silences document was 7 % of the steady state's CPU with 100
 * silences), and a changed document is parsed at once, so nothing is ever stale. The values are
 * shared: the core treats documents as readonly (every type of them is).
 */
const lastParsed = new Map<string, { readonly text: string; readonly value: unknown }>();

function parsedDocument(key: string, text: string): unknown {
  const last = lastParsed.get(key);
  if (last?.text === text) return last.value;
  const value: unknown = JSON.parse(text);
  lastParsed.set(key, { text, value });
  return value;
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
