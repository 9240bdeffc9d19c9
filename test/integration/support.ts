/** Real components for integration tests: the local runtime on the shared DynamoDB Local, and real SMTP servers. */
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient, ScanCommand } from '@aws-sdk/client-dynamodb';
import { type ParsedMail, simpleParser } from 'mailparser';
import { SMTPServer, type SMTPServerOptions } from 'smtp-server';
import { type LocalRuntime, type LocalRuntimeOptions, startLocalRuntime } from '../../local/runtime';

export const TLS = {
  ca: readFileSync(path.join(__dirname, '../fixtures/tls/ca.pem'), 'utf8'),
  cert: readFileSync(path.join(__dirname, '../fixtures/tls/server.pem'), 'utf8'),
  key: readFileSync(path.join(__dirname, '../fixtures/tls/server.key'), 'utf8'),
};

export interface TestRuntime extends LocalRuntime {
  readonly logs: string[];
  readonly dataDir: string;
}

export async function startTestRuntime(options: Partial<LocalRuntimeOptions> = {}): Promise<TestRuntime> {
  const endpoint = process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT;
  if (!endpoint)
    throw new Error('ALERTMAIL_TEST_DYNAMODB_ENDPOINT is not set: run through the jest integration project');
  const dataDir = options.dataDir ?? (await mkdtemp(path.join(os.tmpdir(), 'alertmail-test-')));
  const logs: string[] = [];
  const runtime = await startLocalRuntime({
    port: 0,
    mailboxPort: 0,
    dynamodbEndpoint: endpoint,
    tablePrefix: `t${randomBytes(6).toString('hex')}-`,
    log: (line) => logs.push(line),
    ...options,
    dataDir,
  });
  return Object.assign(Object.create(null), runtime, { logs, dataDir }) as TestRuntime;
}

export interface ApiResponse<T = unknown> {
  readonly status: number;
  readonly headers: Headers;
  readonly text: string;
  readonly body: T;
}

/** A tiny HTTP client: JSON in, JSON out. Bodies default to `any`: tests assert on their shape. */
export async function call<T = any>(
  base: string,
  method: string,
  route: string,
  options: { token?: string; body?: unknown; rawBody?: string; headers?: Record<string, string> } = {},
): Promise<ApiResponse<T>> {
  const headers: Record<string, string> = { ...options.headers };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  let body: string | undefined = options.rawBody;
  if (options.body !== undefined) {
    body = JSON.stringify(options.body);
    headers['content-type'] ??= 'application/json';
  }
  const res = await fetch(`${base}${route}`, { method, headers, body });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, headers: res.headers, text, body: parsed as T };
}

export interface ReceivedMail {
  readonly envelope: { from: string; to: string[] };
  readonly raw: Buffer;
  readonly parsed: ParsedMail;
}

/** A command an SMTP server read, and when (epoch ms, on the clock of lib/phases.ts's marks). */
export interface SmtpCommand {
  readonly command: string;
  readonly at: number;
}

/**
 * An smtp-server `logger` that hands over each command the server reads (smtp-server logs them at
 * debug level as `{ tnx: 'command', command }`) and drops everything else.
 */
export function smtpCommandLogger(onCommand: (command: SmtpCommand) => void): SMTPServerOptions['logger'] {
  const quiet = () => {};
  const logger = {
    debug: (entry: { tnx?: string; command?: string }) => {
      if (entry.tnx === 'command' && entry.command) {
        onCommand({ command: entry.command, at: performance.timeOrigin + performance.now() });
      }
    },
    trace: quiet,
    info: quiet,
    warn: quiet,
    error: quiet,
    fatal: quiet,
  };
  return logger as unknown as SMTPServerOptions['logger'];
}

export interface TestSmtpServer {
  readonly port: number;
  readonly received: ReceivedMail[];
  /** Every command the server read, in order. */
  readonly commands: SmtpCommand[];
  /** Answer the next `count` messages with a 451 temporary failure. */
  failNext(count: number): void;
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Waits for `count` mails, then `settleMs` longer, and asserts no more arrived. */
  expectExactly(count: number, settleMs?: number): Promise<ReceivedMail[]>;
  stop(): Promise<void>;
}

/** An SMTP reply a scripted server answers with instead of accepting. */
export interface SmtpReply {
  readonly code: number;
  readonly message: string;
}

export interface TestSmtpOptions {
  /** Require AUTH with these users (PLAIN and LOGIN). */
  readonly users?: Readonly<Record<string, string>>;
  /** `starttls`: offers STARTTLS with the test CA's certificate; `tls`: implicit TLS. */
  readonly tls?: 'starttls' | 'tls';
  /** Misbehaving on purpose: refuse a recipient's RCPT TO with this reply. */
  readonly rejectRecipient?: (address: string) => SmtpReply | undefined;
  /** Refuse a message (after DATA) sent to these recipients with this reply. */
  readonly rejectMessage?: (recipients: readonly string[]) => SmtpReply | undefined;
  /** Refuse a connection while this many others are open (`421 Too many concurrent connections`). */
  readonly maxConnections?: number;
  /** Wait this long before each RCPT TO reply: a slow server. */
  readonly recipientDelayMs?: number;
}

function smtpError({ code, message }: SmtpReply): Error & { responseCode: number } {
  return Object.assign(new Error(message), { responseCode: code });
}

export async function startSmtpServer(options: TestSmtpOptions = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const commands: SmtpCommand[] = [];
  let failures = 0;
  const open = new Set<string>();
  const serverOptions: SMTPServerOptions = {
    onConnect(session, callback) {
      if (options.maxConnections !== undefined && open.size >= options.maxConnections) {
        return callback(smtpError({ code: 421, message: '4.7.0 Too many concurrent connections' }));
      }
      open.add(session.id);
      return callback();
    },
    onClose(session) {
      open.delete(session.id);
    },
    onRcptTo(address, _session, callback) {
      const refusal = options.rejectRecipient?.(address.address);
      const answer = () => callback(refusal ? smtpError(refusal) : undefined);
      if (options.recipientDelayMs) setTimeout(answer, options.recipientDelayMs);
      else answer();
    },
    logger: smtpCommandLogger((command) => commands.push(command)),
    authOptional: !options.users,
    authMethods: ['PLAIN', 'LOGIN'],
    allowInsecureAuth: !options.tls,
    secure: options.tls === 'tls',
    ...(options.tls ? { key: TLS.key, cert: TLS.cert } : { disabledCommands: ['STARTTLS'] }),
    onAuth(auth, _session, callback) {
      const expected = options.users?.[auth.username ?? ''];
      if (expected !== undefined && expected === auth.password) return callback(null, { user: auth.username });
      const error = new Error('5.7.8 Authentication credentials invalid') as Error & { responseCode: number };
      error.responseCode = 535;
      return callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => chunks.push(chunk));
      stream.on('end', () => {
        const refusal = options.rejectMessage?.(session.envelope.rcptTo.map((r) => r.address));
        if (refusal) return callback(smtpError(refusal));
        if (failures > 0) {
          failures--;
          const error = new Error('4.3.0 Temporary failure, try again later') as Error & { responseCode: number };
          error.responseCode = 451;
          return callback(error);
        }
        const raw = Buffer.concat(chunks);
        simpleParser(raw).then((parsed) => {
          received.push({
            envelope: {
              from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
              to: session.envelope.rcptTo.map((r) => r.address),
            },
            raw,
            parsed,
          });
          callback();
        }, callback);
      });
    },
  };
  const server = new SMTPServer(serverOptions);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  const waitFor = async (count: number, timeoutMs = 10_000): Promise<ReceivedMail[]> => {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} mails, got ${received.length}`);
      await new Promise((resolve) => setTimeout(resolve, 25));
    }
    return received;
  };

  return {
    port,
    received,
    commands,
    failNext(count) {
      failures = count;
    },
    waitFor,
    async expectExactly(count, settleMs = 300) {
      if (count > 0) await waitFor(count);
      await sleep(settleMs);
      expect(received).toHaveLength(count);
      return [...received];
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(resolve, 1000).unref();
      }),
  };
}

/** A TCP server that accepts connections and never says a word: a hung mail server. */
export async function startSilentServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A port nothing listens on. */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Points the runtime at `smtp` (plain SMTP, from alerts@example.com) and adds the recipients. */
export async function mailThrough(
  runtime: LocalRuntime,
  smtp: { port: number },
  recipients: readonly string[] = ['oncall@example.com'],
): Promise<void> {
  const server = await call(runtime.url, 'PUT', '/v1/config/server', {
    token: runtime.adminToken,
    body: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'alerts@example.com' },
  });
  if (server.status !== 200) throw new Error(`setting the mail server failed: ${server.text}`);
  for (const address of recipients) {
    const added = await call(runtime.url, 'POST', '/v1/config/recipients', {
      token: runtime.adminToken,
      body: { address },
    });
    if (added.status !== 201) throw new Error(`adding ${address} failed: ${added.text}`);
  }
}

export interface CountingDynamoProxy {
  /** Point a client or runtime here instead of at DynamoDB Local. */
  readonly endpoint: string;
  /** The DynamoDB operations (X-Amz-Target, e.g. `BatchGetItem`) that passed, in order. */
  readonly operations: string[];
  /** The same operations with their parsed JSON request bodies (the IAM contract test reads the tables they name). */
  readonly requests: Array<{ readonly operation: string; readonly body: Record<string, unknown> }>;
  stop(): Promise<void>;
}

export interface CountingDynamoProxyOptions {
  /** Faults on purpose: reset the connection (as a killed store does) for the requests this picks. */
  readonly failWhen?: (operation: string, body: Record<string, unknown>) => boolean;
  /** A slow store on purpose: hold the requests this picks for that many milliseconds before forwarding them. */
  readonly delayMs?: (operation: string, body: Record<string, unknown>) => number;
}

/** A proxy in front of the shared DynamoDB Local that notes every operation passing through it. */
export async function startCountingDynamoProxy(options: CountingDynamoProxyOptions = {}): Promise<CountingDynamoProxy> {
  const upstream = new URL(process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT ?? '');
  const operations: string[] = [];
  const requests: Array<{ operation: string; body: Record<string, unknown> }> = [];
  const server = http.createServer((req, res) => {
    const operation = String(req.headers['x-amz-target'] ?? '').replace(/^DynamoDB_\d+\./, '');
    operations.push(operation);
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      let parsed: Record<string, unknown> = {};
      try {
        parsed = JSON.parse(body.toString('utf8') || '{}') as Record<string, unknown>;
      } catch {
        // not JSON: recorded with an empty body
      }
      requests.push({ operation, body: parsed });
      if (options.failWhen?.(operation, parsed)) return res.destroy();
      const delay = options.delayMs?.(operation, parsed) ?? 0;
      setTimeout(() => forwardUpstream(body), delay);
    });
    const forwardUpstream = (body: Buffer) => {
      const forward = http.request(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (reply) => {
          res.writeHead(reply.statusCode ?? 500, reply.headers);
          reply.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      forward.end(body);
    };
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    operations,
    requests,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** Every item in the runtime's three tables, each as its JSON text (for secret scans). */
export async function scanRuntimeTables(runtime: LocalRuntime): Promise<string[]> {
  const dynamo = new DynamoDBClient({
    endpoint: runtime.dynamodbEndpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const env = runtime.app.env;
  const items: string[] = [];
  try {
    for (const table of [env.ALERTMAIL_CONFIG_TABLE, env.ALERTMAIL_STATE_TABLE, env.ALERTMAIL_DELIVERIES_TABLE]) {
      const { Items = [] } = await dynamo.send(new ScanCommand({ TableName: table }));
      items.push(...Items.map((item) => JSON.stringify(item)));
    }
  } finally {
    dynamo.destroy();
  }
  return items;
}

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
