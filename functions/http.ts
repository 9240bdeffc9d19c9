/**
 * The HTTP edge shared by every function: middy middlewares for the security
 * headers, the error mapping (the one place errors become HTTP), bearer-token
 * authorization per route (from the route table, so no route is skipped) and
 * bounded JSON body parsing. Handlers behind it receive a parsed HttpRequest.
 */
import middy from '@middy/core';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2, Context } from 'aws-lambda';
import {
  AlertmailError,
  NotFoundError,
  PayloadTooLargeError,
  UnsupportedMediaTypeError,
  ValidationError,
} from '../lib/errors';
import type { Logger } from '../lib/log';
import type { Role, TokenSource } from '../lib/ports';
import { authorize } from './auth';
import { errorAnswer } from './errors';
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
/** Longest string (value or key) any JSON body may hold: the largest field, a CA bundle, is 65536 characters. */
export const MAX_STRING_LENGTH = 65_536;
/** Longest object key: label names, field names. */
export const MAX_KEY_LENGTH = 1024;

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
    const pathParameters = checkedPathParameters(event.pathParameters);
    const body = parseBody(event, headers, route);
    const result = await handler({
      route,
      pathParameters,
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
        const answer = errorAnswer(error);
        if (answer.status >= 500) log.error('request failed', { code: error.code, route: request.event.routeKey });
        request.response = toResponse(answer.status, answer.body, answer.headers);
        return;
      }
      // Unknown failures: log the kind and where it was thrown, answer without internals. The message is
      // not logged: it can quote data (a JSON.parse error quotes its input, which may be a secret).
      log.error('unexpected error', {
        route: request.event.routeKey,
        error: error?.name,
        at: error?.stack?.split('\n')[1]?.trim(),
      });
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
  const [mediaType = '', ...parameters] = (headers['content-type'] ?? '').split(';');
  const type = mediaType.trim().toLowerCase();
  // SNS posts CloudWatch alarms as text/plain JSON; everything else must say application/json.
  const acceptsText = route.function === 'ingest' && type === 'text/plain';
  if (type !== 'application/json' && !/^application\/[a-z0-9.+-]+\+json$/.test(type) && !acceptsText) {
    throw new UnsupportedMediaTypeError('Send the body as JSON with "Content-Type: application/json"', [
      { field: 'content-type', message: `is ${shown(type) || 'missing'}` },
    ]);
  }
  const charset = parameters
    .map((p) => p.trim().toLowerCase())
    .find((p) => p.startsWith('charset='))
    ?.slice('charset='.length)
    .replace(/^"(.*)"$/, '$1');
  if (charset !== undefined && charset !== 'utf-8' && charset !== 'utf8') {
    throw new UnsupportedMediaTypeError('Send the body as UTF-8 JSON', [
      { field: 'content-type', message: `charset ${shown(charset)} is not utf-8` },
    ]);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch (error) {
    // V8's message quotes the input; the answer names only the position, so no body text is echoed back.
    const position = /at position (\d+)/.exec((error as Error).message)?.[1];
    throw new ValidationError(`The body is not valid JSON${position ? ` (at position ${position})` : ''}`, [
      { field: '(body)', message: 'invalid JSON' },
    ]);
  }
  // The allocation-free walk passes nearly every body; only a refused one is walked again for the path.
  if (!jsonValuesWithinBounds(parsed, 0)) checkJsonValues(parsed, undefined, 0);
  return parsed;
}

/** In a `u` regex a surrogate range matches only unpaired surrogates (pairs are one code point). */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** A short, printable rendering of a client-supplied value for an error message. */
function shown(value: string): string {
  const printable = value.replace(/[^\x20-\x7e]/g, '?');
  return printable.length > 64 ? `${printable.slice(0, 64)}…` : printable;
}

/** The path to a value, kept as a chain and turned into a string only when a value is refused. */
interface PathNode {
  readonly parent: PathNode | undefined;
  readonly key: string | number;
}

/** Dotted field path, as the validation errors name fields: `alerts[3].labels.severity`. */
function fieldPath(node: PathNode | undefined): string {
  if (!node) return '';
  const parent = fieldPath(node.parent);
  if (typeof node.key === 'number') return `${parent}[${node.key}]`;
  const safe = /^[A-Za-z_$][\w$-]*$/.test(node.key) ? node.key : JSON.stringify(shown(node.key));
  return parent === '' ? safe : `${parent}.${safe}`;
}

function refuse(node: PathNode | undefined, message: string): never {
  const field = fieldPath(node) || '(body)';
  throw new ValidationError(`Invalid request body: ${field}: ${message}`, [{ field, message }]);
}

/** The bounds of checkJsonValues, without tracking the path: true when the body passes them all. */
function jsonValuesWithinBounds(value: unknown, depth: number): boolean {
  if (typeof value === 'string') return value.length <= MAX_STRING_LENGTH && value.isWellFormed();
  if (value === null || typeof value !== 'object') return true;
  if (depth >= MAX_JSON_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      if (!jsonValuesWithinBounds(value[index], depth + 1)) return false;
    }
    return true;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__' || key.length > MAX_KEY_LENGTH || !key.isWellFormed()) return false;
    if (!jsonValuesWithinBounds((value as Record<string, unknown>)[key], depth + 1)) return false;
  }
  return true;
}

/**
 * Bounds a parsed body before any handler sees it, in one walk: nesting depth, string
 * lengths, well-formed Unicode only (a lone surrogate breaks encoders further in) and no
 * `__proto__` key, which some object copies would turn into a prototype change. The walk
 * stops descending past MAX_JSON_DEPTH, so its recursion is bounded whatever the input.
 */
function checkJsonValues(value: unknown, path: PathNode | undefined, depth: number): void {
  if (typeof value === 'string') {
    if (value.length > MAX_STRING_LENGTH) refuse(path, `is longer than ${MAX_STRING_LENGTH} characters`);
    if (LONE_SURROGATE.test(value)) refuse(path, 'contains invalid Unicode (a lone surrogate)');
    return;
  }
  if (value === null || typeof value !== 'object') return;
  if (depth >= MAX_JSON_DEPTH) {
    throw new ValidationError(`The JSON body nests deeper than ${MAX_JSON_DEPTH} levels`, [
      { field: '(body)', message: 'too deeply nested' },
    ]);
  }
  if (Array.isArray(value)) {
    for (let index = 0; index < value.length; index++) {
      checkJsonValues(value[index], { parent: path, key: index }, depth + 1);
    }
    return;
  }
  for (const key of Object.keys(value)) {
    if (key === '__proto__') refuse({ parent: path, key }, 'is not an allowed field name');
    if (key.length > MAX_KEY_LENGTH)
      refuse({ parent: path, key }, `field names must be at most ${MAX_KEY_LENGTH} characters`);
    if (LONE_SURROGATE.test(key)) refuse({ parent: path, key }, 'field names must be valid Unicode');
    checkJsonValues((value as Record<string, unknown>)[key], { parent: path, key }, depth + 1);
  }
}

/**
 * The local runtime hands path parameters over percent-encoded; API Gateway's HTTP API hands
 * them over decoded (`oncall@example.com`, test/integration/apigateway-events.test.ts). The
 * handlers decode once, which leaves a decoded value without a `%` as it is. One that is not
 * valid percent-encoding is refused here instead of throwing a URIError in a handler.
 */
function checkedPathParameters(params: HttpEvent['pathParameters']): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value === undefined) continue;
    let decoded: string;
    try {
      decoded = decodeURIComponent(value);
    } catch {
      throw new ValidationError(`The path parameter ${name} is not valid percent-encoding`, [
        { field: name, message: 'invalid percent-encoding' },
      ]);
    }
    if (decoded.length > 1024 || LONE_SURROGATE.test(decoded)) {
      throw new ValidationError(`The path parameter ${name} is too long or not valid Unicode`, [
        { field: name, message: 'invalid' },
      ]);
    }
    out[name] = value;
  }
  return out;
}
