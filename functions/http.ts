/**
 * The HTTP edge shared by every function: middy middlewares for the security
 * headers, the error mapping (the one place errors become HTTP), bearer-token
 * authorization per route (from the route table, so no route is skipped) and
 * bounded JSON body parsing. Handlers behind it receive a parsed HttpRequest.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import { authorize } from '../lib/auth';
import {
  AlertmailError,
  DeliveryFailedError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../lib/errors';
import type { Logger } from '../lib/log';
import type { Role, TokenSource } from '../lib/ports';
import { type FunctionName, ROUTES, type RouteSpec, rolesAllowed, routeKey } from './routes';

export type HttpEvent = APIGatewayProxyEventV2;
export type HttpResponse = APIGatewayProxyStructuredResultV2;
export type HttpHandler = (event: HttpEvent, context?: Partial<Context>) => Promise<HttpResponse>;

export interface HttpRequest {
  readonly route: RouteSpec;
  readonly pathParameters: Readonly<Record<string, string>>;
  readonly query: Readonly<Record<string, string>>;
  readonly headers: Readonly<Record<string, string>>;
  /** Parsed JSON body; undefined when the request had none. */
  readonly body: unknown;
  readonly role: Role | null;
}

export interface HttpResult {
  readonly status: number;
  readonly body?: unknown;
  readonly headers?: Readonly<Record<string, string>>;
}

export type RouteHandler = (request: HttpRequest) => Promise<HttpResult>;

export const MAX_BODY_BYTES = 1024 * 1024;
export const MAX_JSON_DEPTH = 32;

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'strict-transport-security': 'max-age=63072000; includeSubDomains',
  'cache-control': 'no-store',
  'content-security-policy': "default-src 'none'; frame-ancestors 'none'",
};

const ROUTE_BY_KEY = new Map(ROUTES.map((route) => [routeKey(route), route]));

export interface HttpFunctionDeps {
  readonly tokens: TokenSource;
  readonly log: Logger;
}

/** Builds one Lambda handler serving the routes of `name` from ROUTES with the given route handlers. */
export function httpFunction(
  name: FunctionName,
  handlers: Readonly<Record<string, RouteHandler>>,
  deps: HttpFunctionDeps,
): HttpHandler {
  for (const route of ROUTES.filter((r) => r.function === name)) {
    if (!handlers[routeKey(route)]) throw new Error(`${name}: no handler for ${routeKey(route)}`);
  }
  const core = async (event: HttpEvent): Promise<HttpResponse> => {
    const route = ROUTE_BY_KEY.get(event.routeKey);
    const handler = route && route.function === name ? handlers[event.routeKey] : undefined;
    if (!route || !handler) throw new NotFoundError(`No route ${event.routeKey}`);
    const headers = lowerCaseHeaders(event.headers);
    const role = route.role ? await authorize(headers.authorization, rolesAllowed(route.role), deps.tokens) : null;
    const body = parseBody(event, headers, route);
    const result = await handler({
      route,
      pathParameters: (event.pathParameters ?? {}) as Record<string, string>,
      query: (event.queryStringParameters ?? {}) as Record<string, string>,
      headers,
      body,
      role,
    });
    return toResponse(result.status, result.body, result.headers);
  };
  return middy<HttpEvent, HttpResponse>()
    .use(securityHeaders())
    .use(errorResponses(deps.log))
    .handler(core) as unknown as HttpHandler;
}

function securityHeaders(): middy.MiddlewareObj<HttpEvent, HttpResponse> {
  const add = (request: middy.Request<HttpEvent, HttpResponse>) => {
    if (request.response) request.response.headers = { ...SECURITY_HEADERS, ...request.response.headers };
  };
  return { after: add, onError: add };
}

function errorResponses(log: Logger): middy.MiddlewareObj<HttpEvent, HttpResponse> {
  return {
    onError: (request) => {
      const error = request.error;
      if (error instanceof AlertmailError) {
        if (error.status >= 500) log.error('request failed', { code: error.code, route: request.event.routeKey });
        request.response = toResponse(
          error.status,
          { error: { code: error.code, message: error.message, details: error.details } },
          error instanceof DeliveryFailedError ? { 'retry-after': '10' } : undefined,
        );
        return;
      }
      // Unknown failures: log the kind, answer without internals (they could carry anything).
      log.error('unexpected error', { route: request.event.routeKey, error: error?.name, message: error?.message });
      request.response = toResponse(500, {
        error: { code: 'INTERNAL', message: 'Internal error; the request may be retried', details: [] },
      });
    },
  };
}

export function toResponse(status: number, body?: unknown, headers?: Readonly<Record<string, string>>): HttpResponse {
  if (body === undefined) return { statusCode: status, headers: { ...headers } };
  return {
    statusCode: status,
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
    body: JSON.stringify(body),
  };
}

function lowerCaseHeaders(headers: HttpEvent['headers'] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(headers ?? {})) if (value !== undefined) out[key.toLowerCase()] = value;
  return out;
}

function parseBody(event: HttpEvent, headers: Record<string, string>, route: RouteSpec): unknown {
  if (event.body === undefined || event.body === null || event.body === '') return undefined;
  if (route.method === 'GET' || route.method === 'DELETE') return undefined;
  const raw = event.isBase64Encoded ? Buffer.from(event.body, 'base64').toString('utf8') : event.body;
  if (Buffer.byteLength(raw, 'utf8') > MAX_BODY_BYTES) {
    throw new PayloadTooLargeError(`The body exceeds ${MAX_BODY_BYTES} bytes`, [
      { field: '(body)', message: 'too large' },
    ]);
  }
  const type = (headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  // SNS posts CloudWatch alarms as text/plain JSON; everything else must say application/json.
  const acceptsText = route.function === 'ingest' && type === 'text/plain';
  if (type !== 'application/json' && !type.endsWith('+json') && !acceptsText) {
    throw new UnsupportedMediaTypeError('Send the body as JSON with "Content-Type: application/json"', [
      { field: 'content-type', message: `is ${type || 'missing'}` },
    ]);
  }
  const depth = maxJsonDepth(raw);
  if (depth > MAX_JSON_DEPTH) {
    throw new ValidationError(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, [
      { field: '(body)', message: 'too deeply nested' },
    ]);
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ValidationError(`The body is not valid JSON: ${(error as Error).message}`, [
      { field: '(body)', message: 'invalid JSON' },
    ]);
  }
}

/** Nesting depth of a JSON text, outside strings; linear and allocation-free, run before parsing. */
export function maxJsonDepth(text: string): number {
  let depth = 0;
  let max = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 92) i++;
      else if (c === 34) inString = false;
    } else if (c === 34) inString = true;
    else if (c === 123 || c === 91) {
      depth++;
      if (depth > max) max = depth;
    } else if (c === 125 || c === 93) depth--;
  }
  return max;
}
