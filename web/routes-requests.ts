/** What the routes console asks of the API (DESIGN.md "Routes"), through the one client (api.ts). */
import { ApiError, type Client } from './api';
import type { DryRunAnswer } from './dry-run-words';
import type { ApiErrorDetail } from './model';
import { errorText } from './requests';
import type { ApiRoute } from './routes-model';

const path = (name: string) => `/v1/routes/${encodeURIComponent(name)}`;

export async function listRoutes(api: Client): Promise<ApiRoute[]> {
  const { routes } = await api.request<{ routes: ApiRoute[] }>('GET', '/v1/routes');
  return routes ?? [];
}

export function createRoute(api: Client, route: ApiRoute): Promise<ApiRoute> {
  return api.request<ApiRoute>('POST', '/v1/routes', route);
}

export function updateRoute(api: Client, name: string, route: ApiRoute): Promise<ApiRoute> {
  return api.request<ApiRoute>('PUT', path(name), route);
}

export function deleteRoute(api: Client, name: string): Promise<void> {
  return api.request<void>('DELETE', path(name));
}

export function reorderRoutes(api: Client, names: readonly string[]): Promise<unknown> {
  return api.request('PUT', '/v1/routes/order', { names });
}

export function dryRun(api: Client, body: unknown): Promise<DryRunAnswer> {
  return api.request<DryRunAnswer>('POST', '/v1/alerts/dry-run', body);
}

/**
 * Someone else changed the routes meanwhile, so the list is stale and is read again: a concurrent
 * write (412, CONCURRENT_MODIFICATION), a route deleted since (404), an order that no longer
 * lists every route (400 on `names`).
 */
export function isStale(e: unknown): boolean {
  if (!(e instanceof ApiError)) return false;
  if (e.status === 412 || e.status === 404 || e.code === 'CONCURRENT_MODIFICATION') return true;
  return e.status === 400 && e.details.some((d) => d.field.startsWith('names'));
}

/** Why a stale write failed, in words. */
export function staleText(e: unknown): string {
  return e instanceof ApiError && e.status === 404
    ? 'the route no longer exists: someone deleted it'
    : 'someone else changed the routes at the same time';
}

/**
 * An API error as editor field details: stale (see isStale) on the editor as a whole, else the
 * API's own details (field names as the body's: `name` for a taken name, `conditions[1].values`),
 * else the message on the editor as a whole.
 */
export function routeErrorDetails(e: unknown): ApiErrorDetail[] {
  if (isStale(e)) {
    const why = staleText(e);
    return [{ field: 'general', message: `${why.charAt(0).toUpperCase()}${why.slice(1)}. The list is read again.` }];
  }
  if (e instanceof ApiError && e.details.length > 0) return [...e.details];
  return [{ field: 'general', message: errorText(e) }];
}
