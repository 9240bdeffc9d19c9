/**
 * The console Lambda: serves the built web console (web/dist) from memory.
 * `GET /` → index.html, `GET /console/{proxy+}` → the assets. Files are read
 * once, on the first request of a cold start; nothing is read per request and
 * only the files found then can ever be served (no path reaches the disk).
 *
 * Every answer carries a strict CSP (no inline script or style anywhere, only
 * this origin) and the usual hardening headers. index.html is `no-cache`; it
 * links each asset as `/console/<file>?v=<content hash>`, and an asset asked
 * for with its current hash is cached for a year (`immutable`), otherwise
 * `no-cache`. ETags make revalidation a 304.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { APIGatewayProxyEventV2, APIGatewayProxyStructuredResultV2 } from 'aws-lambda';

export type ConsoleHandler = (event: APIGatewayProxyEventV2) => Promise<APIGatewayProxyStructuredResultV2>;

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "form-action 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
};

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json; charset=utf-8',
  '.txt': 'text/plain; charset=utf-8',
};

const TEXT = /^(text\/|image\/svg|application\/json)/;
const IMMUTABLE = 'public, max-age=31536000, immutable';

interface Asset {
  readonly body: Buffer;
  readonly contentType: string;
  /** First 16 hex digits of the SHA-256 of the body: the `?v=` value and the ETag. */
  readonly hash: string;
}

function hashOf(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** Reads every servable file of `assetDir` (flat: the build writes no folders). */
export function loadAssets(assetDir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>();
  for (const name of readdirSync(assetDir)) {
    const file = path.join(assetDir, name);
    const contentType = CONTENT_TYPES[path.extname(name).toLowerCase()];
    if (!contentType || name.startsWith('.') || !statSync(file).isFile()) continue;
    const body = readFileSync(file);
    assets.set(name, { body, contentType, hash: hashOf(body) });
  }
  const index = assets.get('index.html');
  if (!index) throw new Error(`alertmail console: no index.html in ${assetDir} (run \`npm run build:web\`)`);
  // Point index.html at the exact asset versions loaded with it.
  let html = index.body.toString('utf8');
  for (const [name, asset] of assets) {
    if (name === 'index.html') continue;
    html = html.split(`"/console/${name}"`).join(`"/console/${name}?v=${asset.hash}"`);
  }
  const body = Buffer.from(html, 'utf8');
  assets.set('index.html', { body, contentType: index.contentType, hash: hashOf(body) });
  return assets;
}

function respond(
  statusCode: number,
  headers: Record<string, string>,
  body = '',
  isBase64Encoded = false,
): APIGatewayProxyStructuredResultV2 {
  return { statusCode, headers: { ...SECURITY_HEADERS, ...headers }, body, isBase64Encoded };
}

function jsonError(statusCode: number, code: string, message: string, extra: Record<string, string> = {}) {
  return respond(
    statusCode,
    { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', ...extra },
    JSON.stringify({ error: { code, message } }),
  );
}

function header(event: APIGatewayProxyEventV2, name: string): string | undefined {
  const headers = event.headers ?? {};
  for (const [key, value] of Object.entries(headers)) {
    if (key.toLowerCase() === name) return value;
  }
  return undefined;
}

/** The asset file name a request asks for, or null when the path is not a console path. */
function assetName(event: APIGatewayProxyEventV2): string | null {
  const rawPath = event.rawPath ?? event.requestContext?.http?.path ?? '/';
  if (rawPath === '/' || rawPath === '') return 'index.html';
  const proxy = event.pathParameters?.proxy;
  if (proxy !== undefined) return proxy;
  if (rawPath.startsWith('/console/')) return rawPath.slice('/console/'.length);
  return null;
}

export function makeConsoleHandler(assetDir: string): ConsoleHandler {
  const assets = loadAssets(assetDir);
  return async (event) => {
    const method = (event.requestContext?.http?.method ?? 'GET').toUpperCase();
    if (method !== 'GET' && method !== 'HEAD') {
      return jsonError(405, 'METHOD_NOT_ALLOWED', `${method} is not allowed here; use GET.`, { allow: 'GET, HEAD' });
    }
    const name = assetName(event);
    const asset = name === null ? undefined : assets.get(name);
    if (!asset) {
      return jsonError(404, 'NOT_FOUND', `No console file at ${event.rawPath ?? '?'}.`);
    }
    const etag = `"${asset.hash}"`;
    const cacheControl =
      name === 'index.html' || event.queryStringParameters?.v !== asset.hash ? 'no-cache' : IMMUTABLE;
    const headers = { 'content-type': asset.contentType, 'cache-control': cacheControl, etag };
    const ifNoneMatch = header(event, 'if-none-match');
    if (ifNoneMatch?.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)) {
      return respond(304, headers);
    }
    if (method === 'HEAD') return respond(200, headers);
    return TEXT.test(asset.contentType)
      ? respond(200, headers, asset.body.toString('utf8'))
      : respond(200, headers, asset.body.toString('base64'), true);
  };
}

/**
 * Where the built console is: `ALERTMAIL_CONSOLE_DIR`, else `<bundle>/web` (the
 * CDK bundle copies web/dist there), else `web/dist` beside this source file
 * (local runtime and tests running from the repository).
 */
export function defaultAssetDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.ALERTMAIL_CONSOLE_DIR) return env.ALERTMAIL_CONSOLE_DIR;
  const bundled = path.join(__dirname, 'web');
  return existsSync(path.join(bundled, 'index.html')) ? bundled : path.join(__dirname, '..', 'web', 'dist');
}

let cold: ConsoleHandler | undefined;

/** The Lambda entry point; the assets are loaded on the first invocation, not at import. */
export const handler: ConsoleHandler = (event) => {
  cold ??= makeConsoleHandler(defaultAssetDir());
  return cold(event);
};
