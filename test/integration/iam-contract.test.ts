/**
 * The IAM contract, both ways: every AWS call each function makes is allowed by that function's role
 * in the synthesized template, and every action a role grants is used by some call (or is a platform
 * grant the Lambda service uses, listed with its reason in iam/policy.ts).
 *
 * The functions run as deployed: the esbuild bundles built with the stack's options,
 * each in one long-lived process serving many events (iam/function-host.ts),
 * with the environment of the synthesized template (its `Ref` / `Fn::GetAtt` resolved to fixed names
 * and ARNs of account 123456789012, us-east-1: iam/template.ts) plus only what running here needs
 * (endpoints, dummy credentials, AWS_REGION). Their calls are recorded at the wire (iam/aws-recorder.ts):
 * DynamoDB Local behind the counting proxy, an in-memory Secrets Manager, aws-ses-v2-local behind a proxy.
 * Every code path that makes a distinct AWS call is exercised, for three stacks: SMTP, SES, and
 * CloudWatch alarms on.
 *
 * ALERTMAIL_IAM_REPORT=<file> appends the table of each recorded (function, action, resource) and the
 * grant that allows it, and the platform grants kept, to that file.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, promises as fs } from 'node:fs';
import type http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import startSesLocal from 'aws-ses-v2-local';
import { buildBundles, httpEvent } from '../../bench/cold-start';
import { ensureTables } from '../../lib/adapters/dynamodb/tables';
import { type CloudWatchAlarmStateChangeEvent, clone, cloudwatchEvent } from '../fixtures';
import { type AuthorizedCall, AwsRecorder, type FunctionEndpoints, SecretsVault } from './iam/aws-recorder';
import { FunctionHost } from './iam/function-host';
import { evaluateCalls, grantKey, grantUses, type Verdict } from './iam/policy';
import { type DeployedFunction, type ResolvedStack, synthesize } from './iam/template';
import { startSmtpServer, type TestSmtpServer } from './support';

const REPO_ROOT = path.resolve(__dirname, '../..');
const SES_IDENTITY = 'alerts.example.com';
const SMTP_USER = 'alertmail';
const SMTP_PASSWORD = `pw-${randomBytes(6).toString('hex')}`;

interface StackCase {
  readonly label: string;
  readonly context: Readonly<Record<string, unknown>>;
}

const STACKS: readonly StackCase[] = [
  { label: 'smtp', context: { 'alertmail:transport': 'smtp' } },
  { label: 'ses', context: { 'alertmail:transport': 'ses', 'alertmail:sesIdentity': SES_IDENTITY } },
  { label: 'cloudwatch', context: { 'alertmail:cloudwatchAlarms': true } },
];

let workDir: string;
let smtp: TestSmtpServer;
let sesLocal: http.Server;
let sesUrl: string;
/** The bundles, built once for every stack (each carries both transports). */
let bundleDir: Promise<string> | undefined;

beforeAll(async () => {
  workDir = await fs.mkdtemp(path.join(os.tmpdir(), 'alertmail-iam-'));
  smtp = await startSmtpServer({ users: { [SMTP_USER]: SMTP_PASSWORD } });
  sesLocal = await startSesLocal({ host: '127.0.0.1', port: 0 });
  sesUrl = `http://127.0.0.1:${(sesLocal.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await smtp?.stop();
  await new Promise<void>((resolve) => {
    if (!sesLocal) return resolve();
    sesLocal.close(() => resolve());
    sesLocal.closeAllConnections();
  });
  if (workDir) await fs.rm(workDir, { recursive: true, force: true });
});

/** The bundles as the stack builds them. */
function bundlesFor(): Promise<string> {
  bundleDir ??= (async () => {
    const dir = path.join(workDir, 'bundles');
    await buildBundles(REPO_ROOT, dir);
    // As the console's afterBundling hook (cdk/stack.ts): the built console beside index.js, as `web/`.
    await fs.cp(path.join(REPO_ROOT, 'web', 'dist'), path.join(dir, 'console', 'web'), { recursive: true });
    return dir;
  })();
  return bundleDir;
}

interface Answer {
  readonly status: number;
  readonly body: any;
}

/** An API Gateway HTTP API (payload 2.0) event for the route `method template`. */
function apiEvent(
  method: string,
  template: string,
  options: { token?: string; body?: unknown; params?: Record<string, string>; query?: Record<string, string> } = {},
) {
  const params = options.params ?? {};
  const rawPath = template.replace(/\{(\w+)\+?\}/g, (_, name: string) => encodeURIComponent(params[name] ?? ''));
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  if (options.token) headers.authorization = `Bearer ${options.token}`;
  const event = httpEvent(
    method,
    rawPath,
    headers,
    options.body === undefined ? undefined : JSON.stringify(options.body),
  );
  const query = options.query ?? {};
  return {
    ...event,
    routeKey: `${method} ${template}`,
    rawQueryString: new URLSearchParams(query).toString(),
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    ...(Object.keys(params).length > 0
      ? { pathParameters: Object.fromEntries(Object.entries(params).map(([k, v]) => [k, encodeURIComponent(v)])) }
      : {}),
    requestContext: { ...event.requestContext, routeKey: `${method} ${template}` },
  };
}

function alert(name: string, status: 'firing' | 'resolved' = 'firing', extra: Record<string, string> = {}) {
  const now = Date.now();
  return {
    labels: { alertname: name, severity: 'critical', ...extra },
    annotations: { summary: `${name} (IAM contract test)` },
    status,
    startsAt: new Date(now - 600_000).toISOString(),
    ...(status === 'resolved' ? { endsAt: new Date(now - 1000).toISOString() } : {}),
  };
}

function alarm(name: string, state: 'ALARM' | 'OK'): CloudWatchAlarmStateChangeEvent {
  const event = clone(cloudwatchEvent);
  event.detail.alarmName = name;
  if (state === 'OK') {
    event.detail.previousState = { ...cloudwatchEvent.detail.state };
    event.detail.state = { value: 'OK', reason: 'Threshold no longer crossed.', timestamp: new Date().toISOString() };
  }
  return event;
}

const format = (call: Pick<AuthorizedCall, 'action' | 'resource'>, fn: string) =>
  `${fn}: ${call.action} on ${call.resource}`;

describe.each(STACKS)('the $label stack', ({ label, context }) => {
  const prefix = `iam${randomBytes(3).toString('hex')}${label.slice(0, 2)}-`;
  const adminToken = `admin-${randomBytes(12).toString('hex')}`;
  const ingestToken = `ingest-${randomBytes(12).toString('hex')}`;
  /** The functions' ALERTMAIL_TRANSPORT, as the template sets it. */
  let transport: string | undefined;
  let stack: ResolvedStack;
  let recorder: AwsRecorder;
  const hosts = new Map<string, FunctionHost>();
  const endpoints: FunctionEndpoints[] = [];
  /** The functions by role in the stack: `api`, `ingest`, `console`, `sweeper`, `cloudwatch`. */
  const byRole = new Map<string, DeployedFunction>();
  const verdicts = new Map<string, Verdict[]>();
  /** Set when every path ran: the checks below are void otherwise, so they fail instead. */
  let exercised = false;

  const roleOf = (fn: DeployedFunction) =>
    fn.handlerExport === 'cloudwatchHandler'
      ? 'cloudwatch'
      : fn.handlerExport === 'sweepHandler'
        ? 'sweeper'
        : fn.bundle;
  const nameOf = (logicalId: string) =>
    [...byRole.entries()].find(([, fn]) => fn.logicalId === logicalId)?.[0] ?? logicalId;

  async function invoke<T>(role: string, event: unknown): Promise<{ result?: T; error?: { message: string } }> {
    const fn = byRole.get(role);
    const host = fn && hosts.get(fn.logicalId);
    if (!fn || !host) throw new Error(`no ${role} function in the ${label} stack`);
    return host.invoke<T>(fn.handlerExport, event);
  }

  async function http(role: 'api' | 'ingest' | 'console', event: ReturnType<typeof apiEvent>): Promise<Answer> {
    const { result, error } = await invoke<{ statusCode: number; body?: string; isBase64Encoded?: boolean }>(
      role,
      event,
    );
    if (!result) throw new Error(`${role} threw: ${error?.message}`);
    const text = result.body ?? '';
    let body: unknown = text;
    try {
      body = result.isBase64Encoded ? text : text ? JSON.parse(text) : undefined;
    } catch {
      // not JSON (the console's files)
    }
    return { status: result.statusCode, body };
  }

  const admin = (method: string, template: string, options: Parameters<typeof apiEvent>[2] = {}) =>
    http('api', apiEvent(method, template, { token: adminToken, ...options }));
  const post = (alerts: unknown[]) =>
    http('ingest', apiEvent('POST', '/v1/alerts', { token: ingestToken, body: { alerts } }));
  const failNextMail = () => {
    if (transport === 'ses' && recorder.ses) recorder.ses.rejectNext = 1;
    else smtp.failNext(1);
  };

  beforeAll(async () => {
    stack = synthesize(`Alertmail${label}`, context, prefix, path.join(REPO_ROOT, 'web', 'dist'));
    for (const fn of stack.functions) byRole.set(roleOf(fn), fn);
    transport = byRole.get('api')?.environment.ALERTMAIL_TRANSPORT;
    const dynamo = new DynamoDBClient({
      endpoint: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    await ensureTables(dynamo, stack.tables);
    dynamo.destroy();
    const vault = new SecretsVault();
    vault.values.set(stack.secrets.tokens, JSON.stringify({ admin: [adminToken], ingest: [ingestToken] }));
    // As the stack creates it: a random placeholder until PUT /v1/config/server writes a password.
    vault.values.set(stack.secrets.smtpPassword, randomBytes(16).toString('hex'));
    const sesIdentity = byRole.get('api')?.environment.ALERTMAIL_SES_IDENTITY;
    recorder = new AwsRecorder(
      vault,
      transport === 'ses' ? { upstream: sesUrl, identity: sesIdentity, rejectNext: 0 } : undefined,
    );
    for (const fn of stack.functions) {
      const dir = await bundlesFor();
      const fnEndpoints = await recorder.endpointsFor(fn.logicalId);
      endpoints.push(fnEndpoints);
      const env: Record<string, string> = {
        ...fn.environment,
        // What running here needs, nothing else: the local endpoints, dummy credentials, the region.
        PATH: process.env.PATH ?? '/usr/bin:/bin',
        HOME: workDir,
        AWS_REGION: 'us-east-1',
        AWS_ACCESS_KEY_ID: 'ASIAIAMCONTRACTTEST0',
        AWS_SECRET_ACCESS_KEY: 'iam-contract-test',
        AWS_SESSION_TOKEN: 'iam-contract-test',
        AWS_LAMBDA_FUNCTION_NAME: fn.logicalId,
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
        ALERTMAIL_DYNAMODB_ENDPOINT: fnEndpoints.dynamodb,
        AWS_ENDPOINT_URL_SECRETS_MANAGER: fnEndpoints.aws,
        ...(transport === 'ses' ? { ALERTMAIL_SES_ENDPOINT: fnEndpoints.aws } : {}),
      };
      hosts.set(
        fn.logicalId,
        await FunctionHost.start(fn.logicalId, path.join(dir, fn.bundle, 'index.js'), env, workDir),
      );
    }
  }, 120_000);

  afterAll(async () => {
    await Promise.all([...hosts.values()].map((host) => host.stop()));
    await Promise.all(endpoints.map((endpoint) => endpoint.stop()));
    // The table the report (and the note) lists: each recorded call and the grant that allows it.
    const lines = [`IAM contract, ${label} stack:`];
    for (const fn of stack?.functions ?? []) {
      for (const verdict of verdicts.get(fn.logicalId) ?? []) {
        const by = verdict.by.map(grantKey).join('; ') || 'DENIED';
        lines.push(
          `  ${nameOf(fn.logicalId)} | ${verdict.operations.join(', ')} | ${verdict.call.action} | ${verdict.call.resource} | ${by}`,
        );
      }
      for (const use of grantUses(fn, verdicts.get(fn.logicalId) ?? []).filter((u) => u.platform)) {
        lines.push(
          `  ${nameOf(fn.logicalId)} | platform | ${use.grant.action} | ${use.grant.resource} | ${use.platform}`,
        );
      }
    }
    if (process.env.ALERTMAIL_IAM_REPORT) appendFileSync(process.env.ALERTMAIL_IAM_REPORT, `${lines.join('\n')}\n`);
  });

  test('every path that calls AWS runs: the config API, the ingest, the console (and CloudWatch alarms)', async () => {
    const run = randomBytes(3).toString('hex');
    const from = transport === 'ses' ? `alertmail@${SES_IDENTITY}` : 'alertmail@example.com';
    const server = { host: '127.0.0.1', port: smtp.port, security: 'none', username: SMTP_USER, from };

    // The config API
    expect((await admin('GET', '/healthz')).status).toBe(200);
    expect((await admin('GET', '/v1/openapi.json')).status).toBe(200);
    expect((await admin('GET', '/v1/config')).status).toBe(200);
    expect((await admin('PUT', '/v1/config/server', { body: { ...server, password: SMTP_PASSWORD } })).status).toBe(
      200,
    );
    for (const address of ['oncall@example.com', 'team@example.com']) {
      expect((await admin('POST', '/v1/config/recipients', { body: { address } })).status).toBe(201);
    }
    expect((await admin('GET', '/v1/config/recipients')).body).toEqual({
      recipients: ['oncall@example.com', 'team@example.com'],
    });
    const removed = await admin('DELETE', '/v1/config/recipients/{address}', {
      params: { address: 'team@example.com' },
    });
    expect(removed.status).toBe(204);
    const conditions = [{ label: 'severity', operator: 'NotIn', values: ['none'] }];
    expect((await admin('PUT', '/v1/config/conditions', { body: conditions })).status).toBe(200);
    expect((await admin('PATCH', '/v1/config', { body: { repeatInterval: '1h' } })).status).toBe(200);
    const testMessage = await admin('POST', '/v1/test-message', { body: {} });
    expect(testMessage).toMatchObject({ status: 200, body: { sent: true } });
    expect((await admin('GET', '/v1/deliveries', { query: { limit: '5' } })).body.deliveries).toHaveLength(1);
    // Templates: listed, read, written and deleted (with the index of names, in a transaction), previewed
    const template = { subject: '{{ status }} {{ alerts.size }}', text: 'text', html: '<p>html</p>' };
    expect((await admin('PUT', '/v1/templates/{name}', { params: { name: 'iam' }, body: template })).status).toBe(200);
    expect((await admin('GET', '/v1/templates')).body.templates).toContainEqual({ name: 'iam', stored: true });
    expect((await admin('GET', '/v1/templates/{name}', { params: { name: 'iam' } })).status).toBe(200);
    expect((await admin('POST', '/v1/templates/preview', { body: { template: 'iam' } })).status).toBe(200);
    expect((await admin('DELETE', '/v1/templates/{name}', { params: { name: 'iam' } })).status).toBe(204);

    // The ingest: one new alert, several at once (a transaction), a re-post in steady state
    expect((await post([alert(`New${run}`)])).body).toMatchObject({ notified: 1 });
    const several = [1, 2, 3].map((i) => alert(`Several${run}`, 'firing', { pod: `p${i}` }));
    expect((await post(several)).body).toMatchObject({ notified: 3 });
    expect((await post([alert(`New${run}`)])).body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    // Resolved: one (a conditional update), two at once (a transaction of updates); each claim completed
    expect((await post([alert(`New${run}`, 'resolved')])).body).toMatchObject({ notified: 1 });
    const twoResolved = [1, 2].map((i) => alert(`Several${run}`, 'resolved', { pod: `p${i}` }));
    expect((await post(twoResolved)).body).toMatchObject({ notified: 2 });
    // sendResolved off: the state is cleared instead
    expect((await admin('PATCH', '/v1/config', { body: { sendResolved: false } })).status).toBe(200);
    expect((await post([alert(`Several${run}`, 'resolved', { pod: 'p3' })])).body).toMatchObject({ notified: 0 });
    expect((await admin('PATCH', '/v1/config', { body: { sendResolved: true } })).status).toBe(200);
    // A mail failure: the claim is released
    failNextMail();
    expect((await post([alert(`Failing${run}`)])).status).toBe(503);
    // More than 99 alerts: the config and the states are read apart
    const many = Array.from({ length: 120 }, (_, i) => alert(`Many${run}`, 'firing', { instance: `i${i}` }));
    expect((await post(many)).body).toMatchObject({ received: 120, notified: 120 });
    // A route given a template: that template is read when its mail is due (GetItem), then kept.
    expect((await admin('PUT', '/v1/templates/{name}', { params: { name: 'iam' }, body: template })).status).toBe(200);
    const templated = {
      name: `tpl${run}`.toLowerCase(),
      recipients: ['tpl@example.com'],
      conditions: [{ label: 'tpl', operator: 'In', values: [run] }],
      template: 'iam',
    };
    expect((await admin('POST', '/v1/routes', { body: templated })).status).toBe(201);
    expect((await post([alert(`Templated${run}`, 'firing', { tpl: run })])).body).toMatchObject({ notified: 1 });
    expect((await admin('DELETE', '/v1/routes/{name}', { params: { name: templated.name } })).status).toBe(204);

    // CloudWatch alarms: a new alarm, its OK, a failed send (thrown, so EventBridge retries)
    if (byRole.has('cloudwatch')) {
      expect((await invoke('cloudwatch', alarm(`Cw${run}`, 'ALARM'))).result).toMatchObject({ notified: 1 });
      expect((await invoke('cloudwatch', alarm(`Cw${run}`, 'OK'))).result).toMatchObject({ notified: 1 });
      failNextMail();
      expect((await invoke('cloudwatch', alarm(`CwFailing${run}`, 'ALARM'))).error?.message).toMatch(/Delivery/);
      // A route given a template: that template is read when its mail is due (GetItem), then kept.
      const cwRoute = {
        name: `cwtpl${run}`.toLowerCase(),
        recipients: ['tpl@example.com'],
        conditions: [{ label: 'alertname', operator: 'In', values: [`CwTemplated${run}`] }],
        template: 'iam',
      };
      expect((await admin('POST', '/v1/routes', { body: cwRoute })).status).toBe(201);
      expect((await invoke('cloudwatch', alarm(`CwTemplated${run}`, 'ALARM'))).result).toMatchObject({ notified: 1 });
      expect((await admin('DELETE', '/v1/routes/{name}', { params: { name: cwRoute.name } })).status).toBe(204);
    }

    // The sweeper: held alerts mailed when their silence ends. A route of 51 recipients (two messages),
    // the first failing: given back keeping who has it (UpdateItem), the held alert restored (PutItem);
    // then two more, mailed (a claim transaction, BatchWriteItem), and one whose endsAt passed (forgotten).
    const many51 = Array.from({ length: 51 }, (_, i) => `r${i}@example.com`);
    const route = {
      name: `sweep${run}`,
      recipients: many51,
      conditions: [{ label: 'run', operator: 'In', values: [run] }],
    };
    expect((await admin('POST', '/v1/routes', { body: route })).status).toBe(201);
    const hold = async () => {
      const created = await admin('POST', '/v1/silences', {
        body: {
          matchers: [{ label: 'run', operator: 'In', values: [run] }],
          endsAt: new Date(Date.now() + 3_600_000).toISOString(),
        },
      });
      expect(created.status).toBe(201);
      return created.body.id as string;
    };
    const first = await hold();
    expect((await post([alert(`Swept${run}`, 'firing', { run })])).body).toMatchObject({
      suppressed: { silenced: 1 },
    });
    expect((await admin('GET', '/v1/deliveries', { query: { held: 'true' } })).body.held.length).toBeGreaterThan(0);
    expect((await admin('DELETE', '/v1/silences/{id}', { params: { id: first } })).status).toBe(204);
    failNextMail();
    expect((await invoke('sweeper', {})).result).toMatchObject({ swept: true, sent: 0 });
    const second = await hold();
    const soon = new Date(Date.now() + 1_500).toISOString();
    const held = [
      alert(`SweptA${run}`, 'firing', { run }),
      alert(`SweptB${run}`, 'firing', { run }),
      { ...alert(`SweptC${run}`, 'firing', { run }), endsAt: soon },
    ];
    expect((await post(held)).body).toMatchObject({ suppressed: { silenced: 3 } });
    await new Promise((resolve) => setTimeout(resolve, 1_600));
    expect((await admin('DELETE', '/v1/silences/{id}', { params: { id: second } })).status).toBe(204);
    expect((await invoke('sweeper', {})).result).toMatchObject({ swept: true, sent: 2, forgotten: 1 });

    // The console: its page and an asset
    expect((await http('console', apiEvent('GET', '/'))).status).toBe(200);
    expect((await http('console', apiEvent('GET', '/console/{proxy+}', { params: { proxy: 'app.js' } }))).status).toBe(
      200,
    );

    // The password removed (null), last: the SMTP server above requires it
    expect((await admin('PUT', '/v1/config/server', { body: { ...server, password: null } })).status).toBe(200);

    // Every distinct wire operation of each path above reached AWS (so no path drops out of the contract unseen).
    const operations = (role: string) =>
      [
        ...new Set(
          recorder
            .recorded()
            .filter((c) => c.fn === byRole.get(role)?.logicalId)
            .map((c) => c.operation),
        ),
      ].sort();
    const mail = transport === 'ses' ? ['SendRawEmail'] : [];
    expect(operations('api')).toEqual(
      ['GetItem', 'GetSecretValue', 'PutItem', 'PutSecretValue', 'Query', 'TransactWriteItems', ...mail].sort(),
    );
    expect(operations('ingest')).toEqual(
      [
        'BatchGetItem',
        'BatchWriteItem',
        'DeleteItem',
        'GetItem',
        'GetSecretValue',
        'PutItem',
        'TransactWriteItems',
        'UpdateItem',
        ...mail,
      ].sort(),
    );
    expect(operations('sweeper')).toEqual(
      [
        'BatchGetItem',
        'BatchWriteItem',
        'DeleteItem',
        'GetItem',
        'GetSecretValue',
        'PutItem',
        'Query',
        'TransactWriteItems',
        'UpdateItem',
        ...mail,
      ].sort(),
    );
    if (byRole.has('cloudwatch')) {
      expect(operations('cloudwatch')).toEqual(
        // GetItem: a mail's template, read once per process and change of the templates.
        [
          'BatchGetItem',
          'BatchWriteItem',
          'DeleteItem',
          'GetItem',
          'GetSecretValue',
          'PutItem',
          'UpdateItem',
          ...mail,
        ].sort(),
      );
    }

    for (const fn of stack.functions) verdicts.set(fn.logicalId, await evaluateCalls(fn, recorder.recorded()));
    exercised = true;
  });

  test('no call is denied by its function role', () => {
    expect(exercised).toBe(true);
    const denied = stack.functions.flatMap((fn) =>
      (verdicts.get(fn.logicalId) ?? []).filter((v) => !v.allowed).map((v) => format(v.call, nameOf(fn.logicalId))),
    );
    expect(denied).toEqual([]);
  });

  test('every grant is used by a recorded call, or is a platform grant', () => {
    expect(exercised).toBe(true);
    const unused = stack.functions.flatMap((fn) =>
      grantUses(fn, verdicts.get(fn.logicalId) ?? [])
        .filter((use) => !use.used && !use.platform)
        .map((use) => `${nameOf(fn.logicalId)}: ${use.grant.action} on ${use.grant.resource} is granted but unused`),
    );
    expect(unused).toEqual([]);
  });

  test('the console makes no AWS call', () => {
    expect(exercised).toBe(true);
    const consoleFn = byRole.get('console');
    expect(recorder.recorded().filter((call) => call.fn === consoleFn?.logicalId)).toEqual([]);
  });
});
