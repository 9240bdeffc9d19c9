/**
 * The local runtime behind `npm start`: one process serving the very same
 * Lambda handlers over HTTP. It turns each request into the API Gateway HTTP API
 * (payload v2) event the handler would get on AWS, using the same route table;
 * it implements no route itself except the local-only development mailbox.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { type App, createApp } from '../functions/app';
import { authorize } from '../functions/auth';
import { readEnv } from '../functions/env';
import { errorAnswer } from '../functions/errors';
import { type HttpHandler, toResponse } from '../functions/http';
import { type FunctionName, ROUTES, type RouteSpec, routeKey } from '../functions/routes';
import { ensureTables } from '../lib/adapters/dynamodb/tables';
import { FileSecretStore } from '../lib/adapters/file/file-secret-store';
import { closeIdleSmtpConnections } from '../lib/adapters/smtp/smtp-connections';
import { parseTokenDocument } from '../lib/domain/tokens';
import { AlertmailError, messageOf } from '../lib/errors';
import { jsonLogger } from '../lib/log';
import { phase } from '../lib/phases';
import { superviseDynamoDbLocal } from './dynamodb';
import { closeGracefully, readBody, SHUTDOWN_GRACE_MS, send, trackRequests } from './http-exchange';
import { type DevMailbox, type MailboxMessage, startDevMailbox } from './mailbox';

export type { MailboxMessage };

/** `npm start`'s ports: the console and API, and the development mailbox's SMTP server. */
export const DEFAULT_HTTP_PORT = 8080;
export const DEFAULT_MAILBOX_PORT = 2525;

export interface LocalRuntimeOptions {
  /** HTTP port; 0 picks a free one. Default DEFAULT_HTTP_PORT. */
  readonly port?: number;
  readonly dataDir: string;
  /** Reuse a running DynamoDB Local instead of starting one (tests share one). */
  readonly dynamodbEndpoint?: string;
  /** Prefix for table names, so several runtimes can share one DynamoDB. */
  readonly tablePrefix?: string;
  /** SMTP port of the development mailbox; 0 picks a free one. Default DEFAULT_MAILBOX_PORT. */
  readonly mailboxPort?: number;
  readonly adminToken?: string;
  readonly ingestToken?: string;
  /** Extra deployment environment (e.g. ALERTMAIL_TRANSPORT=ses with ALERTMAIL_SES_ENDPOINT). */
  readonly env?: Readonly<Record<string, string>>;
  /** Where the handlers' JSON log lines go; default stdout. */
  readonly log?: (line: string) => void;
  /** The app's clock (tests move time to end silences and windows). Default: the system clock. */
  readonly clock?: () => Date;
  /** Seconds between sweeper runs (held alerts mailed when their mute ends); 0: no timer. Default ALERTMAIL_SWEEP_SECONDS, else 60. */
  readonly sweepSeconds?: number;
}

/** Seconds between the local sweeper's runs unless ALERTMAIL_SWEEP_SECONDS says otherwise (AWS: the schedule's minute). */
export const DEFAULT_SWEEP_SECONDS = 60;

function sweepSecondsOf(option: number | undefined): number {
  if (option !== undefined) return option;
  const text = process.env.ALERTMAIL_SWEEP_SECONDS;
  if (text === undefined) return DEFAULT_SWEEP_SECONDS;
  if (!/^\d{1,5}$/.test(text)) throw new Error('ALERTMAIL_SWEEP_SECONDS: must be a whole number of seconds (0: off)');
  return Number(text);
}

export interface LocalRuntime {
  readonly url: string;
  readonly adminToken: string;
  readonly ingestToken: string;
  readonly mailbox: DevMailbox;
  readonly dynamodbEndpoint: string;
  readonly app: App;
  /** One sweeper run now (the timer runs them every sweepSeconds). */
  sweep(): ReturnType<App['sweeper']['run']>;
  /**
   * Stops accepting connections, lets the requests in flight finish (up to SHUTDOWN_GRACE_MS),
   * then stops the mailbox and DynamoDB Local.
   */
  stop(): Promise<void>;
}

interface CompiledRoute {
  readonly spec: RouteSpec;
  readonly pattern: RegExp;
  readonly params: readonly string[];
}

function compile(spec: RouteSpec): CompiledRoute {
  const params: string[] = [];
  const source = spec.path
    .split('/')
    .map((segment) => {
      const greedy = /^\{(\w+)\+\}$/.exec(segment);
      if (greedy?.[1]) {
        params.push(greedy[1]);
        return '(.+)';
      }
      const param = /^\{(\w+)\}$/.exec(segment);
      if (param?.[1]) {
        params.push(param[1]);
        return '([^/]+)';
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('/');
  return { spec, pattern: new RegExp(`^${source}$`), params };
}

const COMPILED = ROUTES.map(compile);

async function loadOrCreateTokens(
  secrets: FileSecretStore,
  admin?: string,
  ingest?: string,
): Promise<{ admin: string; ingest: string }> {
  const stored = await secrets.get('api-tokens');
  const existing = stored ? parseTokenDocument(stored) : { admin: [], ingest: [] };
  const tokens = {
    admin: admin ?? existing.admin[0] ?? `am_admin_${randomBytes(24).toString('base64url')}`,
    ingest: ingest ?? existing.ingest[0] ?? `am_ingest_${randomBytes(24).toString('base64url')}`,
  };
  for (const [role, token] of Object.entries(tokens)) {
    if (token.length < 16) throw new Error(`The ${role} token must be at least 16 characters long`);
  }
  // Rewrite only when a token is new: a stored rotation pair (old and new side by side) survives restarts.
  if (!existing.admin.includes(tokens.admin) || !existing.ingest.includes(tokens.ingest)) {
    await secrets.put(
      'api-tokens',
      JSON.stringify({
        admin: existing.admin.includes(tokens.admin) ? existing.admin : [tokens.admin],
        ingest: existing.ingest.includes(tokens.ingest) ? existing.ingest : [tokens.ingest],
      }),
    );
  }
  return tokens;
}

export async function startLocalRuntime(options: LocalRuntimeOptions): Promise<LocalRuntime> {
  const dataDir = path.resolve(options.dataDir);
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  const secrets = new FileSecretStore(dataDir);
  const tokens = await loadOrCreateTokens(secrets, options.adminToken, options.ingestToken);

  const log = jsonLogger(options.log);
  const stops: Array<() => Promise<void>> = [];
  try {
    let endpoint = options.dynamodbEndpoint;
    if (!endpoint) {
      const supervised = await superviseDynamoDbLocal({
        dbPath: path.join(dataDir, 'dynamodb'),
        log: (message, fields) => log.warn(message, fields),
      });
      stops.push(() => supervised.stop());
      endpoint = supervised.endpoint;
    }
    const prefix = options.tablePrefix ?? 'alertmail-';
    const tables = { config: `${prefix}config`, state: `${prefix}state`, deliveries: `${prefix}deliveries` };
    const admin = new DynamoDBClient({
      endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTables(admin, tables);
    admin.destroy();

    const mailbox = await startDevMailbox({
      dir: path.join(dataDir, 'mailbox'),
      port: options.mailboxPort ?? DEFAULT_MAILBOX_PORT,
    });
    stops.unshift(() => mailbox.stop());

    // The server listens first: its own address is the console URL the mails link to ("Silence this").
    let ready: { handlers: Record<FunctionName, HttpHandler>; app: App } | undefined;
    const server = http.createServer((req, res) => {
      if (!ready) {
        send(res, toResponse(503, { error: { code: 'STARTING', message: 'Starting', details: [] } }));
        return;
      }
      const { handlers, app } = ready;
      serve(req, res, handlers, app, mailbox).catch((error: unknown) => {
        app.log.error('local runtime failure', { message: messageOf(error) });
        if (!res.headersSent)
          send(res, toResponse(500, { error: { code: 'INTERNAL', message: 'Internal error', details: [] } }));
      });
    });
    server.requestTimeout = 60_000;
    const requests = trackRequests(server);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port ?? DEFAULT_HTTP_PORT, '127.0.0.1', () => resolve());
    });
    stops.unshift(async () => {
      const cut = await closeGracefully(server, requests, SHUTDOWN_GRACE_MS);
      if (cut > 0) log.warn('stopped with requests still in flight', { requests: cut, graceMs: SHUTDOWN_GRACE_MS });
    });
    const port = (server.address() as AddressInfo).port;

    const env = readEnv({
      ALERTMAIL_CONFIG_TABLE: tables.config,
      ALERTMAIL_STATE_TABLE: tables.state,
      ALERTMAIL_DELIVERIES_TABLE: tables.deliveries,
      ALERTMAIL_SECRETS_BACKEND: 'file',
      ALERTMAIL_DATA_DIR: dataDir,
      ALERTMAIL_DYNAMODB_ENDPOINT: endpoint,
      ALERTMAIL_TOKEN_CACHE_SECONDS: '5',
      ALERTMAIL_CONSOLE_URL: `http://127.0.0.1:${port}/`,
      ...options.env,
    });
    const app = createApp(env, { log, ...(options.clock ? { clock: options.clock } : {}) });

    // First start: the development mailbox is the mail server, so an alert reaches an inbox at once.
    // (Not with SES: it sends through SES, as an address of its identity the admin sets.)
    if (env.ALERTMAIL_TRANSPORT === 'smtp' && (await app.config.get()).server === null) {
      await app.config.setServer({
        host: '127.0.0.1',
        port: mailbox.smtpPort,
        security: 'none',
        from: 'alertmail@localhost',
      });
    }

    ready = { handlers: await loadHandlers(app), app };
    const sweepSeconds = sweepSecondsOf(options.sweepSeconds);
    if (sweepSeconds > 0) {
      let running = false;
      // What the EventBridge schedule is on AWS; one run at a time, as the function's reserved concurrency of 1.
      const timer = setInterval(() => {
        if (running) return;
        running = true;
        app.sweeper
          .run()
          .catch((error: unknown) => app.log.error('sweep failed', { message: messageOf(error) }))
          .finally(() => {
            running = false;
          });
      }, sweepSeconds * 1000);
      timer.unref();
      stops.unshift(async () => clearInterval(timer));
    }
    return {
      sweep: () => app.sweeper.run(),
      url: `http://127.0.0.1:${port}`,
      adminToken: tokens.admin,
      ingestToken: tokens.ingest,
      mailbox,
      dynamodbEndpoint: endpoint,
      app,
      stop: async () => {
        for (const stop of stops.splice(0)) await stop();
        closeIdleSmtpConnections();
      },
    };
  } catch (error) {
    for (const stop of stops) await stop().catch(() => {});
    throw error;
  }
}

async function loadHandlers(app: App): Promise<Record<FunctionName, HttpHandler>> {
  // The function modules build their Lambda `handler` from process.env at import; the local runtime
  // uses their factories with its own app, so it imports them with a complete environment in place.
  for (const [key, value] of Object.entries(app.env)) if (value !== undefined) process.env[key] ??= String(value);
  const [{ makeApiHandler }, { makeIngestHandler }, consoleModule] = await Promise.all([
    import('../functions/api'),
    import('../functions/ingest'),
    import('../functions/console'),
  ]);
  return {
    api: makeApiHandler(app),
    ingest: makeIngestHandler(app),
    console: consoleModule.makeConsoleHandler(path.join(__dirname, '..', 'web', 'dist')),
  };
}

async function serve(
  req: http.IncomingMessage,
  res: http.ServerResponse,
  handlers: Record<FunctionName, HttpHandler>,
  app: App,
  mailbox: DevMailbox,
): Promise<void> {
  phase('http request');
  const url = new URL(req.url ?? '/', 'http://127.0.0.1');
  const method = (req.method ?? 'GET').toUpperCase();

  if (url.pathname === '/local/mailbox' && method === 'GET') {
    const body = await readBody(req, res);
    if (body === undefined) return;
    try {
      await authorize(req.headers.authorization, ['admin'], app.tokens);
    } catch (error) {
      if (!(error instanceof AlertmailError)) throw error;
      const answer = errorAnswer(error);
      return send(res, toResponse(answer.status, answer.body, answer.headers));
    }
    return send(res, toResponse(200, { messages: await mailbox.messages(100) }));
  }

  const matches = COMPILED.map((route) => ({ route, match: route.pattern.exec(url.pathname) })).filter((m) => m.match);
  const hit = matches.find(
    (m) => m.route.spec.method === method || (method === 'HEAD' && m.route.spec.method === 'GET'),
  );
  if (!hit?.match) {
    const status = matches.length > 0 ? 405 : 404;
    const code = status === 405 ? 'METHOD_NOT_ALLOWED' : 'NOT_FOUND';
    return send(
      res,
      toResponse(status, { error: { code, message: `No route ${method} ${url.pathname}`, details: [] } }),
    );
  }
  const body = await readBody(req, res);
  if (body === undefined) return;
  const pathParameters: Record<string, string> = {};
  hit.route.params.forEach((name, index) => {
    pathParameters[name] = hit.match?.[index + 1] ?? '';
  });
  const headers: Record<string, string> = {};
  for (const [key, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [key, value] of url.searchParams) query[key] = key in query ? `${query[key]},${value}` : value;
  const now = new Date();
  const event: APIGatewayProxyEventV2 = {
    version: '2.0',
    routeKey: routeKey(hit.route.spec),
    rawPath: url.pathname,
    rawQueryString: url.search.slice(1),
    headers,
    queryStringParameters: Object.keys(query).length > 0 ? query : undefined,
    pathParameters: hit.route.params.length > 0 ? pathParameters : undefined,
    requestContext: {
      accountId: 'local',
      apiId: 'local',
      domainName: req.headers.host ?? '127.0.0.1',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: req.headers['user-agent'] ?? '',
      },
      // randomUUID draws from a cached entropy pool: no system call per request, unlike randomBytes.
      requestId: randomUUID(),
      routeKey: routeKey(hit.route.spec),
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body: body.length > 0 ? body.toString('utf8') : undefined,
    isBase64Encoded: false,
  };
  const response = await handlers[hit.route.spec.function](event, {});
  phase('http answer');
  send(res, response, method === 'HEAD');
}
