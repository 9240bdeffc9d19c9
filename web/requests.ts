/**
 * What the console asks of the API, beyond one call: OK applies the draft as
 * several requests (server, conditions, recipients, repeat settings) and
 * reports what was saved and what was not; errors come back in page terms.
 */
import { DEFAULT_REPEAT_INTERVAL } from '../lib/domain/durations';
import { ApiError, type Client } from './api';
import { canonicalField, plainWords, type RequestKind } from './field-errors';
import { type ApiConfig, type ApiErrorDetail, type Changes, conditionsBody, type Draft, serverBody } from './model';

/** Fills what an older server may leave out with the documented defaults. */
export function normalize(config: ApiConfig): ApiConfig {
  return {
    server: config.server ?? null,
    recipients: config.recipients ?? [],
    conditions: config.conditions ?? [],
    enabled: config.enabled !== false,
    repeatInterval: config.repeatInterval ?? DEFAULT_REPEAT_INTERVAL,
    sendResolved: config.sendResolved !== false,
    updatedAt: config.updatedAt ?? '',
  };
}

export function loadConfig(api: Client): Promise<ApiConfig> {
  return api.request<ApiConfig>('GET', '/v1/config').then(normalize);
}

export function errorText(e: unknown): string {
  if (e instanceof ApiError) return plainWords(e.code, e.message);
  return e instanceof Error ? e.message : String(e);
}

/** A 401: the client has already sent the page back to sign-in, so there is nothing left to show. */
export function isSignedOut(e: unknown): boolean {
  return e instanceof ApiError && e.status === 401;
}

/** An API error as field details in config terms; an error without details lands on the request's own area. */
export function detailsOf(kind: RequestKind, e: unknown, recipientIndex = -1): ApiErrorDetail[] {
  if (e instanceof ApiError && e.details.length > 0) {
    return e.details.map((d) => ({ field: canonicalField(kind, d.field, recipientIndex), message: d.message }));
  }
  return [{ field: canonicalField(kind, '(body)', recipientIndex), message: errorText(e) }];
}

export interface SaveResult {
  readonly errors: ApiErrorDetail[];
  /** The parts saved and not saved, in words: "server settings", "recipients"... */
  readonly saved: string[];
  readonly failed: string[];
  readonly serverSaved: boolean;
  /** The configuration as stored afterwards; null when it could not be read back. */
  readonly fresh: ApiConfig | null;
}

class SignedOut extends Error {}

/**
 * Applies `pending` (what differs between the stored config and `draft`), each
 * part on its own so one bad part does not stop the others; returns null when
 * the token stopped working midway.
 */
export async function saveChanges(api: Client, draft: Draft, pending: Changes): Promise<SaveResult | null> {
  const errors: ApiErrorDetail[] = [];
  const saved: string[] = [];
  const failed: string[] = [];
  let serverSaved = false;

  /** Runs one request; an error becomes details (unless `tolerate` says the goal is already met). */
  async function attempt(
    run: () => Promise<unknown>,
    onError: (e: unknown) => ApiErrorDetail[],
    tolerate = (_e: unknown) => false,
  ): Promise<boolean> {
    try {
      await run();
      return true;
    } catch (e) {
      if (isSignedOut(e)) throw new SignedOut();
      if (tolerate(e)) return true;
      errors.push(...onError(e));
      return false;
    }
  }
  const part = (ok: boolean, name: string) => (ok ? saved : failed).push(name);

  try {
    if (pending.server) {
      serverSaved = await attempt(
        () => api.request('PUT', '/v1/config/server', serverBody(draft)),
        (e) => detailsOf('server', e),
      );
      part(serverSaved, 'server settings');
    }
    if (pending.conditions) {
      const ok = await attempt(
        () => api.request('PUT', '/v1/config/conditions', conditionsBody(draft)),
        (e) => detailsOf('conditions', e),
      );
      part(ok, 'conditions');
    }
    let recipientsOk = true;
    for (const address of pending.recipients.remove) {
      recipientsOk =
        (await attempt(
          () => api.request('DELETE', `/v1/config/recipients/${encodeURIComponent(address)}`),
          (e) => [{ field: 'recipients', message: `${address}: ${errorText(e)}` }],
          (e) => e instanceof ApiError && e.status === 404, // already gone: the goal is met
        )) && recipientsOk;
    }
    for (const address of pending.recipients.add) {
      recipientsOk =
        (await attempt(
          () => api.request('POST', '/v1/config/recipients', { address }),
          (e) => detailsOf('recipient', e, draft.recipients.indexOf(address)),
          (e) => e instanceof ApiError && e.status === 409, // already present: the goal is met
        )) && recipientsOk;
    }
    if (pending.recipients.add.length + pending.recipients.remove.length > 0) part(recipientsOk, 'recipients');
    if (pending.patch) {
      const patch = pending.patch;
      part(
        await attempt(
          () => api.request('PATCH', '/v1/config', patch),
          (e) => detailsOf('patch', e),
        ),
        'repeat settings',
      );
    }
    let fresh: ApiConfig | null = null;
    await attempt(
      async () => {
        fresh = await loadConfig(api);
      },
      (e) => [{ field: 'general', message: `Could not reload the configuration: ${errorText(e)}` }],
    );
    return { errors, saved, failed, serverSaved, fresh };
  } catch (e) {
    if (e instanceof SignedOut) return null;
    throw e;
  }
}
