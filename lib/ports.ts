/**
 * The ports the core talks through. Each has one adapter per backend
 * (DynamoDB, Secrets Manager or a 0600 file, SMTP or SES), in the manner of
 * Alertmanager's small Notifier / NotificationLog interfaces.
 */
import type { MailServer, StoredConfig } from './config/model';

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

export interface SendResult {
  readonly messageId: string;
  readonly accepted: readonly string[];
  readonly rejected: readonly string[];
}

export interface Mailer {
  /** Sends one message; throws MailDeliveryError with the server's own words on failure. */
  send(mail: OutgoingMail, server: MailServer): Promise<SendResult>;
}

/** Notification state of one alert (keyed by fingerprint) in the TTL table. */
export interface NotificationState {
  readonly fingerprint: string;
  /** `pending`: claimed, mail in flight. `sent`: firing notice sent at `sentAt`. */
  readonly status: 'pending' | 'sent';
  readonly sentAt?: number;
  /** Epoch seconds; the table's TTL attribute and the end of the claim or repeat interval. */
  readonly expiresAt: number;
  readonly claimId?: string;
  /** Set while a resolved notice is in flight (epoch seconds); a crashed sender's claim lapses then. */
  readonly resolvingUntil?: number;
}

export type ClaimKind = 'firing' | 'resolved';

export interface Claim {
  readonly fingerprint: string;
  readonly kind: ClaimKind;
}

export interface NotificationStateStore {
  /** One batched, strongly consistent read of the states of these alerts (absent: never notified or cleared). */
  getMany(fingerprints: readonly string[]): Promise<Map<string, NotificationState>>;
  /**
   * Claims each alert with a conditional write whose condition includes the expiry,
   * so nothing depends on TTL having deleted an item. Returns the claims won.
   */
  claim(claims: readonly Claim[], claimId: string, now: Date, repeatIntervalMs: number): Promise<Claim[]>;
  /** After a successful send: firing claims become `sent` until the interval ends; resolved ones are cleared. */
  complete(claims: readonly Claim[], claimId: string, now: Date, repeatIntervalMs: number): Promise<void>;
  /** After a failed send: gives the claims back so the sender's retry sends. */
  release(claims: readonly Claim[], claimId: string): Promise<void>;
  /** Clears the state of alerts that resolved without a notice being due (sendResolved off). */
  clear(fingerprints: readonly string[]): Promise<void>;
}

/**
 * The ingest's first read of a request: the stored configuration and the notification states
 * of a batch of alerts, together, so steady state costs one round trip to the store.
 */
export interface IngestSnapshotReader {
  read(fingerprints: readonly string[]): Promise<IngestSnapshot>;
}

export interface IngestSnapshot {
  readonly config: Versioned<StoredConfig> | null;
  readonly states: Map<string, NotificationState>;
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
}

export interface DeliveryLog {
  record(delivery: Delivery): Promise<void>;
  /** Newest first. */
  list(limit: number): Promise<Delivery[]>;
}
