/**
 * Per function: the bundle as the CDK stack builds it (esbuild with BUNDLING from
 * cdk/function.ts, the options bench/bundle-size.ts also uses) and its cold start: a fresh
 * `node` process requiring the bundle and serving one request against the local store,
 * next to a bare `node -e 0`; ingest and api also as deployed, their tokens read from a Secrets
 * Manager stand-in. Runs are interleaved so machine noise hits every variant alike.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { median } from './load';

export const FUNCTIONS = [
  { name: 'api', entry: 'functions/api.ts' },
  { name: 'ingest', entry: 'functions/ingest.ts' },
  { name: 'console', entry: 'functions/console.ts' },
] as const;
export type FunctionName = (typeof FUNCTIONS)[number]['name'];

interface BundlingOptions {
  readonly minify: boolean;
  readonly sourceMap: boolean;
  readonly sourcesContent: boolean;
  readonly target: string;
  readonly format: string;
  readonly mainFields: readonly string[];
  readonly externalModules: readonly string[];
  /** esbuild `supported` (cdk/function.ts ESBUILD_SUPPORTED, passed to the CDK as `esbuildArgs`). */
  readonly supported: Readonly<Record<string, boolean>>;
}

/**
 * Builds the lazily loaded chunks (cdk/function.ts LAZY_CHUNKS) a bundle refers to, beside it, with its
 * options, as the stack's afterBundling hook does. Returns their files.
 */
export async function buildLazyChunks(
  repoRoot: string,
  bundleFile: string,
  options: Pick<BundlingOptions, 'target' | 'mainFields' | 'supported' | 'externalModules'> & {
    minify: boolean;
    sourceMap: boolean;
  },
): Promise<string[]> {
  const { LAZY_CHUNKS, chunkReference } = await import('../cdk/function');
  const code = await fs.readFile(bundleFile, 'utf8');
  const files: string[] = [];
  for (const chunk of LAZY_CHUNKS) {
    if (!code.includes(chunkReference(chunk))) continue;
    const outfile = path.join(path.dirname(bundleFile), chunk.file);
    await build({
      entryPoints: [path.join(repoRoot, chunk.entry)],
      absWorkingDir: repoRoot,
      bundle: true,
      platform: 'node',
      format: 'cjs',
      outfile,
      logLevel: 'error',
      minify: options.minify,
      sourcemap: options.sourceMap,
      sourcesContent: false,
      target: options.target,
      mainFields: [...options.mainFields],
      external: [...options.externalModules],
      supported: { ...options.supported },
    });
    files.push(outfile);
  }
  return files;
}

/** The stack's esbuild options; the documented CDK defaults if cdk/function.ts cannot be loaded right now. */
async function bundlingOptions(): Promise<{ options: BundlingOptions; source: string }> {
  try {
    const { BUNDLING, ESBUILD_SUPPORTED } = await import('../cdk/function');
    return { options: { ...BUNDLING, supported: ESBUILD_SUPPORTED }, source: 'cdk/function.ts BUNDLING' };
  } catch {
    return {
      options: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: 'node22',
        format: 'cjs',
        mainFields: ['module', 'main'],
        externalModules: [],
        supported: { 'dynamic-import': false },
      },
      source: 'fallback copy of the CDK options (cdk/function.ts did not load)',
    };
  }
}

export interface Bundle {
  readonly name: FunctionName;
  readonly file: string;
  readonly bytes: number;
  /** The lazily loaded chunks beside it (nodemailer, loaded with the first mail). */
  readonly lazyBytes: number;
}

/** One function's index.js as the stack bundles it. */
async function buildFunction(
  repoRoot: string,
  entry: string,
  outfile: string,
  options: BundlingOptions,
): Promise<void> {
  await build({
    entryPoints: [path.join(repoRoot, entry)],
    absWorkingDir: repoRoot,
    bundle: true,
    platform: 'node',
    outfile,
    logLevel: 'error',
    minify: options.minify,
    sourcemap: options.sourceMap,
    sourcesContent: options.sourcesContent,
    target: options.target,
    format: options.format === 'esm' ? 'esm' : 'cjs',
    mainFields: [...options.mainFields],
    external: [...options.externalModules],
    supported: { ...options.supported },
  });
}

/** Every function's bundle, built with the stack's options. */
export async function buildBundles(repoRoot: string, outDir: string): Promise<{ bundles: Bundle[]; source: string }> {
  const { options, source } = await bundlingOptions();
  const bundles: Bundle[] = [];
  for (const fn of FUNCTIONS) {
    const outfile = path.join(outDir, fn.name, 'index.js');
    await buildFunction(repoRoot, fn.entry, outfile, options);
    // As the stack's afterBundling hook: the lazily loaded chunks beside index.js (not counted in `bytes`).
    const chunks = await buildLazyChunks(repoRoot, outfile, options);
    let lazyBytes = 0;
    for (const file of chunks) lazyBytes += (await fs.stat(file)).size;
    bundles.push({ name: fn.name, file: outfile, bytes: (await fs.stat(outfile)).size, lazyBytes });
  }
  return { bundles, source };
}

/** The script a fresh node runs: require the bundle, serve one event, report, exit (as a frozen Lambda would stop). */
const INVOKE_SCRIPT = `
const { performance } = require('node:perf_hooks');
const t0 = performance.now();
const mod = require(process.argv[2]);
const t1 = performance.now();
const event = JSON.parse(process.env.BENCH_EVENT);
Promise.resolve(mod.handler(event, {})).then((res) => {
  const t2 = performance.now();
  process.stdout.write(JSON.stringify({ status: res.statusCode, bootMs: t0, requireMs: t1 - t0, requestMs: t2 - t1 }));
  process.exit(res.statusCode < 400 ? 0 : 2);
}, (error) => { console.error(error); process.exit(3); });
`;

/**
 * A Secrets Manager stand-in on 127.0.0.1 for the deployed shape: on Lambda the first request reads
 * the API tokens with GetSecretValue, which loads the SDK's client and makes its first call. It
 * answers with the file secret of the same name (dataDir/secrets/<name>); the functions reach it
 * through the SDK's own AWS_ENDPOINT_URL_SECRETS_MANAGER.
 */
async function startSecretsManagerStandIn(
  dataDir: string,
): Promise<{ env: NodeJS.ProcessEnv; served: () => number; stop(): Promise<void> }> {
  let served = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', async () => {
      const answer = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/x-amz-json-1.1' }).end(JSON.stringify(body));
      const { SecretId } = JSON.parse(Buffer.concat(chunks).toString() || '{}') as { SecretId?: string };
      const name = path.basename(String(SecretId ?? ''));
      if (req.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue' || !name)
        return answer(400, { __type: 'InvalidRequestException', message: 'GetSecretValue only' });
      const value = await fs.readFile(path.join(dataDir, 'secrets', name), 'utf8').catch(() => undefined);
      if (value === undefined) return answer(400, { __type: 'ResourceNotFoundException', message: 'no such secret' });
      served++;
      answer(200, {
        ARN: `arn:aws:secretsmanager:us-east-1:123456789012:secret:${name}`,
        Name: name,
        SecretString: value,
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return {
    served: () => served,
    env: {
      ALERTMAIL_SECRETS_BACKEND: 'secretsmanager',
      ALERTMAIL_SMTP_SECRET_ID: 'smtp-password',
      ALERTMAIL_TOKENS_SECRET_ID: 'api-tokens',
      AWS_ENDPOINT_URL_SECRETS_MANAGER: `http://127.0.0.1:${port}`,
      AWS_ACCESS_KEY_ID: 'local',
      AWS_SECRET_ACCESS_KEY: 'local',
    },
    stop: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/** The functions measured a second time as deployed, their tokens read from Secrets Manager. */
const DEPLOYED_SHAPE: readonly FunctionName[] = ['ingest', 'api'];

interface Run {
  readonly wallMs: number;
  readonly requireMs?: number;
  readonly requestMs?: number;
  readonly status?: number;
}

function runNode(args: readonly string[], env: NodeJS.ProcessEnv, timeoutMs = 20_000): Promise<Run> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString()).slice(-2000);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('exit', (code) => {
      clearTimeout(timer);
      const wallMs = performance.now() - t0;
      if (code !== 0) return reject(new Error(`node ${args.slice(-1).join(' ')} exited ${code}: ${err || out}`));
      if (!out) return resolve({ wallMs });
      const report = JSON.parse(out) as { status: number; requireMs: number; requestMs: number };
      resolve({ wallMs, requireMs: report.requireMs, requestMs: report.requestMs, status: report.status });
    });
  });
}

export interface ColdStartRow {
  readonly name: string;
  readonly bytes?: number;
  readonly lazyBytes?: number;
  readonly runs: number;
  readonly wallMs: number;
  readonly requireMs?: number;
  readonly requestMs?: number;
  /** Median wall time with NODE_OPTIONS=--enable-source-maps, as the stack deploys. */
  readonly wallMsSourceMaps?: number;
  readonly error?: string;
}

export interface ColdStartInputs {
  readonly bundles: readonly Bundle[];
  /** Environment for the functions (the local store and file secrets). */
  readonly env: NodeJS.ProcessEnv;
  readonly events: Readonly<Record<FunctionName, unknown>>;
  readonly runs: number;
  readonly deadline: number;
}

export async function measureColdStarts(inputs: ColdStartInputs): Promise<ColdStartRow[]> {
  const scriptDir = path.dirname(inputs.bundles[0]?.file ?? '.');
  const script = path.join(scriptDir, '..', 'invoke.js');
  await fs.writeFile(script, INVOKE_SCRIPT);
  const bare: number[] = [];
  const runs = new Map<FunctionName, Run[]>();
  const withMaps = new Map<FunctionName, number[]>();
  const errors = new Map<FunctionName, string>();
  const deployed = new Map<FunctionName, Run[]>();
  const baseEnv = { ...inputs.env };
  delete baseEnv.NODE_OPTIONS;
  const secretsManager = await startSecretsManagerStandIn(String(baseEnv.ALERTMAIL_DATA_DIR));
  try {
    for (let i = 0; i < inputs.runs && Date.now() < inputs.deadline; i++) {
      bare.push((await runNode(['-e', '0'], baseEnv)).wallMs);
      for (const bundle of inputs.bundles) {
        if (errors.has(bundle.name)) continue;
        const env = { ...baseEnv, BENCH_EVENT: JSON.stringify(inputs.events[bundle.name]) };
        try {
          const run = await runNode([script, bundle.file], env);
          runs.set(bundle.name, [...(runs.get(bundle.name) ?? []), run]);
          const mapped = await runNode([script, bundle.file], { ...env, NODE_OPTIONS: '--enable-source-maps' });
          withMaps.set(bundle.name, [...(withMaps.get(bundle.name) ?? []), mapped.wallMs]);
          if (DEPLOYED_SHAPE.includes(bundle.name)) {
            const asDeployed = await runNode([script, bundle.file], { ...env, ...secretsManager.env });
            deployed.set(bundle.name, [...(deployed.get(bundle.name) ?? []), asDeployed]);
          }
        } catch (error) {
          errors.set(bundle.name, error instanceof Error ? error.message.slice(0, 300) : String(error));
        }
      }
    }
  } finally {
    await secretsManager.stop();
  }
  // Each deployed-shape run read its tokens from the stand-in, or the rows measure something else.
  const deployedRuns = [...deployed.values()].reduce((sum, list) => sum + list.length, 0);
  if (secretsManager.served() < deployedRuns)
    throw new Error(`the Secrets Manager stand-in answered ${secretsManager.served()} of ${deployedRuns} runs`);
  const rows: ColdStartRow[] = [{ name: 'bare `node -e 0`', runs: bare.length, wallMs: median(bare) }];
  for (const bundle of inputs.bundles) {
    const list = runs.get(bundle.name) ?? [];
    rows.push({
      name: bundle.name,
      bytes: bundle.bytes,
      lazyBytes: bundle.lazyBytes,
      runs: list.length,
      wallMs: median(list.map((r) => r.wallMs)),
      requireMs: median(list.map((r) => r.requireMs ?? Number.NaN)),
      requestMs: median(list.map((r) => r.requestMs ?? Number.NaN)),
      wallMsSourceMaps: median(withMaps.get(bundle.name) ?? []),
      error: errors.get(bundle.name),
    });
  }
  for (const [name, list] of deployed) {
    rows.push({
      name: `${name} as deployed (its first request reads the API tokens from Secrets Manager: a stand-in on 127.0.0.1)`,
      runs: list.length,
      wallMs: median(list.map((r) => r.wallMs)),
      requireMs: median(list.map((r) => r.requireMs ?? Number.NaN)),
      requestMs: median(list.map((r) => r.requestMs ?? Number.NaN)),
    });
  }
  return rows;
}

/**
 * One cold start of a function under `node --cpu-prof` (0.1 ms sampling), from a bundle built
 * like the deployed one but not minified, so frames keep their names and esbuild's
 * `// node_modules/pkg/file.js` markers map each line back to its package.
 */
export async function profileColdStart(
  repoRoot: string,
  name: FunctionName,
  outDir: string,
  env: NodeJS.ProcessEnv,
  event: unknown,
): Promise<{ profile: string; bundle: string }> {
  const { options } = await bundlingOptions();
  const fn = FUNCTIONS.find((f) => f.name === name);
  if (!fn) throw new Error(`no function ${name}`);
  const bundle = path.join(outDir, `${name}-unminified`, 'index.js');
  await buildFunction(repoRoot, fn.entry, bundle, { ...options, minify: false, sourceMap: false });
  await buildLazyChunks(repoRoot, bundle, { ...options, minify: false, sourceMap: false });
  const profileDir = path.join(outDir, `${name}-cpuprofile`);
  await fs.mkdir(profileDir, { recursive: true });
  const script = path.join(outDir, 'invoke.js');
  await fs.writeFile(script, INVOKE_SCRIPT);
  const clean: NodeJS.ProcessEnv = { ...env, BENCH_EVENT: JSON.stringify(event) };
  delete clean.NODE_OPTIONS;
  await runNode(['--cpu-prof', `--cpu-prof-dir=${profileDir}`, '--cpu-prof-interval', '100', script, bundle], clean);
  const [file] = (await fs.readdir(profileDir)).filter((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error('node --cpu-prof wrote no profile');
  return { profile: path.join(profileDir, file), bundle };
}

/** An API Gateway HTTP API (v2) event, as the deployed functions receive it. */
export function httpEvent(method: string, rawPath: string, headers: Record<string, string>, body?: string) {
  const routeKey = `${method} ${rawPath}`;
  const now = new Date();
  return {
    version: '2.0',
    routeKey: rawPath === '/' ? 'GET /' : routeKey,
    rawPath,
    rawQueryString: '',
    headers: { host: 'bench.execute-api.invalid', ...headers },
    requestContext: {
      accountId: 'bench',
      apiId: 'bench',
      domainName: 'bench.execute-api.invalid',
      domainPrefix: 'bench',
      http: { method, path: rawPath, protocol: 'HTTP/1.1', sourceIp: '127.0.0.1', userAgent: 'bench' },
      requestId: randomBytes(8).toString('hex'),
      routeKey,
      stage: '$default',
      time: now.toUTCString(),
      timeEpoch: now.getTime(),
    },
    body,
    isBase64Encoded: false,
  };
}
