/**
 * Only the cold-start part of `npm run bench`, with more repetitions: starts DynamoDB Local and
 * an in-process local runtime (tables, tokens, the development mailbox as the mail server, one
 * recipient), notifies one alert once, warms DynamoDB Local's JVM (as bench/run.ts's load phases
 * have when it gets to the cold starts), then measures fresh `node` processes serving the events
 * bench/run.ts uses (ingest re-posts the already-notified alert, api is `GET /v1/config`,
 * console is `GET /`) next to a bare `node -e 0`, interleaved.
 *
 *   npx tsx bench/cold-start-only.ts                    # 15 runs of each function
 *   npx tsx bench/cold-start-only.ts --runs 25 --functions ingest,api
 *   npx tsx bench/cold-start-only.ts --profile          # and a `node --cpu-prof` cold start of ingest (unminified)
 *   npx tsx bench/cold-start-only.ts --hold             # keep DynamoDB Local up; writes env + events for ad-hoc runs
 */
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { ConflictError } from '../lib/errors';
import { startDynamoDbLocal } from '../local/dynamodb';
import { startLocalRuntime } from '../local/runtime';
import {
  buildBundles,
  FUNCTIONS,
  type FunctionName,
  httpEvent,
  measureColdStarts,
  profileColdStart,
} from './cold-start';

const REPO_ROOT = path.resolve(__dirname, '..');

function option(argv: readonly string[], name: string): string | undefined {
  const index = argv.indexOf(`--${name}`);
  return index < 0 ? undefined : argv[index + 1];
}

const ms = (value: number | undefined): string =>
  value === undefined || Number.isNaN(value) ? '' : `${value.toFixed(value < 10 ? 1 : 0)} ms`;

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const runs = Math.max(1, Math.min(60, Number(option(argv, 'runs') ?? 15)));
  const wanted = new Set((option(argv, 'functions') ?? FUNCTIONS.map((f) => f.name).join(',')).split(','));
  const workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'alertmail-cold-'));
  const dataDir = path.join(workDir, 'runtime');
  const prefix = `cold${randomBytes(3).toString('hex')}-`;
  const dynamo = await startDynamoDbLocal();
  let runtime: Awaited<ReturnType<typeof startLocalRuntime>> | undefined;
  try {
    runtime = await startLocalRuntime({
      port: 0,
      mailboxPort: 0,
      dataDir,
      dynamodbEndpoint: dynamo.endpoint,
      tablePrefix: prefix,
      log: () => {},
    });
    try {
      await runtime.app.config.addRecipient('oncall@bench.invalid');
    } catch (error) {
      if (!(error instanceof ConflictError)) throw error;
    }
    const now = Date.now();
    const alert = {
      labels: { alertname: 'ColdStart', instance: 'bench-1', severity: 'critical' },
      annotations: { summary: 'cold start bench' },
      startsAt: new Date(now - 600_000).toISOString(),
      endsAt: new Date(now + 3_600_000).toISOString(),
      generatorURL: 'http://prometheus.invalid/graph',
    };
    const ingestHeaders = { authorization: `Bearer ${runtime.ingestToken}`, 'content-type': 'application/json' };
    const body = JSON.stringify([alert]);
    const first = await fetch(`${runtime.url}/v1/alerts`, { method: 'POST', headers: ingestHeaders, body });
    const firstReply = (await first.json()) as { notified?: number };
    if (first.status !== 202 || firstReply.notified !== 1) {
      throw new Error(`seeding the alert: ${first.status} ${JSON.stringify(firstReply)}`);
    }

    // Warm DynamoDB Local's JVM as bench/run.ts has when it measures cold starts (after its load
    // phases): a fresh JVM answers its first thousand requests several times slower while its JIT
    // warms, which would count against the functions' first request. Bounded in count and time.
    const warmUntil = Date.now() + 15_000;
    const adminHeaders = { authorization: `Bearer ${runtime.adminToken}` };
    for (let i = 0; i < 1500 && Date.now() < warmUntil; i += 4) {
      await Promise.all([
        fetch(`${runtime.url}/v1/alerts`, { method: 'POST', headers: ingestHeaders, body }).then((r) =>
          r.arrayBuffer(),
        ),
        fetch(`${runtime.url}/v1/alerts`, { method: 'POST', headers: ingestHeaders, body }).then((r) =>
          r.arrayBuffer(),
        ),
        fetch(`${runtime.url}/v1/config`, { headers: adminHeaders }).then((r) => r.arrayBuffer()),
        fetch(`${runtime.url}/v1/config`, { headers: adminHeaders }).then((r) => r.arrayBuffer()),
      ]);
    }

    const functionEnv: NodeJS.ProcessEnv = {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: path.join(workDir, 'home'),
      AWS_REGION: 'us-east-1',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ALERTMAIL_CONFIG_TABLE: `${prefix}config`,
      ALERTMAIL_STATE_TABLE: `${prefix}state`,
      ALERTMAIL_DELIVERIES_TABLE: `${prefix}deliveries`,
      ALERTMAIL_SECRETS_BACKEND: 'file',
      ALERTMAIL_DATA_DIR: dataDir,
      ALERTMAIL_DYNAMODB_ENDPOINT: dynamo.endpoint,
      ALERTMAIL_CONSOLE_DIR: path.join(REPO_ROOT, 'web', 'dist'),
    };
    await fs.mkdir(functionEnv.HOME as string, { recursive: true });
    const events: Record<FunctionName, unknown> = {
      api: httpEvent('GET', '/v1/config', { authorization: `Bearer ${runtime.adminToken}` }),
      ingest: httpEvent('POST', '/v1/alerts', ingestHeaders, body),
      console: httpEvent('GET', '/', {}),
    };

    const built = await buildBundles(REPO_ROOT, path.join(workDir, 'bundles'));
    const bundles = built.bundles.filter((b) => wanted.has(b.name));
    process.stderr.write(`${built.source}; ${runs} interleaved runs of ${bundles.map((b) => b.name).join(', ')}\n`);

    if (argv.includes('--hold')) {
      const file = path.join(workDir, 'cold-env.json');
      await fs.writeFile(file, JSON.stringify({ env: functionEnv, events, bundles }, null, 2));
      process.stderr.write(`holding; environment and events in ${file} (Ctrl-C stops)\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', () => resolve());
        process.once('SIGTERM', () => resolve());
      });
      return;
    }

    const rows = await measureColdStarts({
      bundles,
      env: functionEnv,
      events,
      runs,
      deadline: Date.now() + 15 * 60_000,
    });
    const bare = rows[0]?.wallMs ?? Number.NaN;
    console.log(`node ${process.version}, ${os.cpus().length} cores, ${runs} runs, medians`);
    console.log('| function | bundle | cold start | ÷ bare node | require() | first request | --enable-source-maps |');
    console.log('|---|---:|---:|---:|---:|---:|---:|');
    for (const row of rows) {
      const ratio = `${(row.wallMs / bare).toFixed(2)}×`;
      const maps = row.wallMsSourceMaps
        ? `${ms(row.wallMsSourceMaps)} (${(row.wallMsSourceMaps / bare).toFixed(2)}×)`
        : '';
      const size = row.bytes ? `${(row.bytes / 1024).toFixed(1)} KB` : '';
      console.log(
        `| ${row.name} | ${size} | ${ms(row.wallMs)} | ${ratio} | ${ms(row.requireMs)} | ${ms(row.requestMs)} | ${maps} |${row.error ? ` error: ${row.error}` : ''}`,
      );
    }

    if (argv.includes('--profile')) {
      const outDir = path.join(REPO_ROOT, 'cdk.out', 'bench');
      await fs.mkdir(outDir, { recursive: true });
      const { profile, bundle } = await profileColdStart(REPO_ROOT, 'ingest', workDir, functionEnv, events.ingest);
      const kept = path.join(outDir, 'ingest-cold-start.cpuprofile');
      await fs.copyFile(profile, kept);
      await fs.copyFile(bundle, path.join(outDir, 'ingest-unminified.js'));
      console.log(`\nprofile: ${kept} (bundle: ${path.join(outDir, 'ingest-unminified.js')})`);
    }
  } finally {
    await runtime?.stop().catch(() => {});
    await dynamo.stop().catch(() => {});
    await fs.rm(workDir, { recursive: true, force: true });
  }
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    console.error(error);
    process.exit(1);
  },
);
