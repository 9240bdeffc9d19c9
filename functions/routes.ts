/**
 * The public HTTP contract as one table: the local runtime dispatches with it,
 * the CDK stack creates API Gateway routes from it, and the auth middleware
 * reads each route's role from it, so no route can be left unprotected by omission.
 */
import type { Role } from '../lib/ports';

export type FunctionName = 'api' | 'ingest' | 'console';

export interface RouteSpec {
  readonly method: 'GET' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** API Gateway syntax: `{name}` path parameters, `{proxy+}` greedy. */
  readonly path: string;
  readonly function: FunctionName;
  /** `null`: public. */
  readonly role: Role | null;
}

export const ROUTES: readonly RouteSpec[] = [
  { method: 'GET', path: '/healthz', function: 'api', role: null },
  { method: 'GET', path: '/v1/openapi.json', function: 'api', role: null },
  { method: 'GET', path: '/v1/config', function: 'api', role: 'admin' },
  { method: 'PATCH', path: '/v1/config', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/config/server', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/config/recipients', function: 'api', role: 'admin' },
  { method: 'POST', path: '/v1/config/recipients', function: 'api', role: 'admin' },
  { method: 'DELETE', path: '/v1/config/recipients/{address}', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/config/conditions', function: 'api', role: 'admin' },
  { method: 'POST', path: '/v1/test-message', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/deliveries', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/silences', function: 'api', role: 'admin' },
  { method: 'POST', path: '/v1/silences', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/silences/{id}', function: 'api', role: 'admin' },
  { method: 'DELETE', path: '/v1/silences/{id}', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/mute-windows', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/mute-windows/{name}', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/mute-windows/{name}', function: 'api', role: 'admin' },
  { method: 'DELETE', path: '/v1/mute-windows/{name}', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/templates', function: 'api', role: 'admin' },
  { method: 'POST', path: '/v1/templates/preview', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/templates/{name}', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/templates/{name}', function: 'api', role: 'admin' },
  { method: 'DELETE', path: '/v1/templates/{name}', function: 'api', role: 'admin' },
  { method: 'GET', path: '/v1/routes', function: 'api', role: 'admin' },
  { method: 'POST', path: '/v1/routes', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/routes/order', function: 'api', role: 'admin' },
  { method: 'PUT', path: '/v1/routes/{name}', function: 'api', role: 'admin' },
  { method: 'DELETE', path: '/v1/routes/{name}', function: 'api', role: 'admin' },
  { method: 'POST', path: '/v1/alerts/dry-run', function: 'ingest', role: 'admin' },
  { method: 'POST', path: '/v1/alerts', function: 'ingest', role: 'ingest' },
  { method: 'POST', path: '/api/v2/alerts', function: 'ingest', role: 'ingest' },
  { method: 'GET', path: '/', function: 'console', role: null },
  { method: 'GET', path: '/console/{proxy+}', function: 'console', role: null },
];

export function routeKey(route: Pick<RouteSpec, 'method' | 'path'>): string {
  return `${route.method} ${route.path}`;
}

/** Roles allowed on a route: `admin` may do everything `ingest` may. */
export function rolesAllowed(required: Role): readonly Role[] {
  return required === 'admin' ? ['admin'] : ['admin', 'ingest'];
}
