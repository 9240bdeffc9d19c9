/**
 * The one error table: every error code the core throws, the HTTP status it answers with, and the
 * headers that go with it. The core's errors carry a code only (lib/errors.ts); `Record<ErrorCode, …>`
 * makes a new code without a status a type error.
 */
import { type AlertmailError, DeliveryFailedError, type ErrorCode, MailDeliveryError } from '../lib/errors';

/** What a sender should wait before retrying a delivery that failed, or a store that is down. */
export const DELIVERY_RETRY_AFTER_SECONDS = 10;
/** About the time a store blip or a restart takes (also an unhealthy /healthz's Retry-After). */
export const STORE_RETRY_AFTER_SECONDS = 5;
/** The longest wait a mail server's own Retry-After (Graph throttling) is passed on with. */
const MAX_RETRY_AFTER_SECONDS = 3600;

interface HttpMapping {
  readonly status: number;
  readonly headers?: Readonly<Record<string, string>>;
}

const MAIL_SERVER_FAILED: HttpMapping = { status: 502 };

export const ERROR_TABLE: Readonly<Record<ErrorCode, HttpMapping>> = {
  VALIDATION_FAILED: { status: 400 },
  NOT_CONFIGURED: { status: 400 },
  UNAUTHORIZED: { status: 401, headers: { 'www-authenticate': 'Bearer realm="alertmail"' } },
  FORBIDDEN: { status: 403 },
  NOT_FOUND: { status: 404 },
  CONFLICT: { status: 409 },
  CONCURRENT_MODIFICATION: { status: 409 },
  PAYLOAD_TOO_LARGE: { status: 413 },
  UNSUPPORTED_MEDIA_TYPE: { status: 415 },
  SMTP_AUTH_FAILED: MAIL_SERVER_FAILED,
  SMTP_TLS_FAILED: MAIL_SERVER_FAILED,
  SMTP_CONNECTION_FAILED: MAIL_SERVER_FAILED,
  SMTP_TIMEOUT: MAIL_SERVER_FAILED,
  SMTP_REJECTED: MAIL_SERVER_FAILED,
  SES_REJECTED: MAIL_SERVER_FAILED,
  OAUTH_TOKEN_FAILED: MAIL_SERVER_FAILED,
  GRAPH_REJECTED: MAIL_SERVER_FAILED,
  STORE_UNAVAILABLE: { status: 503, headers: { 'retry-after': String(STORE_RETRY_AFTER_SECONDS) } },
  DELIVERY_FAILED: { status: 503, headers: { 'retry-after': String(DELIVERY_RETRY_AFTER_SECONDS) } },
};

/** The status, headers and JSON body of the answer for one of the core's errors. */
export function errorAnswer(error: AlertmailError): {
  status: number;
  headers?: Readonly<Record<string, string>>;
  body: unknown;
} {
  const { status, headers } = ERROR_TABLE[error.code];
  // A throttled mail server's own wait (Graph's 429 Retry-After) is what the sender should wait too.
  const asked =
    error instanceof DeliveryFailedError && error.cause instanceof MailDeliveryError
      ? error.cause.retryAfterSeconds
      : undefined;
  const retryAfter: Readonly<Record<string, string>> =
    asked !== undefined && asked > DELIVERY_RETRY_AFTER_SECONDS
      ? { 'retry-after': String(Math.min(Math.ceil(asked), MAX_RETRY_AFTER_SECONDS)) }
      : {};
  return {
    status,
    headers: asked === undefined ? headers : { ...headers, ...retryAfter },
    body: {
      error: {
        code: error.code,
        message: error.message,
        details: error.details,
        ...(error instanceof MailDeliveryError ? { permanent: error.permanent } : {}),
      },
    },
  };
}
