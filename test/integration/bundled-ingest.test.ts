/**
 * The ingest function as deployed: bundled by esbuild with the stack's options, its lazily loaded
 * chunks beside index.js (cdk/function.ts LAZY_CHUNKS, built as the stack's afterBundling hook
 * builds them), each event served by a fresh Node process, as a Lambda cold start serves it,
 * against DynamoDB Local and a real SMTP server. Pins what the unbundled tests cannot see: the
 * chunks are where the bundle looks for them, an already-notified post loads neither, and a new
 * alert loads both and is emailed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildBundles, httpEvent } from '../../bench/cold-start';
import { call, mailThrough, startSmtpServer, startTestRuntime, type TestRuntime, type TestSmtpServer } from './support';

const REPO_ROOT = path.resolve(__dirname, '../..');

/**
 * Requires the bundle, serves one event, reports the answer and which chunk files Node loaded, on
 * the last line of stdout (the function's JSON log lines come before it).
 */
const INVOKE = `
const path = require('node:path');
const mod = require(process.argv[2]);
Promise.resolve(mod.handler(JSON.parse(process.env.EVENT), {})).then((res) => {
  const loaded = Object.keys(require.cache).map((file) => path.basename(file)).filter((f) => f.endsWith('-parts.js'));
  process.stdout.write('\\n' + JSON.stringify({ status: res.statusCode, body: JSON.parse(res.body ?? 'null'), loaded: loaded.sort() }));
}, (error) => { console.error(error); process.exit(3); });
`;

interface ColdAnswer {
  readonly status: number;
  readonly body: { received?: number; notified?: number };
  readonly loaded: string[];
}

let workDir: string;
let bundle: string;
let runtime: TestRuntime;
let smtp: TestSmtpServer;
let functionEnv: NodeJS.ProcessEnv;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'alertmail-bundled-'));
  const tablePrefix = `b${randomBytes(6).toString('hex')}-`;
  [runtime, smtp] = await Promise.all([startTestRuntime({ tablePrefix }), startSmtpServer()]);
  await mailThrough(runtime, smtp);
  const { bundles } = await buildBundles(REPO_ROOT, path.join(workDir, 'bundles'));
  bundle = bundles.find((b) => b.name === 'ingest')?.file ?? '';
  await fs.writeFile(path.join(workDir, 'invoke.js'), INVOKE);
  functionEnv = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: workDir,
    AWS_REGION: 'us-east-1',
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    ALERTMAIL_CONFIG_TABLE: `${tablePrefix}config`,
    ALERTMAIL_STATE_TABLE: `${tablePrefix}state`,
    ALERTMAIL_DELIVERIES_TABLE: `${tablePrefix}deliveries`,
    ALERTMAIL_SECRETS_BACKEND: 'file',
    ALERTMAIL_DATA_DIR: runtime.dataDir,
    ALERTMAIL_DYNAMODB_ENDPOINT: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
  };
}, 120_000);

afterAll(async () => {
  await Promise.all([runtime?.stop(), smtp?.stop()]);
  await fs.rm(workDir, { recursive: true, force: true });
});

function alert(name: string) {
  const now = Date.now();
  return {
    labels: { alertname: name, instance: 'bundled-1', severity: 'critical' },
    annotations: { summary: `${name} from the bundled function` },
    startsAt: new Date(now - 600_000).toISOString(),
    endsAt: new Date(now + 3_600_000).toISOString(),
  };
}

/** One cold start of the bundled ingest serving POST /v1/alerts with these alerts. */
function coldPost(alerts: readonly unknown[]): Promise<ColdAnswer> {
  const headers = { authorization: `Bearer ${runtime.ingestToken}`, 'content-type': 'application/json' };
  const event = httpEvent('POST', '/v1/alerts', headers, JSON.stringify(alerts));
  return new Promise((resolve, reject) => {
    execFile(
      process.execPath,
      [path.join(workDir, 'invoke.js'), bundle],
      { env: { ...functionEnv, EVENT: JSON.stringify(event) }, timeout: 30_000 },
      (error, stdout, stderr) => {
        if (error) return reject(new Error(`${error.message}\n${stderr}`));
        try {
          resolve(JSON.parse(stdout.slice(stdout.lastIndexOf('\n') + 1)) as ColdAnswer);
        } catch {
          reject(new Error(`no answer on the last line of stdout: ${stdout.slice(-500)}`));
        }
      },
    );
  });
}

test('an already-notified alert is answered without loading nodemailer', async () => {
  // Arrange: the alert was emailed once (through the local runtime).
  const repeated = alert('BundledRepeat');
  const first = await call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: [repeated] });
  expect(first.body).toMatchObject({ notified: 1 });
  await smtp.waitFor(1);

  // Act: a fresh process running the bundle receives it again.
  const answer = await coldPost([repeated]);

  // Assert
  expect(answer.status).toBe(202);
  expect(answer.body).toMatchObject({ received: 1, notified: 0 });
  expect(answer.loaded).toEqual([]);
});

test('a new alert loads nodemailer beside index.js, and is emailed', async () => {
  // Arrange
  const before = smtp.received.length;

  // Act
  const answer = await coldPost([alert('BundledNew')]);

  // Assert
  expect(answer.status).toBe(202);
  expect(answer.body).toMatchObject({ received: 1, notified: 1 });
  expect(answer.loaded).toEqual(['nodemailer-parts.js']);
  const [mail] = (await smtp.waitFor(before + 1)).slice(before);
  expect(mail?.parsed.subject).toContain('BundledNew');
});
