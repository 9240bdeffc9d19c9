/**
 * Real parts for the OAuth 2.0 sign-in tests: the token server (oauth2-mock-server in a child process,
 * test/integration/oauth-token-server.mjs), an SMTP server that offers only AUTH XOAUTH2 and checks
 * each access token's RS256 signature against the token server's JWKS, and a local HTTP server that
 * holds Microsoft Graph's documented `sendMail` MIME contract.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createPublicKey, type JsonWebKey, type KeyObject, verify } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export const TENANT = 'contoso.onmicrosoft.com';
export const CLIENT_ID = '11111111-2222-3333-4444-555555555555';

export interface TokenRequestSeen {
  readonly grant_type: string;
  readonly client_id?: string;
  readonly scope?: string;
  readonly secretMatched: boolean;
  readonly assertion?: Record<string, unknown>;
}

export interface TokenServer {
  /** `http://127.0.0.1:port`: Microsoft's login base URL for the tests (ALERTMAIL_MICROSOFT_LOGIN_URL). */
  readonly url: string;
  /** The token endpoint: `{url}/{TENANT}/oauth2/v2.0/token`. */
  readonly tokenUrl: string;
  requests(): Promise<TokenRequestSeen[]>;
  /** `ttl`: the lifetime of the next tokens (seconds); `failWith`: refuse every request so. */
  set(options: {
    ttl?: number;
    clientSecret?: string;
    failWith?: { status: number; error: string; description: string } | null;
  }): Promise<void>;
  /** The token server's public keys, by `kid`. */
  keys(): Promise<Map<string, KeyObject>>;
  stop(): Promise<void>;
}

export async function startTokenServer(options: {
  clientSecret: string;
  googlePublicKey?: string;
}): Promise<TokenServer> {
  const tokenPath = `/${TENANT}/oauth2/v2.0/token`;
  const child: ChildProcess = spawn(process.execPath, [path.join(__dirname, 'oauth-token-server.mjs')], {
    env: {
      ...process.env,
      TOKEN_PATH: tokenPath,
      CLIENT_ID,
      CLIENT_SECRET: options.clientSecret,
      GOOGLE_PUBLIC_KEY: options.googlePublicKey ?? '',
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const firstLine = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once('line', resolve);
    child.once('exit', (code) => reject(new Error(`the token server exited (${code})`)));
  });
  const { url } = JSON.parse(firstLine) as { url: string };
  return {
    url,
    tokenUrl: `${url}${tokenPath}`,
    async requests() {
      return ((await (await fetch(`${url}/control`)).json()) as { requests: TokenRequestSeen[] }).requests;
    },
    async set(settings) {
      await fetch(`${url}/control`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(settings),
      });
    },
    async keys() {
      const jwks = (await (await fetch(`${url}/jwks`)).json()) as { keys: Array<JsonWebKey & { kid: string }> };
      return new Map(jwks.keys.map((jwk) => [jwk.kid, createPublicKey({ key: jwk, format: 'jwk' })]));
    },
    stop: () =>
      new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** The claims of a JWT whose RS256 signature one of `keys` verifies and that has not expired; else why not. */
export function verifyJwt(token: string, keys: Map<string, KeyObject>): Record<string, unknown> | string {
  const [header, claims, signature] = token.split('.');
  if (!header || !claims || !signature) return 'not a JWT';
  const { kid, alg } = JSON.parse(Buffer.from(header, 'base64url').toString('utf8')) as { kid?: string; alg?: string };
  const key = kid === undefined ? undefined : keys.get(kid);
  if (alg !== 'RS256' || !key) return 'unknown signing key';
  if (!verify('RSA-SHA256', Buffer.from(`${header}.${claims}`), key, Buffer.from(signature, 'base64url'))) {
    return 'bad signature';
  }
  const payload = JSON.parse(Buffer.from(claims, 'base64url').toString('utf8')) as Record<string, unknown>;
  if (typeof payload.exp !== 'number' || payload.exp * 1000 <= Date.now()) return 'expired';
  return payload;
}

export interface ReceivedOAuthMail {
  readonly user: string;
  readonly token: string;
  readonly rcptTo: string[];
  readonly mail: ParsedMail;
}

export interface XOAuth2SmtpServer {
  readonly port: number;
  readonly received: ReceivedOAuthMail[];
  /** Every AUTH XOAUTH2 attempt: the user, the token, and what the server said. */
  readonly attempts: Array<{ user: string; token: string; outcome: 'accepted' | 'refused' }>;
  /** When set, every token is refused with this reply (as Exchange does with SMTP AUTH off). */
  refuseWith?: { code: number; message: string };
  /** This many next tokens are refused as Gmail and Exchange refuse an expired one: the 334 JSON challenge, then 535. */
  challengeNext: number;
  /** The mailbox and scope a token must be for. */
  expected: { user: string; scope: string };
  /** Ends every open session (as a server restart does): the next mail signs in anew, not on a kept connection. */
  closeSessions(): void;
  stop(): Promise<void>;
}

/** SMTP with `authMethods: ['XOAUTH2']` only; `onAuth` verifies the token with the token server's keys. */
export async function startXOAuth2SmtpServer(
  tokens: TokenServer,
  expected: { user: string; scope: string },
): Promise<XOAuth2SmtpServer> {
  const state: XOAuth2SmtpServer = {
    port: 0,
    received: [],
    attempts: [],
    challengeNext: 0,
    expected,
    closeSessions: () => {},
    stop: async () => {},
  };
  const server = new SMTPServer({
    logger: false,
    authMethods: ['XOAUTH2'],
    authOptional: false,
    allowInsecureAuth: true,
    disabledCommands: ['STARTTLS'],
    onAuth(auth, _session, callback) {
      const token = auth.accessToken ?? '';
      const refuse = (code: number, message: string) => {
        state.attempts.push({ user: auth.username ?? '', token, outcome: 'refused' });
        callback(Object.assign(new Error(message), { responseCode: code }));
      };
      if (state.refuseWith) return refuse(state.refuseWith.code, state.refuseWith.message);
      if (state.challengeNext > 0) {
        state.challengeNext--;
        state.attempts.push({ user: auth.username ?? '', token, outcome: 'refused' });
        return callback(null, { data: { status: '401', schemes: 'bearer', scope: state.expected.scope } } as never);
      }
      tokens.keys().then((keys) => {
        const claims = verifyJwt(token, keys);
        if (typeof claims === 'string') return refuse(535, `5.7.3 Authentication unsuccessful (${claims})`);
        if (claims.scope !== state.expected.scope) {
          return refuse(535, `5.7.3 Authentication unsuccessful (scope ${claims.scope})`);
        }
        if (auth.username !== state.expected.user) return refuse(535, '5.7.3 Authentication unsuccessful (user)');
        state.attempts.push({ user: auth.username, token, outcome: 'accepted' });
        callback(null, { user: `${auth.username}\u0000${token}` });
      }, callback);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const [user = '', token = ''] = String(session.user).split('\u0000');
        simpleParser(Buffer.concat(chunks)).then((mail) => {
          state.received.push({ user, token, rcptTo: session.envelope.rcptTo.map((r) => r.address), mail });
          callback();
        }, callback);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(state, {
    port: (server.server.address() as AddressInfo).port,
    closeSessions: () => {
      // smtp-server keeps its open sessions in `connections` (not in its typings).
      for (const session of (server as unknown as { connections: Set<{ close(): void }> }).connections) session.close();
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

export interface GraphRequest {
  readonly user: string;
  readonly token: string;
  readonly contentType: string;
  readonly body: string;
}

export interface GraphServer {
  readonly url: string;
  readonly requests: GraphRequest[];
  /** The MIME messages Graph accepted (202). */
  readonly sent: Array<{ user: string; mail: ParsedMail; raw: Buffer }>;
  /** Answers for the next requests, in order (then 202 again). */
  readonly script: Array<{ status: number; headers?: Record<string, string>; body?: unknown }>;
  stop(): Promise<void>;
}

/**
 * Graph's `POST /v1.0/users/{user}/sendMail` for MIME: a bearer token the token server signed for
 * `https://graph.microsoft.com/.default`, `Content-Type: text/plain`, the body the base64 of the MIME
 * message; 202 with an empty body. Anything else gets Graph's error body, as Graph answers it.
 */
export async function startGraphServer(tokens: TokenServer): Promise<GraphServer> {
  const state: GraphServer = { url: '', requests: [], sent: [], script: [], stop: async () => {} };
  const fail = (res: http.ServerResponse, status: number, code: string, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ error: { code, message } }));
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const match = /^\/v1\.0\/users\/([^/]+)\/sendMail$/.exec(req.url ?? '');
      const token = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1] ?? '';
      const body = Buffer.concat(chunks).toString('utf8');
      const user = decodeURIComponent(match?.[1] ?? '');
      state.requests.push({ user, token, contentType: req.headers['content-type'] ?? '', body });
      if (req.method !== 'POST' || !match) return fail(res, 404, 'ResourceNotFound', 'Resource not found');
      const claims = verifyJwt(token, await tokens.keys());
      if (typeof claims === 'string' || claims.scope !== 'https://graph.microsoft.com/.default') {
        return fail(res, 401, 'InvalidAuthenticationToken', 'Access token validation failure.');
      }
      const scripted = state.script.shift();
      if (scripted) {
        res.writeHead(scripted.status, { 'content-type': 'application/json', ...scripted.headers });
        return res.end(scripted.body === undefined ? '' : JSON.stringify(scripted.body));
      }
      if (!/^text\/plain\b/.test(req.headers['content-type'] ?? '')) {
        return fail(res, 400, 'ErrorMimeContentInvalid', 'MIME content must be sent as text/plain base64');
      }
      if (!/^[A-Za-z0-9+/=\r\n]+$/.test(body)) {
        return fail(res, 400, 'ErrorMimeContentInvalidBase64String', 'Invalid base64 string for MIME content.');
      }
      const raw = Buffer.from(body, 'base64');
      const mail = await simpleParser(raw);
      state.sent.push({ user, mail, raw });
      res.writeHead(202);
      res.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return Object.assign(state, {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}
