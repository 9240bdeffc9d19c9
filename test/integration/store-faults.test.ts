/**
 * The store under faults: DynamoDB Local's JVM killed (SIGKILL) or frozen (SIGSTOP), and the
 * runtime stopped by SIGTERM mid-request. Every data route answers 503 STORE_UNAVAILABLE with
 * Retry-After (never 500, never a hang), /healthz says the store is unavailable, the local
 * runtime's own DynamoDB Local comes back with its data, and a SIGTERM lets the request in flight
 * finish before the process exits 0.
 *
 * The kill and freeze cases use a DynamoDB Local of their own (not the shared one), so they harm no
 * other test file.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { STORE_RETRY_AFTER_SECONDS } from '../../functions/errors';
import { STORE_CALL_BOUND_MS, STORE_HEALTH_CACHE_MS } from '../../lib/adapters/dynamodb/store-timeouts';
import { type DynamoDbLocal, startDynamoDbLocal } from '../../local/dynamodb';
import { alertmanagerFiring } from '../fixtures';
import {
  type ApiResponse,
  call,
  mailThrough,
  sleep,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const ROOT = path.resolve(__dirname, '../..');
/** A correctness deadline, not a performance figure: one store call's bound, and room for a loaded machine. */
const ANSWER_DEADLINE_MS = STORE_CALL_BOUND_MS + 5_000;
const SERVER = { host: '127.0.0.1', port: 2525, security: 'none', from: 'alerts@example.com' };

/** `call`, but abandoned after `timeoutMs` (a hang fails the test instead of stalling it), with its duration. */
async function timedCall(
  base: string,
  method: string,
  route: string,
  options: { token?: string; body?: unknown } = {},
  timeoutMs = ANSWER_DEADLINE_MS + 10_000,
): Promise<ApiResponse<any> & { ms: number }> {
  const started = Date.now();
  const headers: Record<string, string> = options.token ? { authorization: `Bearer ${options.token}` } : {};
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const res = await fetch(`${base}${route}`, {
    method,
    headers,
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
    signal: AbortSignal.timeout(timeoutMs),
  });
  const text = await res.text();
  return {
    status: res.status,
    headers: res.headers,
    text,
    body: text ? JSON.parse(text) : undefined,
    ms: Date.now() - started,
  };
}

function expectStoreUnavailable(res: ApiResponse<any>, route: string): void {
  // The answer's text rides along, so a failure shows what came instead.
  expect({ route, status: res.status, code: res.body?.error?.code, text: res.text.slice(0, 300) }).toEqual({
    route,
    status: 503,
    code: 'STORE_UNAVAILABLE',
    text: expect.any(String),
  });
  expect(res.headers.get('retry-after')).toBe(String(STORE_RETRY_AFTER_SECONDS));
  expect(res.body.error).toEqual({ code: 'STORE_UNAVAILABLE', message: expect.any(String), details: [] });
}

/** The pid of the DynamoDB Local JVM whose data lives under `dataDir`. */
function javaPidsFor(dataDir: string): number[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps
    .split('\n')
    .filter((line) => line.includes('LoopbackDynamoDB') && line.includes(dataDir))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
}

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await sleep(250);
  }
}

function exited(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

describe('the store killed or frozen', () => {
  jest.setTimeout(120_000);
  let dynamo: DynamoDbLocal;
  let smtp: TestSmtpServer;
  let runtime: TestRuntime;

  beforeAll(async () => {
    dynamo = await startDynamoDbLocal();
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ dynamodbEndpoint: dynamo.endpoint });
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    if (dynamo?.process.pid && dynamo.process.signalCode === null) process.kill(dynamo.process.pid, 'SIGCONT');
    await runtime?.stop();
    await dynamo?.stop();
    await smtp?.stop();
  });

  it('is our own JVM: a second DynamoDB Local on a port already taken fails to start instead of passing for ready', async () => {
    await expect(startDynamoDbLocal({ port: Number(new URL(dynamo.endpoint).port) })).rejects.toThrow(
      /DynamoDB Local exited/,
    );
  });

  it('frozen (SIGSTOP): requests answer 503 STORE_UNAVAILABLE within a store call bound; after SIGCONT they work', async () => {
    // Arrange: warm connections on the DynamoDB client
    const admin = { token: runtime.adminToken };
    expect((await call(runtime.url, 'GET', '/v1/config', admin)).status).toBe(200);
    expect((await call(runtime.url, 'GET', '/v1/deliveries', admin)).status).toBe(200);
    const pid = dynamo.process.pid as number;

    // Act
    process.kill(pid, 'SIGSTOP');
    let answers: Array<ApiResponse & { ms: number }>;
    try {
      answers = await Promise.all([
        timedCall(runtime.url, 'GET', '/v1/config', admin),
        timedCall(runtime.url, 'GET', '/v1/deliveries', admin),
        timedCall(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: alertmanagerFiring.body }),
      ]);
    } finally {
      process.kill(pid, 'SIGCONT');
    }

    // Assert: each gave up within the bound, as 503 with Retry-After
    for (const [index, route] of ['GET /v1/config', 'GET /v1/deliveries', 'POST /v1/alerts'].entries()) {
      const answer = answers[index] as ApiResponse & { ms: number };
      expectStoreUnavailable(answer, route);
      expect({ route, withinDeadline: answer.ms < ANSWER_DEADLINE_MS }).toEqual({ route, withinDeadline: true });
    }
    expect(smtp.received).toHaveLength(0);

    // Resumed: the same routes work again, and the alert goes out once
    const config = await waitFor('GET /v1/config after SIGCONT', 20_000, async () => {
      const res = await call(runtime.url, 'GET', '/v1/config', admin);
      return res.status === 200 ? res : undefined;
    });
    expect(config.body.recipients).toEqual(['oncall@example.com']);
    const posted = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerFiring.body,
    });
    expect(posted.status).toBe(202);
    expect(posted.body.notified).toBe(2);
    await smtp.expectExactly(1);
  });

  it('killed (SIGKILL): every data route answers 503 STORE_UNAVAILABLE with Retry-After, and /healthz says so', async () => {
    // Arrange
    const healthy = await call(runtime.url, 'GET', '/healthz');
    const admin = { token: runtime.adminToken };
    const mailsBefore = smtp.received.length;

    // Act
    const gone = new Promise((resolve) => dynamo.process.once('exit', resolve));
    process.kill(dynamo.process.pid as number, 'SIGKILL');
    await gone;
    const answers: Array<[string, ApiResponse & { ms: number }]> = [
      ['GET /v1/config', await timedCall(runtime.url, 'GET', '/v1/config', admin)],
      ['GET /v1/config/recipients', await timedCall(runtime.url, 'GET', '/v1/config/recipients', admin)],
      [
        'PUT /v1/config/server',
        await timedCall(runtime.url, 'PUT', '/v1/config/server', { ...admin, body: { ...SERVER, port: 2526 } }),
      ],
      [
        'POST /v1/config/recipients',
        await timedCall(runtime.url, 'POST', '/v1/config/recipients', { ...admin, body: { address: 'b@example.com' } }),
      ],
      ['PATCH /v1/config', await timedCall(runtime.url, 'PATCH', '/v1/config', { ...admin, body: { enabled: false } })],
      ['GET /v1/deliveries', await timedCall(runtime.url, 'GET', '/v1/deliveries', admin)],
      ['POST /v1/test-message', await timedCall(runtime.url, 'POST', '/v1/test-message', admin)],
      [
        'POST /v1/alerts',
        await timedCall(runtime.url, 'POST', '/v1/alerts', {
          token: runtime.ingestToken,
          body: { alerts: [{ labels: { alertname: 'AfterTheKill' } }] },
        }),
      ],
      [
        'POST /api/v2/alerts',
        await timedCall(runtime.url, 'POST', '/api/v2/alerts', {
          token: runtime.ingestToken,
          body: [{ labels: { alertname: 'AfterTheKill' } }],
        }),
      ],
    ];
    // /healthz may answer from its cache for STORE_HEALTH_CACHE_MS, then notices.
    const degraded = await waitFor('/healthz degraded', STORE_HEALTH_CACHE_MS + ANSWER_DEADLINE_MS, async () => {
      const res = await call(runtime.url, 'GET', '/healthz');
      return res.status === 503 ? res : undefined;
    });

    // Assert
    for (const [route, answer] of answers) {
      expectStoreUnavailable(answer, route);
      expect({ route, withinDeadline: answer.ms < ANSWER_DEADLINE_MS }).toEqual({ route, withinDeadline: true });
    }
    expect(healthy.status).toBe(200);
    expect(healthy.body).toEqual({ status: 'ok', store: 'ok' });
    expect(degraded.body).toEqual({ status: 'degraded', store: 'unavailable' });
    expect(degraded.headers.get('retry-after')).toBe(String(STORE_RETRY_AFTER_SECONDS));
    expect(smtp.received).toHaveLength(mailsBefore);
    // The OpenAPI document declares the answer on those routes.
    const doc = (await call(runtime.url, 'GET', '/v1/openapi.json')).body;
    for (const [route] of answers) {
      const [method = '', routePath = ''] = route.split(' ');
      expect({ route, declared: doc.paths[routePath][method.toLowerCase()].responses['503'] !== undefined }).toEqual({
        route,
        declared: true,
      });
    }
    expect(doc.paths['/healthz'].get.responses['503']).toBeDefined();
  });
});

describe("the local runtime's own DynamoDB Local, killed", () => {
  jest.setTimeout(180_000);
  let smtp: TestSmtpServer;
  let runtime: TestRuntime;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    // No endpoint: the runtime starts (and supervises) its own, with its data under dataDir.
    runtime = await startTestRuntime({ dynamodbEndpoint: undefined });
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  it('is restarted on the same port with the data written before the kill', async () => {
    // Arrange: a config, a notified alert and its delivery, all written before the kill
    const admin = { token: runtime.adminToken };
    const first = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerFiring.body,
    });
    expect(first.status).toBe(202);
    expect(first.body.notified).toBe(2);
    await smtp.expectExactly(1);
    const [pid] = javaPidsFor(runtime.dataDir);
    expect(pid).toBeDefined();

    // Act: kill the JVM
    process.kill(pid as number, 'SIGKILL');
    await waitFor('the JVM gone', 10_000, async () =>
      javaPidsFor(runtime.dataDir).includes(pid as number) ? undefined : true,
    );
    const duringOutage = await timedCall(runtime.url, 'GET', '/v1/config', admin);
    const back = await waitFor('the store back', 120_000, async () => {
      const res = await call(runtime.url, 'GET', '/v1/config', admin);
      return res.status === 200 ? res : undefined;
    });

    // Assert: 503 while down, then the same data
    expectStoreUnavailable(duringOutage, 'GET /v1/config');
    expect(javaPidsFor(runtime.dataDir)).toHaveLength(1);
    expect(javaPidsFor(runtime.dataDir)).not.toContain(pid);
    expect(back.body.recipients).toEqual(['oncall@example.com']);
    expect(back.body.server).toMatchObject({ host: '127.0.0.1', port: smtp.port });
    const again = await call(runtime.url, 'POST', '/v1/alerts', {
      token: runtime.ingestToken,
      body: alertmanagerFiring.body,
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 2 } });
    const deliveries = await call(runtime.url, 'GET', '/v1/deliveries', admin);
    expect(deliveries.body.deliveries).toHaveLength(1);
    expect(deliveries.body.deliveries[0]).toMatchObject({ id: first.body.deliveryId, outcome: 'sent' });
    await smtp.expectExactly(1);
    const logged = runtime.logs.map((line) => JSON.parse(line).msg);
    expect(logged).toContain('DynamoDB Local exited; restarting it');
    expect(logged).toContain('DynamoDB Local restarted');
  });
});

interface SlowSmtpServer {
  readonly port: number;
  /** Messages accepted (after the delay), with their recipients. */
  readonly accepted: string[][];
  /** Resolves when the first message's DATA has arrived (its answer still to come). */
  readonly dataStarted: Promise<void>;
  stop(): Promise<void>;
}

/** A real SMTP server that takes `replyDelayMs` to answer each message's DATA. */
async function startSlowSmtpServer(replyDelayMs: number): Promise<SlowSmtpServer> {
  const accepted: string[][] = [];
  let started: () => void = () => {};
  const dataStarted = new Promise<void>((resolve) => {
    started = resolve;
  });
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    onData(stream, session, callback) {
      started();
      stream.resume();
      stream.on('end', () => {
        setTimeout(() => {
          accepted.push(session.envelope.rcptTo.map((r) => r.address));
          callback();
        }, replyDelayMs);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.server.address() as AddressInfo).port,
    accepted,
    dataStarted,
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        setTimeout(resolve, 1000).unref();
      }),
  };
}

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminToken: string;
  readonly ingestToken: string;
  readonly output: () => string;
}

/** `npm start`'s program itself (tsx local/main.ts), in its own process group, on free ports. */
async function startProcess(dataDir: string): Promise<Started> {
  const child = spawn(path.join(ROOT, 'node_modules', '.bin', 'tsx'), ['local/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ALERTMAIL_MAILBOX_PORT: '0', ALERTMAIL_DATA_DIR: dataDir },
    detached: true,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  await waitFor('the banner', 90_000, async () => {
    if (child.exitCode !== null) throw new Error(`exited early:\n${output}`);
    return /ingest token\s+\S+/.test(output) ? true : undefined;
  });
  const pick = (pattern: RegExp) => pattern.exec(output)?.[1] ?? '';
  return {
    child,
    url: pick(/console\s+(http:\/\/127\.0\.0\.1:\d+)\//),
    adminToken: pick(/admin token\s+(\S+)/),
    ingestToken: pick(/ingest token\s+(\S+)/),
    output: () => output,
  };
}

describe('SIGTERM to a running `npm start`', () => {
  jest.setTimeout(240_000);
  const started: Started[] = [];
  let smtp: SlowSmtpServer;

  beforeAll(async () => {
    smtp = await startSlowSmtpServer(3_000);
  });

  afterAll(async () => {
    for (const { child } of started) {
      try {
        if (child.exitCode === null && child.signalCode === null) process.kill(-(child.pid as number), 'SIGKILL');
      } catch {
        // already gone
      }
    }
    await smtp?.stop();
  });

  it('lets the request in flight finish (202), exits 0, and the next start sends nothing twice', async () => {
    // Arrange
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'alertmail-sigterm-'));
    const first = await startProcess(dataDir);
    started.push(first);
    const admin = { token: first.adminToken };
    expect(
      (await call(first.url, 'PUT', '/v1/config/server', { ...admin, body: { ...SERVER, port: smtp.port } })).status,
    ).toBe(200);
    expect(
      (await call(first.url, 'POST', '/v1/config/recipients', { ...admin, body: { address: 'oncall@example.com' } }))
        .status,
    ).toBe(201);

    // Act: SIGTERM to the whole process group while the mail server is still answering DATA
    const inFlight = timedCall(first.url, 'POST', '/v1/alerts', {
      token: first.ingestToken,
      body: alertmanagerFiring.body,
    });
    await smtp.dataStarted;
    const exit = exited(first.child);
    process.kill(-(first.child.pid as number), 'SIGTERM');
    const answer = await inFlight;
    const { code, signal } = await exit;

    // Assert: answered, then a clean exit with everything stopped
    expect(answer.status).toBe(202);
    expect(answer.body.notified).toBe(2);
    expect({ code, signal }).toEqual({ code: 0, signal: null });
    expect(first.output()).toContain('SIGTERM: stopping');
    expect(smtp.accepted).toEqual([['oncall@example.com']]);
    await waitFor('the JVM stopped', 10_000, async () => (javaPidsFor(dataDir).length === 0 ? true : undefined));

    // The next start: the alert was recorded as sent, so a re-post sends nothing
    const second = await startProcess(dataDir);
    started.push(second);
    const again = await call(second.url, 'POST', '/v1/alerts', {
      token: second.ingestToken,
      body: alertmanagerFiring.body,
    });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 2 } });
    await sleep(500);
    expect(smtp.accepted).toHaveLength(1);
    const secondExit = exited(second.child);
    process.kill(-(second.child.pid as number), 'SIGTERM');
    expect(await secondExit).toEqual({ code: 0, signal: null });
  });
});
