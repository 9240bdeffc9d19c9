/**
 * The one error hierarchy of alertmail. The core throws these, each with a code and knowing
 * nothing of HTTP; the edge maps codes to statuses in one table (functions/errors.ts).
 */
export type ErrorCode =
  | 'VALIDATION_FAILED'
  | 'NOT_CONFIGURED'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'CONCURRENT_MODIFICATION'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNSUPPORTED_MEDIA_TYPE'
  | MailErrorCode
  | 'STORE_UNAVAILABLE'
  | 'DELIVERY_FAILED';

export interface ErrorDetail {
  /** Dotted path of the offending field, e.g. `server.port` or `alerts[3].labels`. */
  readonly field: string;
  readonly message: string;
  /** Where in the field's text (a template part), 1-based, when known. */
  readonly line?: number;
  readonly column?: number;
}

export abstract class AlertmailError extends Error {
  abstract readonly code: ErrorCode;
  readonly details: readonly ErrorDetail[];

  constructor(message: string, details: readonly ErrorDetail[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class ValidationError extends AlertmailError {
  readonly code = 'VALIDATION_FAILED';
}

export class NotConfiguredError extends AlertmailError {
  readonly code = 'NOT_CONFIGURED';
}

export class UnauthorizedError extends AlertmailError {
  readonly code = 'UNAUTHORIZED';
}

export class ForbiddenError extends AlertmailError {
  readonly code = 'FORBIDDEN';
}

export class NotFoundError extends AlertmailError {
  readonly code = 'NOT_FOUND';
}

export class ConflictError extends AlertmailError {
  readonly code = 'CONFLICT';
}

export class PayloadTooLargeError extends AlertmailError {
  readonly code = 'PAYLOAD_TOO_LARGE';
}

export class UnsupportedMediaTypeError extends AlertmailError {
  readonly code = 'UNSUPPORTED_MEDIA_TYPE';
}

/** Concurrent writers raced and retries ran out; the client may simply retry. */
export class ConcurrentModificationError extends AlertmailError {
  readonly code = 'CONCURRENT_MODIFICATION';
}

export type MailErrorCode =
  | 'SMTP_AUTH_FAILED'
  | 'SMTP_TLS_FAILED'
  | 'SMTP_CONNECTION_FAILED'
  | 'SMTP_TIMEOUT'
  | 'SMTP_REJECTED'
  | 'SES_REJECTED'
  /** The identity provider gave no access token (its `error` / `error_description` in the message). */
  | 'OAUTH_TOKEN_FAILED'
  /** Microsoft Graph refused or failed the sendMail request (its own error message). */
  | 'GRAPH_REJECTED';

/**
 * The mail server refused or failed; `message` carries the server's own reply (never a secret).
 * `permanent`: a retry cannot change it (a 5xx reply for the message or for every recipient);
 * otherwise (connection, timeout, 4xx, throttling) a retry may succeed.
 */
export class MailDeliveryError extends AlertmailError {
  constructor(
    readonly code: MailErrorCode,
    message: string,
    readonly permanent = false,
    /** How long the server asked to wait (Graph's `Retry-After` on 429 or 503); the sender's retry is told the same. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/**
 * The store (DynamoDB, Secrets Manager) did not answer in time, refused the connection, or kept
 * answering 5xx or throttling after the bounded retries: nothing about the request is wrong, so the
 * client may retry later. Configuration bugs (a missing table, a refused request) are not this.
 */
export class StoreUnavailableError extends AlertmailError {
  readonly code = 'STORE_UNAVAILABLE';
  constructor(
    message: string,
    override readonly cause: unknown,
  ) {
    super(message);
  }
}

/** Alert delivery failed: nothing was marked as sent, so the sender's retry will deliver. */
export class DeliveryFailedError extends AlertmailError {
  readonly code = 'DELIVERY_FAILED';
  constructor(
    message: string,
    override readonly cause: MailDeliveryError | Error,
  ) {
    super(message);
  }
}

/** The message of anything thrown, for a log line (never a stack, which can quote data). */
export function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
