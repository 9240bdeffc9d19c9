/**
 * `npm run bench`: alertmail's throughput, latency, cold start and memory, measured side by side
 * in one run with the limits of its store (DynamoDB Local) and with Prometheus Alertmanager.
 *
 *   npm run bench                      # full run (~4 min), prints the table, updates BENCHMARKS.md
 *   npm run bench -- --quick           # 1 repetition, short windows (smoke test; does not write the file)
 *   npm run bench -- --reps 5 --duration 10 --warmup 2 --no-write
 *
 * Starts (and always stops) DynamoDB Local, the local runtime in a child process, a real SMTP
 * server (smtp-server) as its mail server with one recipient, and Debian's prometheus-alertmanager.
 * Everything listens on 127.0.0.1 only. Every loop is bounded in count and time.
 */
import type { ChildProcess } from 'node:child_process';
import { execFileSync, fork } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  type AttributeValue,
  BatchGetItemCommand,
  DynamoDBClient,
  PutItemCommand,
  ScanCommand,
  TransactWriteItemsCommand,
} from '@aws-sdk/client-dynamodb';
import { build } from 'esbuild';
import { type DynamoDbLocal, startDynamoDbLocal } from '../local/dynamodb';
import { hasAiosmtpd, startAiosmtpdSink } from './aiosmtpd-sink';
import {
  buildBundles,
  type ColdStartRow,
  type FunctionName,
  httpEvent,
  measureColdStarts,
  profileColdStart,
} from './cold-start';
import type { CountedShape } from './cost';
import { type InboxLatency, measureInboxLatency } from './latency';
import { closedLoop, HttpClient, type LoopResult, median, percentile } from './load';
import { makeAlert, type V2Alert } from './payloads';
import { type Alertmanager, cpuSeconds, peakRssOf, startAlertmanager } from './procs';
import { bundleMap, type ProfileSummary, summarizeProfile } from './profile';
import { type ChildMessage, isChildMessage, type MemoryReport, type ParentMessage } from './protocol';
import { type BenchReport, renderReport, updateBenchmarksFile } from './report';
import { type SmtpSink, startSmtpSink } from './smtp-sink';
import { startCountingStore } from './store-counts';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

const REPO_ROOT = path.resolve(__dirname, '..');
const CONNECTIONS = 8;
const BATCH = 100;
/** Prometheus's notifier posts at most this many alerts per request (maxBatchSize). */
const PROMETHEUS_BATCH = 64;
/** Distinct alerts re-sent in the steady state: POOL_BATCHES requests of BATCH alerts. */
const POOL_BATCHES = 40;
const RECIPIENT = 'oncall@bench.invalid';
/** Routes (besides the default one), each with its own mute window, and silences in the multi-route row. */
const BENCH_ROUTES = 10;
const BENCH_SILENCES = 100;
/** Hard stop for the whole run. */
const HARD_LIMIT_MS = 15 * 60_000;

interface Options {
  readonly reps: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly latencyPosts: number;
  readonly coldRuns: number;
  readonly profileMs: number;
  readonly write: boolean;
  /** DynamoDB Local on disk (as `npm start` runs it) instead of in memory. */
  readonly diskStore: boolean;
  /** `--profile-new`: also profile the runtime under the new-alert load (cdk.out/bench/new-alerts.cpuprofile). */
  readonly profileNew: boolean;
  /** Parts to run (`--only steady,new,latency,cold`); all by default. */
  readonly only: ReadonlySet<Part>;
}

const PARTS = ['steady', 'steady64', 'routes', 'new', 'latency', 'inbox', 'cost', 'cold'] as const;
type Part = (typeof PARTS)[number];

function parseOptions(argv: readonly string[]): Options {
  const value = (name: string): number | undefined => {
    const index = argv.indexOf(`--${name}`);
    if (index < 0) return undefined;
    const parsed = Number(argv[index + 1]);
    if (!Number.isFinite(parsed) || parsed <= 0) throw new Error(`--${name} needs a positive number`);
    return parsed;
  };
  const quick = argv.includes('--quick');
  const onlyIndex = argv.indexOf('--only');
  const isPart = (part: string): part is Part => (PARTS as readonly string[]).includes(part);
  const only: Part[] = [];
  for (const part of onlyIndex < 0 ? PARTS : (argv[onlyIndex + 1] ?? '').split(',')) {
    if (!isPart(part)) throw new Error(`--only takes ${PARTS.join(',')}, not ${part}`);
    only.push(part);
  }
  return {
    reps: Math.min(10, Math.round(value('reps') ?? (quick ? 1 : 3))),
    warmupMs: Math.min(10, value('warmup') ?? (quick ? 1 : 2)) * 1000,
    durationMs: Math.min(30, value('duration') ?? (quick ? 3 : 8)) * 1000,
    latencyPosts: Math.min(1000, Math.round(value('latency-posts') ?? (quick ? 50 : 200))),
    coldRuns: Math.min(20, Math.round(value('cold-runs') ?? (quick ? 5 : 7))),
    profileMs: (quick ? 3 : 6) * 1000,
    write: !argv.includes('--no-write') && !quick && onlyIndex < 0,
    diskStore: argv.includes('--disk-store'),
    profileNew: argv.includes('--profile-new'),
    only: new Set(only),
  };
}

// ---------------------------------------------------------------------------------------------
// Payloads: the Alertmanager API v2 array, as Prometheus posts it (alertmail accepts it too).

/** Times as Prometheus sends them: startsAt in the past, endsAt a few resend intervals ahead. */
function alertTimes(): { startsAt: string; endsAt: string } {
  const now = Date.now();
  return { startsAt: new Date(now - 600_000).toISOString(), endsAt: new Date(now + 3_600_000).toISOString() };
}

// ---------------------------------------------------------------------------------------------
// Everything started is stopped, on success, failure, Ctrl-C or the hard limit.

const cleanups: Array<{ name: string; run: () => Promise<void> }> = [];
const children = new Set<ChildProcess>();

async function cleanup(): Promise<void> {
  while (cleanups.length > 0) {
    const step = cleanups.pop();
    if (!step) break;
    await Promise.race([
      step.run().catch((error: unknown) => process.stderr.write(`cleanup ${step.name}: ${String(error)}\n`)),
      new Promise((resolve) => setTimeout(resolve, 10_000)),
    ]);
  }
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

process.on('exit', () => {
  for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
});
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    process.stderr.write(`\n${signal}: stopping everything the bench started...\n`);
    void cleanup().finally(() => process.exit(130));
  });
}

const progress = (line: string) => process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

// ---------------------------------------------------------------------------------------------
// The runtime child.

interface RuntimeChild {
  readonly process: ChildProcess;
  readonly url: string;
  readonly adminToken: string;
  readonly ingestToken: string;
  readonly startupRss: number;
  ask<T extends ChildMessage['type']>(
    message: ParentMessage,
    expect: T,
    timeoutMs?: number,
  ): Promise<Extract<ChildMessage, { type: T }>>;
  stop(): Promise<void>;
}

/**
 * bench/runtime-child.ts and our own code bundled by esbuild (not minified, packages left in
 * node_modules): plain JS as on Lambda, no tsx in the process (its RSS would count), and a CPU
 * profile whose frames map back to source files through esbuild's `// lib/x.ts` markers.
 * The bundle sits under node_modules/.cache so the packages resolve from the repository.
 */
async function buildRuntimeChild(): Promise<string> {
  const outfile = path.join(REPO_ROOT, 'node_modules', '.cache', 'alertmail-bench', 'runtime-child.js');
  await build({
    entryPoints: [path.join(__dirname, 'runtime-child.ts')],
    absWorkingDir: REPO_ROOT,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    outfile,
    logLevel: 'error',
    // local/runtime.ts finds web/dist and the JVM launcher from its own folder.
    define: { __dirname: JSON.stringify(path.join(REPO_ROOT, 'local')) },
  });
  return outfile;
}

async function startRuntimeChild(script: string, env: Record<string, string>): Promise<RuntimeChild> {
  const child = fork(script, [], {
    execArgv: [],
    env: { ...process.env, ...env },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  children.add(child);
  const waiting = new Map<string, (message: ChildMessage) => void>();
  let failure: string | undefined;
  child.on('message', (raw: unknown) => {
    if (!isChildMessage(raw)) return;
    if (raw.type === 'error') failure = raw.message;
    const resolve = waiting.get(raw.type) ?? (raw.type === 'error' ? [...waiting.values()][0] : undefined);
    resolve?.(raw);
  });
  const ask = <T extends ChildMessage['type']>(
    message: ParentMessage | undefined,
    expect: T,
    timeoutMs = 30_000,
  ): Promise<Extract<ChildMessage, { type: T }>> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        waiting.delete(expect);
        reject(new Error(`runtime child: no ${expect} within ${timeoutMs} ms`));
      }, timeoutMs);
      const exit = () => reject(new Error(`runtime child exited: ${failure ?? 'no message'}`));
      child.once('exit', exit);
      waiting.set(expect, (reply) => {
        clearTimeout(timer);
        waiting.delete(expect);
        child.off('exit', exit);
        if (reply.type === 'error') reject(new Error(`runtime child: ${reply.message}`));
        else resolve(reply as Extract<ChildMessage, { type: T }>);
      });
      if (message) child.send(message);
    });
  const ready = await ask(undefined, 'ready', 60_000);
  return {
    process: child,
    url: ready.url,
    adminToken: ready.adminToken,
    ingestToken: ready.ingestToken,
    startupRss: ready.startupRss,
    ask,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.send({ type: 'stop' } satisfies ParentMessage);
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Measurements.

interface CpuShares {
  /** Cores used on average over the loop (warm-up included), per process. */
  readonly [process: string]: number;
}

async function withCpu<T>(pids: Readonly<Record<string, number | undefined>>, run: () => Promise<T>) {
  const self = process.cpuUsage();
  const before = Object.fromEntries(Object.entries(pids).map(([name, pid]) => [name, cpuSeconds(pid)]));
  const t0 = performance.now();
  const result = await run();
  const seconds = (performance.now() - t0) / 1000;
  const used = process.cpuUsage(self);
  const cpu: Record<string, number> = {
    'bench (load generator, SMTP sink)': (used.user + used.system) / 1e6 / seconds,
  };
  for (const [name, pid] of Object.entries(pids)) cpu[name] = (cpuSeconds(pid) - (before[name] ?? 0)) / seconds;
  return { result, cpu: cpu as CpuShares };
}

interface Series {
  readonly runs: LoopResult[];
  readonly cpu: CpuShares[];
}

const emptySeries = (): Series => ({ runs: [], cpu: [] });

interface Variant {
  readonly name: string;
  readonly unit: string;
  readonly series: Series;
  /** One measured run. */
  readonly run: () => Promise<{ result: LoopResult; cpu: CpuShares }>;
  /** One unmeasured run (default: `run`, its figures dropped). */
  readonly warm?: () => Promise<unknown>;
}

/**
 * Runs each variant once unmeasured (DynamoDB Local's JIT warms per code path: the seeding warms
 * writes, not batched reads), then `reps` measured repetitions in alternating order (A B C, C B A,
 * ...), so neither warm-up nor drift favours whichever runs first.
 */
async function interleaved(
  options: Options,
  pids: Readonly<Record<string, number | undefined>>,
  variants: readonly Variant[],
): Promise<void> {
  for (const variant of variants) {
    progress(`warming up: ${variant.name}`);
    await (variant.warm ?? variant.run)();
  }
  for (let rep = 0; rep < options.reps; rep++) {
    const order = rep % 2 === 0 ? variants : [...variants].reverse();
    for (const variant of order) {
      const waited = await settle(pids);
      if (waited.ms > 500) progress(`  waited ${(waited.ms / 1000).toFixed(1)} s for the processes to go idle`);
      const { result, cpu } = await variant.run();
      variant.series.runs.push(result);
      variant.series.cpu.push(cpu);
      progress(`repetition ${rep + 1}/${options.reps}: ${variant.name} ${result.rate.toFixed(0)} ${variant.unit}`);
    }
  }
}

/**
 * Waits, at most 10 s, until the measured processes use under 0.15 cores: work a run leaves
 * behind (Alertmanager dispatching the alerts it was just sent, a JVM collection) must not be
 * billed to whichever variant runs next.
 */
async function settle(pids: Readonly<Record<string, number | undefined>>): Promise<{ ms: number }> {
  const total = () => Object.values(pids).reduce<number>((sum, pid) => sum + cpuSeconds(pid), 0);
  const start = performance.now();
  let last = total();
  while (performance.now() - start < 10_000) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    const now = total();
    const cores = (now - last) / 0.25;
    last = now;
    if (cores < 0.15) break;
  }
  return { ms: performance.now() - start };
}

function check(condition: boolean, message: string): void {
  if (!condition) throw new Error(message);
}

interface IngestReply {
  received: number;
  notified: number;
  suppressed: { repeatInterval: number };
}

function parseIngest(body: string): IngestReply {
  return JSON.parse(body) as IngestReply;
}

async function main(): Promise<void> {
  const options = parseOptions(process.argv.slice(2));
  const hardLimit = setTimeout(() => {
    progress(`hard limit of ${HARD_LIMIT_MS / 60_000} min reached: stopping`);
    void cleanup().finally(() => process.exit(1));
  }, HARD_LIMIT_MS);
  hardLimit.unref();
  const began = performance.now();

  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'alertmail-bench-'));
  cleanups.push({ name: 'temp dir', run: () => fs.rm(workDir, { recursive: true, force: true }) });
  const dataDir = path.join(workDir, 'runtime');
  const prefix = `bench${randomBytes(4).toString('hex')}-`;
  const tables = { config: `${prefix}config`, state: `${prefix}state`, deliveries: `${prefix}deliveries` };

  progress('starting DynamoDB Local, the SMTP sink and Alertmanager');
  const [dynamo, sink, alertmanager] = await Promise.all([
    startDynamoDbLocal(options.diskStore ? { dbPath: path.join(workDir, 'dynamodb') } : {}).then((d: DynamoDbLocal) => {
      children.add(d.process);
      cleanups.push({ name: 'DynamoDB Local', run: () => d.stop() });
      return d;
    }),
    startSmtpSink().then((s: SmtpSink) => {
      cleanups.push({ name: 'SMTP sink', run: () => s.stop() });
      return s;
    }),
    startAlertmanager(path.join(workDir, 'alertmanager')).then((a: Alertmanager) => {
      children.add(a.process);
      cleanups.push({ name: 'Alertmanager', run: () => a.stop() });
      return a;
    }),
  ]);
  progress(`DynamoDB Local ${dynamo.endpoint}, Alertmanager ${alertmanager.version} ${alertmanager.url}`);

  progress('starting the local runtime in a child process');
  const childScript = await buildRuntimeChild();
  const runtime = await startRuntimeChild(childScript, {
    BENCH_DYNAMODB_ENDPOINT: dynamo.endpoint,
    BENCH_TABLE_PREFIX: prefix,
    BENCH_DATA_DIR: dataDir,
    BENCH_SMTP_PORT: String(sink.port),
    BENCH_RECIPIENT: RECIPIENT,
  });
  cleanups.push({ name: 'runtime child', run: () => runtime.stop() });
  progress(`runtime ${runtime.url} (pid ${runtime.process.pid})`);

  const pids = {
    'runtime (node)': runtime.process.pid,
    'DynamoDB Local (java)': dynamo.process.pid,
    'Alertmanager (go)': alertmanager.process.pid,
  };
  const alertmail = new HttpClient(runtime.url, CONNECTIONS);
  const am = new HttpClient(alertmanager.url, CONNECTIONS);
  cleanups.push({
    name: 'HTTP clients',
    run: async () => {
      alertmail.close();
      am.close();
    },
  });
  const ingestHeaders = { authorization: `Bearer ${runtime.ingestToken}`, 'content-type': 'application/json' };
  const jsonHeaders = { 'content-type': 'application/json' };
  const db = new DynamoDBClient({
    endpoint: dynamo.endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    // As alertmail's SDK client (lib/adapters/aws-sdk.ts).
    cacheMiddleware: true,
  });
  cleanups.push({ name: 'DynamoDB client', run: async () => db.destroy() });

  // --- Seed the steady state: every pool alert notified once (POOL_BATCHES emails). ---------
  const runId = randomBytes(3).toString('hex');
  const times = alertTimes();
  const pool = Array.from({ length: POOL_BATCHES }, (_, b) =>
    Buffer.from(
      JSON.stringify(
        Array.from({ length: BATCH }, (_, i) => makeAlert(`s${runId}`, b * BATCH + i, times.startsAt, times.endsAt)),
      ),
    ),
  );
  progress(`seeding ${POOL_BATCHES * BATCH} alerts (${POOL_BATCHES} emails)`);
  const mailsBefore = sink.count();
  let seeded = 0;
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async () => {
      while (seeded < pool.length) {
        const body = pool[seeded++] as Buffer;
        const reply = await alertmail.request('POST', '/v1/alerts', ingestHeaders, body);
        check(reply.status === 202, `seeding: POST /v1/alerts answered ${reply.status}: ${reply.body.slice(0, 300)}`);
        check(parseIngest(reply.body).notified === BATCH, `seeding: expected ${BATCH} notified, got ${reply.body}`);
      }
    }),
  );
  check(sink.count() - mailsBefore === POOL_BATCHES, 'seeding: the SMTP sink did not get one email per request');
  const keys: Record<string, AttributeValue>[] = [];
  let startKey: Record<string, AttributeValue> | undefined;
  for (let page = 0; page < 100; page++) {
    const out = await db.send(
      new ScanCommand({ TableName: tables.state, ProjectionExpression: 'pk', ExclusiveStartKey: startKey }),
    );
    for (const item of out.Items ?? []) if (item.pk) keys.push({ pk: item.pk });
    startKey = out.LastEvaluatedKey;
    if (!startKey) break;
  }
  check(keys.length === POOL_BATCHES * BATCH, `expected ${POOL_BATCHES * BATCH} state items, found ${keys.length}`);

  // --- 1. Steady state: alertmail vs raw BatchGetItem vs Alertmanager, interleaved. ---------------
  const loop = (op: (worker: number) => Promise<number>, maxOps = 1_000_000) =>
    closedLoop({ concurrency: CONNECTIONS, warmupMs: options.warmupMs, durationMs: options.durationMs, maxOps, op });
  let cursor = 0;
  const nextPoolBody = () => pool[cursor++ % pool.length] as Buffer;
  let steadyAnomalies = 0;
  /** Posts `bodies` in turn to alertmail; all their alerts are notified already, so none may be again. */
  const steadyPostOp = (bodies: readonly Buffer[]) => {
    let next = 0;
    return async () => {
      const reply = await alertmail.request(
        'POST',
        '/v1/alerts',
        ingestHeaders,
        bodies[next++ % bodies.length] as Buffer,
      );
      if (reply.status !== 202)
        throw new Error(`POST /v1/alerts answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      const result = parseIngest(reply.body);
      if (result.notified !== 0) steadyAnomalies++;
      return result.received;
    };
  };
  type StateReads = Record<string, { Keys: Record<string, AttributeValue>[]; ConsistentRead: boolean }>;
  /** Reads the pool's state keys `size` at a time, in turn, through `read`; counts the keys read. */
  const batchReadOp = (
    size: number,
    read: (requestItems: StateReads) => Promise<{ UnprocessedKeys?: Record<string, { Keys?: unknown[] }> }>,
  ) => {
    let next = 0;
    return async () => {
      const start = (next++ * BATCH) % keys.length;
      const batch = keys.slice(start, start + size);
      const out = await read({ [tables.state]: { Keys: batch, ConsistentRead: true } });
      return batch.length - (out.UnprocessedKeys?.[tables.state]?.Keys?.length ?? 0);
    };
  };
  const sdkRead = (RequestItems: StateReads) => db.send(new BatchGetItemCommand({ RequestItems }));
  const steadyOp = steadyPostOp(pool);
  const batchGetOp = batchReadOp(BATCH, sdkRead);
  const alertmanagerOp = async () => {
    const reply = await am.request('POST', '/api/v2/alerts', jsonHeaders, nextPoolBody());
    if (reply.status !== 200) throw new Error(`Alertmanager answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    return BATCH;
  };

  // The same comparison at Prometheus's own batch size (its notifier posts at most 64 alerts):
  // the first 64 alerts of each pool body, against 64-key batch reads.
  const pool64 = pool.map((body) =>
    Buffer.from(JSON.stringify((JSON.parse(body.toString('utf8')) as V2Alert[]).slice(0, PROMETHEUS_BATCH))),
  );
  const steady64Op = steadyPostOp(pool64);
  const batchGet64Op = batchReadOp(PROMETHEUS_BATCH, sdkRead);

  const steady = emptySeries();
  const batchGet = emptySeries();
  const steady64 = emptySeries();
  const batchGet64 = emptySeries();
  const amSeries = emptySeries();
  const memory: MemoryReport[] = [];
  if (options.only.has('steady'))
    await interleaved(options, pids, [
      {
        name: 'alertmail steady state',
        unit: 'alerts/s',
        series: steady,
        run: async () => {
          await runtime.ask({ type: 'mem-reset' }, 'mem', 2_000).catch(() => undefined);
          const measured = await withCpu(pids, () => loop(steadyOp));
          memory.push(await runtime.ask({ type: 'mem-read' }, 'mem'));
          return measured;
        },
        warm: () => loop(steadyOp),
      },
      { name: 'raw BatchGetItem', unit: 'keys/s', series: batchGet, run: () => withCpu(pids, () => loop(batchGetOp)) },
      {
        name: 'Alertmanager',
        unit: 'alerts/s',
        series: amSeries,
        run: () => withCpu(pids, () => loop(alertmanagerOp)),
      },
    ]);

  if (options.only.has('steady64'))
    await interleaved(options, pids, [
      {
        name: 'alertmail steady state, 64 per post',
        unit: 'alerts/s',
        series: steady64,
        run: () => withCpu(pids, () => loop(steady64Op)),
      },
      {
        name: 'raw BatchGetItem, 64 keys',
        unit: 'keys/s',
        series: batchGet64,
        run: () => withCpu(pids, () => loop(batchGet64Op)),
      },
    ]);

  // --- 1c. The steady state with 10 routes, 100 silences and 10 mute windows configured (through the
  // HTTP API) vs the one (default) route alone. None of the silences or windows holds a pool alert now.
  const oneRoute = emptySeries();
  const tenRoutes = emptySeries();
  if (options.only.has('routes')) {
    const adminHeaders = { authorization: `Bearer ${runtime.adminToken}`, 'content-type': 'application/json' };
    const routes = Array.from({ length: BENCH_ROUTES }, (_, i) => ({
      name: `bench-team-${i}`,
      recipients: [`team${i}@bench.invalid`],
      conditions: [
        { label: 'namespace', operator: 'In', values: [`team-${i % 7}`] },
        ...(i >= 7 ? [{ label: 'severity', operator: 'Matches', values: ['crit.*'] }] : []),
      ],
      // Every third route lets the alert on to the next match too (Alertmanager's `continue`).
      continue: i % 3 === 0,
      muteWindows: [`bench-window-${i}`],
    }));
    // Windows that are not open now (February nights) and silences that match no pool alert.
    const windows = Array.from({ length: BENCH_ROUTES }, (_, i) => ({
      name: `bench-window-${i}`,
      intervals: [{ months: ['february'], times: [{ start: `0${i % 6}:00`, end: '06:00' }] }],
    }));
    const silenceBodies = Array.from({ length: BENCH_SILENCES }, (_, i) =>
      JSON.stringify({
        matchers: [{ label: 'alertname', operator: 'In', values: [`BenchNeverFires${i}`] }],
        endsAt: new Date(Date.now() + 86_400_000).toISOString(),
        comment: 'bench: matches no alert',
      }),
    );
    let silenceIds: string[] = [];
    let configured = false;
    let seeded = false;
    const send = async (method: string, url: string, expect: number, body?: string) => {
      const reply = await alertmail.request(method, url, adminHeaders, body);
      check(reply.status === expect, `routes: ${method} ${url} answered ${reply.status}: ${reply.body.slice(0, 200)}`);
      return reply.body;
    };
    const configure = async (on: boolean) => {
      if (configured === on) return;
      if (on) {
        for (const window of windows) await send('PUT', `/v1/mute-windows/${window.name}`, 201, JSON.stringify(window));
        for (const route of routes) await send('POST', '/v1/routes', 201, JSON.stringify(route));
        silenceIds = [];
        for (const body of silenceBodies)
          silenceIds.push((JSON.parse(await send('POST', '/v1/silences', 201, body)) as { id: string }).id);
      } else {
        for (const id of silenceIds) await send('DELETE', `/v1/silences/${id}`, 204);
        for (const route of routes) await send('DELETE', `/v1/routes/${route.name}`, 204);
        for (const window of windows) await send('DELETE', `/v1/mute-windows/${window.name}`, 204);
      }
      configured = on;
      if (on && !seeded) {
        // The new (route, alert) pairs are new: notify them once, so what follows is the steady state.
        for (const body of pool) {
          const reply = await alertmail.request('POST', '/v1/alerts', ingestHeaders, body);
          check(reply.status === 202, `routes: seeding answered ${reply.status}: ${reply.body.slice(0, 200)}`);
        }
        seeded = true;
      }
    };
    await interleaved(options, pids, [
      {
        name: 'alertmail steady state, 1 route',
        unit: 'alerts/s',
        series: oneRoute,
        run: async () => {
          await configure(false);
          return withCpu(pids, () => loop(steadyOp));
        },
        warm: async () => {
          await configure(false);
          return loop(steadyOp);
        },
      },
      {
        name: `alertmail steady state, ${BENCH_ROUTES} routes, ${BENCH_SILENCES} silences, ${BENCH_ROUTES} mute windows`,
        unit: 'alerts/s',
        series: tenRoutes,
        run: async () => {
          await configure(true);
          return withCpu(pids, () => loop(steadyOp));
        },
        warm: async () => {
          await configure(true);
          return loop(steadyOp);
        },
      },
    ]);
    await configure(false);
  }

  // --- Profile of the runtime child under the steady-state load. --------------------------------
  /** A CPU profile of the runtime child under one load, summarised; the raw profile kept in cdk.out/bench/. */
  const profileUnder = async (load: string, op: () => Promise<number>, top: number) => {
    progress(`profiling the runtime under the ${load} load`);
    const file = path.join(workDir, `${load}.cpuprofile`);
    await runtime.ask({ type: 'profile-start' }, 'profile-started');
    await closedLoop({ concurrency: CONNECTIONS, warmupMs: 0, durationMs: options.profileMs, maxOps: 1e6, op });
    await runtime.ask({ type: 'profile-stop', file }, 'profile-done', 60_000);
    const kept = path.join(REPO_ROOT, 'cdk.out', 'bench', `${load}.cpuprofile`);
    await fs.mkdir(path.dirname(kept), { recursive: true });
    await fs.copyFile(file, kept);
    return { summary: summarizeProfile(file, REPO_ROOT, top, bundleMap(childScript)), kept };
  };
  const { summary: profile, kept: keptProfile } = await profileUnder('steady-state', steadyOp, 15);

  // --- 2. New alerts: alertmail vs raw conditional PutItem, interleaved. -------------------------
  let fresh = 0;
  let newAnomalies = 0;
  const newOp = async () => {
    const t = alertTimes();
    const batch = fresh++;
    const body = JSON.stringify(
      Array.from({ length: BATCH }, (_, i) => makeAlert(`n${runId}-${batch}`, i, t.startsAt, t.endsAt)),
    );
    const reply = await alertmail.request('POST', '/v1/alerts', ingestHeaders, body);
    if (reply.status !== 202) throw new Error(`POST /v1/alerts answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    const result = parseIngest(reply.body);
    if (result.notified !== BATCH) newAnomalies++;
    return result.notified;
  };
  let rawKey = 0;
  /** The very item and condition of a claim (lib/adapters/dynamodb/dynamo-state-store.ts), on a new key. */
  const claimPut = () => {
    const nowMs = Date.now();
    const nowSeconds = Math.floor(nowMs / 1000);
    return {
      TableName: tables.state,
      Item: {
        pk: { S: `raw-${runId}-${rawKey++}` },
        status: { S: 'pending' },
        claimId: { S: '3b241101-e2bb-4255-8caf-4136c566a962' },
        expiresAt: { N: String(nowSeconds + 90) },
      },
      ConditionExpression:
        'attribute_not_exists(pk) OR expiresAt <= :now OR (#status = :sent AND sentAt <= :dueBefore)',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: {
        ':now': { N: String(nowSeconds) },
        ':sent': { S: 'sent' },
        ':dueBefore': { N: String(nowMs - 12 * 3_600_000) },
      },
    };
  };
  const putOp = async () => {
    await db.send(new PutItemCommand(claimPut()));
    return 1;
  };
  // The batched form alertmail's claims take: 100 conditional puts in one transaction.
  const transactOp = async () => {
    await db.send(
      new TransactWriteItemsCommand({ TransactItems: Array.from({ length: BATCH }, () => ({ Put: claimPut() })) }),
    );
    return BATCH;
  };
  const newAlerts = emptySeries();
  const rawPut = emptySeries();
  const rawTransact = emptySeries();
  const mailsBeforeNew = sink.count();
  if (options.only.has('new'))
    await interleaved(options, pids, [
      {
        name: 'alertmail new alerts',
        unit: 'alerts/s',
        series: newAlerts,
        run: () => withCpu(pids, () => loop(newOp, 20_000)),
      },
      {
        name: 'raw conditional PutItem',
        unit: 'writes/s',
        series: rawPut,
        run: () => withCpu(pids, () => loop(putOp)),
      },
      {
        name: 'raw TransactWriteItems',
        unit: 'writes/s',
        series: rawTransact,
        run: () => withCpu(pids, () => loop(transactOp)),
      },
    ]);
  if (options.profileNew) {
    const { summary } = await profileUnder('new-alerts', newOp, 25);
    process.stdout.write(
      `\nnew-alert profile: ${summary.totalMs.toFixed(0)} ms, busy ${(summary.busyShare * 100).toFixed(0)} %\n`,
    );
    for (const entry of [...summary.groups, ...summary.functions]) {
      process.stdout.write(`  ${entry.name}: ${entry.ms.toFixed(1)} ms (${(entry.share * 100).toFixed(1)} %)\n`);
    }
  }
  const newMails = sink.count() - mailsBeforeNew;

  // --- 3. Latency: POST → the SMTP server accepting the email. ----------------------------------
  progress(`latency: ${options.latencyPosts} sequential single-alert posts`);
  const latencies: number[] = [];
  const responseTimes: number[] = [];
  /** POST → the SMTP connection arriving (alertmail's part), and connection → accepted (the SMTP session). */
  const untilConnect: number[] = [];
  const sessions: number[] = [];
  let latencyErrors = 0;
  let keptConnections = 0;
  const latencyDeadline = performance.now() + 90_000;
  const latencyPosts = options.only.has('latency') ? options.latencyPosts : 0;
  for (let i = 0; i < latencyPosts && performance.now() < latencyDeadline; i++) {
    const t = alertTimes();
    const token = `BenchLatency${runId}x${i}`;
    const body = JSON.stringify([makeAlert(`l${runId}`, i, t.startsAt, t.endsAt, token)]);
    const t0 = performance.now();
    const accepted = sink.waitFor(token, 10_000);
    try {
      const reply = await alertmail.request('POST', '/v1/alerts', ingestHeaders, body);
      const t1 = performance.now();
      if (reply.status !== 202) throw new Error(`answered ${reply.status}`);
      const sink = await accepted;
      latencies.push(sink.acceptedAt - t0);
      // A mail over a connection kept from an earlier one has no connection of its own to split at.
      if (sink.connectedAt >= t0) {
        untilConnect.push(sink.connectedAt - t0);
        sessions.push(sink.acceptedAt - sink.connectedAt);
      } else keptConnections++;
      responseTimes.push(t1 - t0);
    } catch {
      latencyErrors++;
      await accepted.catch(() => undefined);
    }
  }
  for (const list of [latencies, responseTimes, untilConnect, sessions]) list.sort((a, b) => a - b);

  // --- 3b. Latency as users see it: alertmail and Alertmanager to the same aiosmtpd, interleaved. ---
  let inbox: InboxLatency | undefined;
  if (options.only.has('inbox')) {
    if (!hasAiosmtpd()) throw new Error('the inbox latency row needs Debian python3-aiosmtpd (.ci/run installs it)');
    progress(`inbox latency: ${options.latencyPosts} posts each to aiosmtpd, alertmail and Alertmanager in turn`);
    const aiosmtpd = await startAiosmtpdSink();
    children.add(aiosmtpd.process);
    cleanups.push({ name: 'aiosmtpd', run: () => aiosmtpd.stop() });
    const emailing = await startAlertmanager(path.join(workDir, 'alertmanager-email'), {
      smtpPort: aiosmtpd.port,
      to: RECIPIENT,
    });
    children.add(emailing.process);
    cleanups.push({ name: 'Alertmanager (email)', run: () => emailing.stop() });
    const emailingClient = new HttpClient(emailing.url, 1);
    const adminHeaders = { authorization: `Bearer ${runtime.adminToken}`, 'content-type': 'application/json' };
    const pointAt = async (port: number) => {
      const reply = await alertmail.request(
        'PUT',
        '/v1/config/server',
        adminHeaders,
        JSON.stringify({ host: '127.0.0.1', port, security: 'none', from: 'alertmail@bench.invalid' }),
      );
      check(reply.status === 200, `PUT /v1/config/server answered ${reply.status}: ${reply.body.slice(0, 200)}`);
    };
    await pointAt(aiosmtpd.port);
    try {
      inbox = await measureInboxLatency({
        posts: options.latencyPosts,
        runId,
        sink: aiosmtpd,
        alertmail,
        ingestHeaders,
        alertmanager: emailingClient,
        startPhases: async () => {
          await runtime.ask({ type: 'phases-start' }, 'phases-started');
        },
        stopPhases: async () => (await runtime.ask({ type: 'phases-stop' }, 'phases')).marks,
        deadline: performance.timeOrigin + performance.now() + 120_000,
      });
      progress(
        `inbox latency p50: alertmail ${inbox.alertmail.p50Ms.toFixed(1)} ms, Alertmanager ${inbox.alertmanager.p50Ms.toFixed(1)} ms`,
      );
    } finally {
      emailingClient.close();
      await pointAt(sink.port);
    }
  }

  // --- 3c. Counts per request for the cost page: a runtime of its own behind a counting proxy. ------
  const counted: CountedShape[] = [];
  if (options.only.has('cost')) {
    progress('cost pass: counting store calls and capacity units per request');
    const counting = await startCountingStore(dynamo.endpoint);
    cleanups.push({ name: 'counting store', run: () => counting.stop() });
    // Tables of its own: what a deployment with no silences reads (the routes part leaves 100 expired
    // silences in its silences document, which every request reads whole: ~20 read units each).
    const countedRuntime = await startRuntimeChild(childScript, {
      BENCH_DYNAMODB_ENDPOINT: counting.endpoint,
      BENCH_TABLE_PREFIX: `${prefix}cost-`,
      BENCH_DATA_DIR: dataDir,
      BENCH_SMTP_PORT: String(sink.port),
      BENCH_RECIPIENT: RECIPIENT,
    });
    cleanups.push({ name: 'counted runtime child', run: () => countedRuntime.stop() });
    const client = new HttpClient(countedRuntime.url, 1);
    const count = async (
      name: string,
      bodies: readonly (Buffer | string)[],
      batch: number,
      /** null: not checked (a pool that overlaps one notified before). */
      notified: number | null,
    ) => {
      // One unmeasured post of the shape first (the first mail loads nodemailer).
      const times: number[] = [];
      const mailsBefore = sink.count();
      counting.reset();
      for (const body of bodies) {
        const t0 = performance.now();
        const reply = await client.request('POST', '/v1/alerts', ingestHeaders, body);
        times.push(performance.now() - t0);
        check(reply.status === 202, `cost pass ${name}: answered ${reply.status}: ${reply.body.slice(0, 200)}`);
        check(
          notified === null || parseIngest(reply.body).notified === notified,
          `cost pass ${name}: ${reply.body.slice(0, 200)}`,
        );
      }
      const tally = counting.tally();
      counted.push({
        name,
        batch,
        requests: bodies.length,
        alerts: bodies.length * batch,
        readUnits: tally.readUnits,
        writeUnits: tally.writeUnits,
        calls: tally.calls,
        emails: sink.count() - mailsBefore,
        requestP50Ms: percentile(
          times.sort((a, b) => a - b),
          50,
        ),
      });
    };
    const freshBodies = (tag: string, requests: number, size: number) =>
      Array.from({ length: requests }, (_, r) => {
        const t = alertTimes();
        return JSON.stringify(
          Array.from({ length: size }, (_, i) => makeAlert(`c${tag}${runId}-${r}`, i, t.startsAt, t.endsAt)),
        );
      });
    try {
      await count('warm-up', freshBodies('w', 2, BATCH), BATCH, BATCH);
      // The steady-state pools, notified once in these tables, so that the counted posts are re-sends.
      await count('notified once', pool.slice(0, 20), BATCH, BATCH);
      await count('notified once, 64', pool64.slice(0, 20), PROMETHEUS_BATCH, null);
      counted.length = 0;
      await count('steady state, 100 per post', pool.slice(0, 20), BATCH, 0);
      await count('steady state, 64 per post', pool64.slice(0, 20), PROMETHEUS_BATCH, 0);
      await count('new alerts, 100 per post', freshBodies('n', 10, BATCH), BATCH, BATCH);
      await count('new alerts, 1 per post', freshBodies('o', 20, 1), 1, 1);
    } finally {
      client.close();
    }
  }

  // --- 4. Bundles and cold starts. ---------------------------------------------------------------
  progress('bundling the functions and measuring cold starts');
  const bundleDir = path.join(workDir, 'bundles');
  const { bundles, source: bundlingSource } = await buildBundles(REPO_ROOT, bundleDir);
  const home = path.join(workDir, 'home');
  await fs.mkdir(home, { recursive: true });
  const functionEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: home,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ALERTMAIL_CONFIG_TABLE: tables.config,
    ALERTMAIL_STATE_TABLE: tables.state,
    ALERTMAIL_DELIVERIES_TABLE: tables.deliveries,
    ALERTMAIL_SECRETS_BACKEND: 'file',
    ALERTMAIL_DATA_DIR: dataDir,
    ALERTMAIL_DYNAMODB_ENDPOINT: dynamo.endpoint,
    ...(existsSync(path.join(REPO_ROOT, 'web', 'dist', 'index.html'))
      ? { ALERTMAIL_CONSOLE_DIR: path.join(REPO_ROOT, 'web', 'dist') }
      : {}),
  };
  const firstPoolAlert = (JSON.parse((pool[0] as Buffer).toString('utf8')) as V2Alert[])[0];
  const events: Record<FunctionName, unknown> = {
    api: httpEvent('GET', '/v1/config', { authorization: `Bearer ${runtime.adminToken}` }),
    ingest: httpEvent('POST', '/v1/alerts', ingestHeaders, JSON.stringify([firstPoolAlert])),
    console: httpEvent('GET', '/', {}),
  };
  const coldStarts: ColdStartRow[] = await measureColdStarts({
    bundles,
    env: functionEnv,
    events,
    runs: options.only.has('cold') ? options.coldRuns : 0,
    deadline: Date.now() + 120_000,
  });

  progress('profiling one cold start of ingest');
  let coldProfile: ProfileSummary | undefined;
  if (options.only.has('cold'))
    try {
      const cold = await profileColdStart(REPO_ROOT, 'ingest', bundleDir, functionEnv, events.ingest);
      coldProfile = summarizeProfile(cold.profile, REPO_ROOT, 15, bundleMap(cold.bundle));
      await fs.copyFile(cold.profile, path.join(path.dirname(keptProfile), 'ingest-cold-start.cpuprofile'));
    } catch (error) {
      progress(`cold-start profile failed: ${String(error)}`);
    }

  // --- Peaks of the other processes (whole run). ------------------------------------------------
  const otherPeaks = {
    'DynamoDB Local (java)': peakRssOf(dynamo.process.pid),
    'Alertmanager (go)': peakRssOf(alertmanager.process.pid),
  };

  progress('stopping everything');
  await cleanup();

  const report: BenchReport = {
    date: new Date().toISOString(),
    command: `npm run bench${process.argv.length > 2 ? ` -- ${process.argv.slice(2).join(' ')}` : ''}`,
    machine: machine(),
    commit: gitCommit(),
    alertmanagerVersion: alertmanager.version,
    store: options.diskStore ? 'on disk (-dbPath, as `npm start`)' : 'in memory (-inMemory)',
    options: {
      reps: options.reps,
      warmupSeconds: options.warmupMs / 1000,
      durationSeconds: options.durationMs / 1000,
      connections: CONNECTIONS,
      batch: BATCH,
      poolAlerts: POOL_BATCHES * BATCH,
    },
    steady,
    batchGet,
    alertmanager: amSeries,
    steady64,
    batchGet64,
    oneRoute,
    tenRoutes,
    steadyAnomalies,
    newAlerts,
    rawPut,
    rawTransact,
    newAnomalies,
    newMails,
    latency: {
      posts: latencies.length,
      errors: latencyErrors,
      p50Ms: percentile(latencies, 50),
      p99Ms: percentile(latencies, 99),
      maxMs: latencies[latencies.length - 1] ?? Number.NaN,
      responseP50Ms: percentile(responseTimes, 50),
      untilConnectP50Ms: percentile(untilConnect, 50),
      sessionP50Ms: percentile(sessions, 50),
      keptConnections,
    },
    inbox,
    counted,
    coldStarts,
    bundlingSource,
    memory: {
      peakRss: Math.max(...memory.map((m) => m.peakRss)),
      peakRssMedian: median(memory.map((m) => m.peakRss)),
      peakHeapUsed: Math.max(...memory.map((m) => m.peakHeapUsed)),
      lifetimeMaxRss: Math.max(...memory.map((m) => m.lifetimeMaxRss)),
      startupRss: runtime.startupRss,
      others: otherPeaks,
    },
    profile,
    coldProfile,
    profileFile: path.relative(REPO_ROOT, keptProfile),
    elapsedSeconds: (performance.now() - began) / 1000,
  };
  const markdown = renderReport(report);
  process.stdout.write(`${markdown.table}\n\n${markdown.profile}\n`);
  if (options.write) {
    await updateBenchmarksFile(path.join(REPO_ROOT, 'BENCHMARKS.md'), markdown);
    progress('BENCHMARKS.md updated');
  }
  progress(`done in ${report.elapsedSeconds.toFixed(0)} s`);
}

function machine(): BenchReport['machine'] {
  const cpus = os.cpus();
  let nproc = String(os.availableParallelism());
  try {
    nproc = execFileSync('nproc', { encoding: 'utf8' }).trim();
  } catch {
    // keep availableParallelism
  }
  return {
    nproc,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    memoryGiB: os.totalmem() / 1024 ** 3,
    node: process.version,
    os: `${os.type()} ${os.release()}`,
  };
}

function gitCommit(): string {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: REPO_ROOT, encoding: 'utf8' }).trim();
    const dirty = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
    }).trim();
    return dirty ? `${commit} + uncommitted changes` : commit;
  } catch {
    return 'unknown';
  }
}

main().then(
  () => process.exit(0),
  async (error: unknown) => {
    process.stderr.write(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    await cleanup();
    process.exit(1);
  },
);
