/**
 * The ports the core talks through. Each has one adapter per backend
 * (DynamoDB, Secrets Manager or a 0600 file, SMTP or SES), in the manner of
 * Alertmanager's small Notifier / NotificationLog interfaces.
 */
import type { MailServer, StoredConfig } from './domain/config';
import type { MailTemplate } from './domain/mail/templates/model';
import type { MuteWindow } from './domain/mute-windows';
import type { MutedRecord } from './domain/muted';
import type { Silence } from './domain/silences';

export interface Versioned<T> {
  readonly value: T;
  /** Optimistic-concurrency token: a save succeeds only if the stored version still equals it. */
  readonly version: number;
}

export interface ConfigStore {
  /** The stored config, read strongly consistent; null on a fresh install. */
  load(): Promise<Versioned<StoredConfig> | null>;
  /** Stores the whole config atomically iff the stored version is `expectedVersion` (null: none stored). Returns false on a lost race. */
  save(config: StoredConfig, expectedVersion: number | null): Promise<boolean>;
}

/** `api-tokens` holds `{"admin": [...], "ingest": [...]}`. */
export type SecretName = 'smtp-password' | 'api-tokens';

export interface SecretStore {
  get(name: SecretName): Promise<string | undefined>;
  put(name: SecretName, value: string): Promise<void>;
  /** Makes the stored value unreadable through this store (an admin removed the password). */
  erase(name: SecretName): Promise<void>;
}

export type Role = 'admin' | 'ingest';

export interface TokenSource {
  /** Every currently valid token per role (two during a rotation). */
  tokens(): Promise<Readonly<Record<Role, readonly string[]>>>;
}

/** A fully composed MIME message: SMTP and SES send exactly these bytes. */
export interface OutgoingMail {
  readonly from: string;
  readonly to: readonly string[];
  readonly messageId: string;
  readonly raw: Buffer;
}

/** A recipient the mail server refused, with its own reply; `permanent` for a 5xx, which no retry changes. */
export interface RecipientRejection {
  readonly address: string;
  readonly reply: string;
  readonly permanent: boolean;
}

export interface SendResult {
  readonly messageId: string;
  /** At least one: a message no recipient accepted is a MailDeliveryError. */
  readonly accepted: readonly string[];
  readonly rejected: readonly RecipientRejection[];
}

export interface Mailer {
  /**
   * Sends one message, giving up at `deadline` (epoch ms) whatever the server does; throws
   * MailDeliveryError with the server's own words (and whether a retry can help) on failure.
   */
  send(mail: OutgoingMail, server: MailServer, deadline: number): Promise<SendResult>;
  /**
   * Gets a connection to the server ready for a send expected soon (a kept SMTP connection probed
   * now, while the ingest's claim is written), so the send does not wait for it. Sends nothing of a
   * mail and never fails: whatever it finds wrong is left for the send. Absent: nothing to ready.
   */
  prepareConnection?(server: MailServer, deadline: number): void;
}

/** `muted`: a notice was due while a silence or mute window held the alert (`muted` says what the mail needs). */
export type NotificationStatus = 'pending' | 'sent' | 'partial' | 'muted';

/** Notification state of one alert on one route (keyed by `stateKeyOf(route, fingerprint)`) in the TTL table. */
export interface NotificationState {
  readonly key: string;
  /**
   * `pending`: claimed, mail in flight. `sent`: firing notice sent at `sentAt`. `partial`: a firing
   * notice reached some recipients (`firingSentTo`) and not the others: due at once, for the others.
   */
  readonly status: NotificationStatus;
  readonly sentAt?: number;
  /** Epoch seconds; the table's TTL attribute and the end of the claim or repeat interval. */
  readonly expiresAt: number;
  readonly claimId?: string;
  /** Set while a resolved notice is in flight (epoch seconds); a crashed sender's claim lapses then. */
  readonly resolvingUntil?: number;
  /**
   * Progress of a firing notice that went out to some recipients only (a failed chunk): who has it
   * (lower-cased addresses), and when the first of them got it (epoch ms). A retry sends to the others.
   */
  readonly firingSentTo?: readonly string[];
  readonly firingProgressAt?: number;
  /** Likewise for a resolved notice in progress. */
  readonly resolvedSentTo?: readonly string[];
  /** With status `muted`: the held alert, when and by what (written once per episode). */
  readonly muted?: MutedRecord;
}

export type ClaimKind = 'firing' | 'resolved';

export interface Claim {
  /** The state key of the (route, alert) pair claimed. */
  readonly key: string;
  /** The alert's fingerprint. */
  readonly fingerprint: string;
  readonly kind: ClaimKind;
  /** A firing claim that resumes a notice some recipients already have (its progress is kept), else a fresh one. */
  readonly resume?: boolean;
  /** The sweeper's claim of a held alert: won only while the state is still this muted episode (its `mutedAt`). */
  readonly unmutes?: number;
  /** The route's repeat interval: what "due" means for this claim, and how long a sent state is kept. */
  readonly repeatIntervalMs: number;
}

/** Who has a notice that did not reach everyone: recorded when its claims are given back. */
export interface DeliveryProgress {
  /** Per claim (state key): the lower-cased addresses that have its notice (or refused it for good). */
  readonly sentTo: ReadonlyMap<string, readonly string[]>;
  readonly now: Date;
}

export interface NotificationStateStore {
  /** One batched, strongly consistent read of the states under these keys (absent: never notified or cleared). */
  getMany(keys: readonly string[]): Promise<Map<string, NotificationState>>;
  /**
   * Claims each alert with a conditional write whose condition includes the expiry,
   * so nothing depends on TTL having deleted an item. Returns the claims won.
   */
  claim(claims: readonly Claim[], claimId: string, now: Date): Promise<Claim[]>;
  /** After a successful send: firing claims become `sent` until their interval ends; resolved ones are cleared. */
  complete(claims: readonly Claim[], claimId: string, now: Date): Promise<void>;
  /**
   * After a failed send: gives the claims back so the sender's retry sends, recording for each claim
   * in `progress.sentTo` the recipients who already have its notice, so the retry sends to the others only.
   */
  release(claims: readonly Claim[], claimId: string, progress?: DeliveryProgress): Promise<void>;
  /** Clears the states (by key) of alerts that resolved without a notice being due (sendResolved off). */
  clear(keys: readonly string[]): Promise<void>;
  /**
   * Remembers held alerts whose notice was due (one conditional write each, once per episode: a
   * state already muted, or not due, is left alone).
   */
  recordMuted(records: readonly MutedWrite[], now: Date): Promise<void>;
  /** Forgets held alerts that resolved (or ended) while held: nothing is owed for them. */
  forgetMuted(records: readonly Pick<MutedRecord, 'key' | 'mutedAt'>[]): Promise<void>;
  /** Puts a held alert back after the sweeper's send failed (only where nothing else took its place). */
  restoreMuted(records: readonly MutedRecord[]): Promise<void>;
  /** Held alerts, oldest first, a page at a time (an index of the muted states: no scan). */
  listMuted(limit: number, cursor?: string): Promise<{ records: MutedRecord[]; cursor?: string }>;
}

/** A held alert to remember, with its route's repeat interval (what "a notice was due" means). */
export interface MutedWrite {
  readonly record: MutedRecord;
  readonly repeatIntervalMs: number;
}

/** One JSON document item of the config table, written whole with a version check (as the config). */
export interface DocumentStore<T> {
  load(): Promise<Versioned<T> | null>;
  /** Returns false on a lost race (the stored version is not `expectedVersion`). */
  save(value: T, expectedVersion: number | null): Promise<boolean>;
}

export interface SilencesDocument {
  readonly silences: readonly Silence[];
}

export interface MuteWindowsDocument {
  readonly windows: readonly MuteWindow[];
}

/**
 * The ingest's first read of a request: the stored configuration and the notification states
 * of a batch of alerts, together, so steady state costs one round trip to the store.
 */
export interface IngestSnapshotReader {
  /** The config and the states under these keys. */
  read(keys: readonly string[]): Promise<IngestSnapshot>;
}

export interface IngestSnapshot {
  readonly config: Versioned<StoredConfig> | null;
  readonly states: Map<string, NotificationState>;
  readonly silences: Versioned<SilencesDocument> | null;
  readonly muteWindows: Versioned<MuteWindowsDocument> | null;
  /** One more with every template written or deleted: templates read at the same generation are current. */
  readonly templatesGeneration: number;
}

export type DeliveryKind = 'firing' | 'resolved' | 'test';

export interface Delivery {
  readonly id: string;
  readonly at: string;
  readonly kind: DeliveryKind;
  readonly alerts: readonly string[];
  readonly recipients: readonly string[];
  readonly outcome: 'sent' | 'failed';
  readonly error: string | null;
  readonly subject?: string;
  readonly messageId?: string;
  /** The recipients the mail server accepted (absent on records written before per-recipient outcomes). */
  readonly accepted?: readonly string[];
  /** The recipients it refused, each with its reply. */
  readonly rejected?: readonly RecipientRejection[];
  /** A failure no retry changes (a 5xx for the message or for every recipient): not retried before the repeat interval. */
  readonly permanent?: boolean;
  /** The mail's template failed to render, so this mail is the shipped `default`: which template, and why. */
  readonly templateError?: string;
  /** The route whose mail this was (`default` for the default route); absent on test messages and older records. */
  readonly route?: string;
}

export interface DeliveryFilter {
  /** Only the deliveries of this route. */
  readonly route?: string;
}

export interface DeliveryLog {
  record(delivery: Delivery): Promise<void>;
  /** Newest first. */
  list(limit: number, filter?: DeliveryFilter): Promise<Delivery[]>;
}

/** Mail templates (DESIGN.md "Templates"), each stored whole; absent `default` means the shipped one. */
export interface TemplateStore {
  get(name: string): Promise<MailTemplate | null>;
  put(name: string, template: MailTemplate): Promise<void>;
  /** False when there was none. */
  delete(name: string): Promise<boolean>;
  /** The names stored, sorted. */
  list(): Promise<string[]>;
}
