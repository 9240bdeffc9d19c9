/**
 * The time budget of a request, from the outside in: API Gateway's HTTP API gives an integration
 * 30 s, the functions behind it stop at HTTP_FUNCTION_TIMEOUT_SECONDS, every request finishes its
 * work by REQUEST_DEADLINE_MS, its mail by SEND_DEADLINE_MS, and a claim outlives any request that
 * could still hold it. Each bound is derived from the one outside it, so they cannot drift apart.
 */

/** Below API Gateway's 30 s integration timeout with margin, so alertmail, not the gateway, answers. */
export const HTTP_FUNCTION_TIMEOUT_SECONDS = 25;

/** Everything a request does ends by then (from its start), leaving the handler time to answer. */
export const REQUEST_DEADLINE_MS = (HTTP_FUNCTION_TIMEOUT_SECONDS - 3) * 1000;

/**
 * Time kept after the sends for recording them (the `sent` marks and the deliveries log, retried
 * with backoff): a mail that went out must not be followed by a request cut off before its record.
 */
export const RECORD_RESERVE_MS = 6_000;

/** Every mail of one request (each chunk, each kind: connection, each command, the whole session) ends by then. */
export const SEND_DEADLINE_MS = REQUEST_DEADLINE_MS - RECORD_RESERVE_MS;

/**
 * How long an in-flight claim blocks other requests: the longest a request holding it can run, plus
 * a margin for clock skew between invocations. A crashed invocation delays its alerts this long.
 */
export const CLAIM_WINDOW_SECONDS = Math.ceil(REQUEST_DEADLINE_MS / 1000) + 30;

/** The seed's promise: a test message answers within 15 s, success or the mail server's own words. */
export const TEST_MESSAGE_DEADLINE_MS = 14_000;

/** The two moments a request works against, in epoch ms (real time, not an injected clock). */
export interface RequestDeadlines {
  /** Every mail of the request ends by then. */
  readonly send: number;
  /** Everything else (recording what was sent) ends by then. */
  readonly request: number;
}

export function requestDeadlines(startMs: number = Date.now()): RequestDeadlines {
  return { send: startMs + SEND_DEADLINE_MS, request: startMs + REQUEST_DEADLINE_MS };
}
