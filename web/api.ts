/** The console's only way out: the public HTTP API, with the admin token as a bearer token. */
import type { ApiErrorDetail } from './model';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: readonly ApiErrorDetail[] = [],
  ) {
    super(message);
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function toError(status: number, body: unknown): ApiError {
  const error = isRecord(body) && isRecord(body.error) ? body.error : {};
  const code = typeof error.code === 'string' ? error.code : `HTTP_${status}`;
  const message = typeof error.message === 'string' ? error.message : `The server answered ${status}.`;
  const details: ApiErrorDetail[] = [];
  if (Array.isArray(error.details)) {
    for (const d of error.details) {
      if (isRecord(d) && typeof d.field === 'string' && typeof d.message === 'string') {
        details.push({ field: d.field, message: d.message });
      }
    }
  }
  return new ApiError(status, code, message, details);
}

export interface Client {
  request<T>(method: string, path: string, body?: unknown): Promise<T>;
}

/**
 * `token()` is read per call; `onUnauthorized` runs on any 401 (the page goes
 * back to sign-in) before the error is thrown to the caller.
 */
export function makeClient(token: () => string | null, onUnauthorized: (error: ApiError) => void): Client {
  return {
    async request<T>(method: string, path: string, body?: unknown): Promise<T> {
      const headers: Record<string, string> = { Accept: 'application/json' };
      const bearer = token();
      if (bearer) headers.Authorization = `Bearer ${bearer}`;
      if (body !== undefined) headers['Content-Type'] = 'application/json';
      let response: Response;
      try {
        response = await fetch(path, {
          method,
          headers,
          body: body === undefined ? undefined : JSON.stringify(body),
          cache: 'no-store',
          credentials: 'omit',
          signal: AbortSignal.timeout(30_000),
        });
      } catch (e) {
        const timedOut = e instanceof DOMException && e.name === 'TimeoutError';
        throw new ApiError(
          0,
          'NETWORK',
          timedOut ? 'No answer within 30 seconds.' : 'The request did not reach the server.',
        );
      }
      const text = await response.text();
      let parsed: unknown = null;
      if (text !== '') {
        try {
          parsed = JSON.parse(text);
        } catch {
          parsed = null;
        }
      }
      if (!response.ok) {
        const error = toError(response.status, parsed);
        if (response.status === 401) onUnauthorized(error);
        throw error;
      }
      return parsed as T;
    },
  };
}
