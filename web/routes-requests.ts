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

/** Someone else changed the routes meanwhile: the list is stale and is read again. */
export function isConcurrent(e: unknown): boolean {
  return (
    e instanceof ApiError &&
    (e.status === 412 || e.code === 'CONCURRENT_MODIFICATION' || (e.status === 409 && e.code !== 'CONFLICT'))
  );
}

/**
 * An API error as editor field details: the API's own details (field names as the body's), a
 * taken name (409) on `name`, anything else on the editor as a whole.
 */
export function routeErrorDetails(e: unknown, creating: boolean): ApiErrorDetail[] {
  if (e instanceof ApiError && e.details.length > 0) return [...e.details];
  if (creating && e instanceof ApiError && e.status === 409 && !isConcurrent(e))
    return [{ field: 'name', message: 'A route with this name exists already; choose another.' }];
  if (e instanceof ApiError && e.status === 404)
    return [{ field: 'general', message: 'This route no longer exists: someone deleted it. The list is read again.' }];
  if (isConcurrent(e))
    return [
      {
        field: 'general',
        message: 'Someone else changed the routes at the same time: the list is read again; try again.',
      },
    ];
  return [{ field: 'general', message: errorText(e) }];
}
