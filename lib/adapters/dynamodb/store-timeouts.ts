/**
 * The bounds of every call to the store (DynamoDB, through the SDK's client)
 * and to Secrets Manager: one place, so a store call's worst case is a known figure that the
 * request deadlines above it (the send deadline, the graceful shutdown) can be set against.
 */

/**
 * Opening a connection. DynamoDB answers a TCP handshake in the same region within milliseconds;
 * past a second the endpoint is unreachable, not slow.
 */
export const STORE_CONNECTION_TIMEOUT_MS = 1_000;
/**
 * One attempt, from sending the request to the answer (connection included). DynamoDB's answers
 * take milliseconds (a 100-item transaction tens of them); 3 s leaves room for a loaded DynamoDB
 * Local, and a frozen store is noticed after it instead of never (the SDK has no default timeout).
 */
export const STORE_REQUEST_TIMEOUT_MS = 3_000;
/** Attempts per call, the first included: two retries ride out a dropped connection or a throttled burst. */
export const STORE_MAX_ATTEMPTS = 3;
/** Backoff before retry n (0-based): full jitter up to min(cap, base * 2^n), as the SDK's own strategy does. */
export const STORE_BACKOFF_BASE_MS = 100;
export const STORE_BACKOFF_CAP_MS = 1_000;

/** The longest wait before retry `retry` (0 for the first retry). */
export function storeBackoffCeilingMs(retry: number): number {
  return Math.min(STORE_BACKOFF_CAP_MS, STORE_BACKOFF_BASE_MS * 2 ** retry);
}

/** A random backoff before retry `retry`, at most its ceiling. */
export function storeBackoffMs(retry: number): number {
  return Math.floor(Math.random() * storeBackoffCeilingMs(retry));
}

/**
 * The longest one store call takes before it gives up (answering StoreUnavailableError): every
 * attempt timing out, plus the longest backoffs between them. 9.3 s with the figures above.
 */
export const STORE_CALL_BOUND_MS =
  STORE_MAX_ATTEMPTS * STORE_REQUEST_TIMEOUT_MS +
  Array.from({ length: STORE_MAX_ATTEMPTS - 1 }, (_, retry) => storeBackoffCeilingMs(retry)).reduce((a, b) => a + b, 0);

/** How long /healthz reuses its last look at the store: a probe per few seconds, whatever the polling rate. */
export const STORE_HEALTH_CACHE_MS = 5_000;
