/**
 * Which store failures mean "unavailable, retry later" (StoreUnavailableError, answered 503) rather
 * than a bug: one definition for the SDK's clients, and the SDK middleware that
 * applies it at the client's boundary, after the retries.
 */
import { StoreUnavailableError } from '../../errors';
import { STORE_MAX_ATTEMPTS, storeBackoffMs } from './store-timeouts';

/** DynamoDB's (and Secrets Manager's) error types that a later retry can change: throttling, contention, server faults. */
export const TRANSIENT_ERROR_TYPES: ReadonlySet<string> = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'LimitExceededException',
  'InternalServerError',
  'InternalServiceError',
  'ServiceUnavailable',
  'TransactionConflictException',
  'TimeoutError',
  'RequestTimeout',
  'RequestTimeoutException',
]);
/**
 * Node's network failures that mean the store is unreachable or went away ("socket hang up" is an
 * ECONNRESET). ENOTFOUND is left out: an endpoint name that does not resolve is a configuration bug.
 */
export const TRANSIENT_NETWORK_CODES: ReadonlySet<string> = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

interface ErrorShape {
  readonly name?: unknown;
  readonly code?: unknown;
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

/** True when `error` says the store is unreachable, too slow, overloaded or failing, not that the call was wrong. */
export function isStoreUnavailable(error: unknown): boolean {
  if (!error || typeof error !== 'object') return false;
  const shape = error as ErrorShape;
  const status = shape.$metadata?.httpStatusCode ?? 0;
  return (
    (typeof shape.name === 'string' && TRANSIENT_ERROR_TYPES.has(shape.name)) ||
    (typeof shape.code === 'string' && TRANSIENT_NETWORK_CODES.has(shape.code)) ||
    shape.$retryable !== undefined ||
    status === 429 ||
    status >= 500
  );
}

/** `error` as a StoreUnavailableError when it is one of those failures, else unchanged. */
export function asStoreError(service: string, error: unknown): unknown {
  if (error instanceof StoreUnavailableError || !isStoreUnavailable(error)) return error;
  const shape = error as ErrorShape;
  const kind = typeof shape.code === 'string' && shape.code !== '' ? shape.code : String(shape.name ?? 'Error');
  // The kind only: the store's message can quote the request (a key, a signature).
  return new StoreUnavailableError(`${service} is unavailable (${kind}); retry later`, error);
}

type Handler<Args, Output> = (args: Args) => Promise<Output>;

/**
 * An SDK middleware for the `initialize` step (outside the retries): the call's final failure
 * becomes a StoreUnavailableError when it is one. Conditional-check failures, cancelled
 * transactions and the rest pass unchanged, so the adapters' `instanceof` checks still hold.
 */
export function storeErrorMiddleware(service: string) {
  return <Args, Output>(next: Handler<Args, Output>): Handler<Args, Output> =>
    async (args) => {
      try {
        return await next(args);
      } catch (error) {
        throw asStoreError(service, error);
      }
    };
}

/**
 * An SDK middleware for the `finalizeRequest` step, inside the retries: an error that is not an
 * `Error` of this realm (Node's own network errors, when the code runs in a vm context such as
 * jest's) is copied into one, keeping its name and code; the SDK would otherwise wrap it in a bare
 * Error and drop the code that says "connection refused".
 */
export function sameRealmErrorMiddleware() {
  return <Args, Output>(next: Handler<Args, Output>): Handler<Args, Output> =>
    async (args) => {
      try {
        return await next(args);
      } catch (error) {
        if (error instanceof Error || !error || typeof error !== 'object') throw error;
        const { name, code, message } = error as { name?: unknown; code?: unknown; message?: unknown };
        throw Object.assign(new Error(String(message ?? name ?? 'error')), {
          ...(typeof name === 'string' ? { name } : {}),
          ...(typeof code === 'string' ? { code } : {}),
        });
      }
    };
}

/** The retry error kinds the SDK's retry middleware hands its strategy. */
type RetryErrorType = 'TRANSIENT' | 'THROTTLING' | 'SERVER_ERROR' | 'CLIENT_ERROR';
interface StoreRetryToken {
  getRetryCount(): number;
  getRetryDelay(): number;
}

const token = (count: number, delay: number): StoreRetryToken => ({
  getRetryCount: () => count,
  getRetryDelay: () => delay,
});

/**
 * The SDK clients' retry strategy (the SDK's RetryStrategyV2 shape): STORE_MAX_ATTEMPTS attempts,
 * the backoff of store-timeouts.ts, for transient faults and throttling only. Unlike the SDK's
 * standard strategy it has no retry quota and no Retry-After stretch, so STORE_CALL_BOUND_MS holds.
 */
export const storeRetryStrategy = {
  acquireInitialRetryToken: async (_scope: string): Promise<StoreRetryToken> => token(0, 0),
  refreshRetryTokenForRetry: async (
    previous: StoreRetryToken,
    errorInfo: { errorType: RetryErrorType; error?: unknown },
  ): Promise<StoreRetryToken> => {
    const retry = previous.getRetryCount();
    const retryable = errorInfo.errorType === 'TRANSIENT' || errorInfo.errorType === 'THROTTLING';
    if (!retryable || retry + 1 >= STORE_MAX_ATTEMPTS) throw new Error('no retry');
    return token(retry + 1, storeBackoffMs(retry));
  },
  recordSuccess: (_token: StoreRetryToken): void => {},
};
