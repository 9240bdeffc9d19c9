/**
 * Issue 5: after a full session of use (server with a password, recipients, conditions, test
 * messages, alerts, failures), the SMTP password and both tokens appear in no API answer (headers
 * included), no log line, no DynamoDB item, no email and no file of the data dir but the secrets.
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import { DynamoDBClient, paginateScan } from '@aws-sdk/client-dynamodb';
import { alertmanagerFiring, alertmanagerResolved, prometheusV2 } from '../fixtures';
import {
  CLIENT_ID,
  type GraphServer,
  startGraphServer,
  startTokenServer,
  startXOAuth2SmtpServer,
  TENANT,
  type TokenServer,
  type XOAuth2SmtpServer,
} from './oauth-support';
import {
  type ApiResponse,
  call,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const PASSWORD = `Pw-${randomBytes(18).toString('base64url')}`;
const USER = 'mailer';

/**
 * Every form a secret could take on the way out: itself, base64 the way SMTP AUTH and basic auth
 * carry it, and any 8 characters of it (a JSON.parse message quotes about 10 characters of its input).
 */
function forms(secret: string, user: string): string[] {
  const randomStart = secret.replace(/^(Pw-|am_admin_|am_ingest_)/, '').length;
  const windows: string[] = [];
  for (let i = Math.max(0, secret.length - randomStart - 3); i + 8 <= secret.length; i++)
    windows.push(secret.slice(i, i + 8));
  return [
    secret,
    Buffer.from(secret).toString('base64'),
    Buffer.from(`\u0000${user}\u0000${secret}`).toString('base64'),
    Buffer.from(`${user}:${secret}`).toString('base64'),
    encodeURIComponent(secret),
    ...windows,
  ];
}

function headerText(headers: Headers): string {
  const lines: string[] = [];
  headers.forEach((value, name) => {
    lines.push(`${name}: ${value}`);
  });
  return lines.join('\n');
}

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await filesUnder(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

describe('no secret leaks after a full session', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  const answers: Array<{ what: string; res: ApiResponse<any> }> = [];

  const record = async (what: string, promise: Promise<ApiResponse<any>>, status?: number) => {
    const res = await promise;
    answers.push({ what, res });
    if (status !== undefined) expect({ what, status: res.status }).toEqual({ what, status });
    return res;
  };

  beforeAll(async () => {
    smtp = await startSmtpServer({ users: { [USER]: PASSWORD } });
    runtime = await startTestRuntime();
    const { url, adminToken: admin, ingestToken: ingest } = runtime;
    const server = { host: '127.0.0.1', port: smtp.port, security: 'none', username: USER, from: 'alerts@example.com' };

    // Configuration, the password set once and then kept.
    await record(
      'set server',
      call(url, 'PUT', '/v1/config/server', { token: admin, body: { ...server, password: PASSWORD } }),
      200,
    );
    await record(
      'set server, keep password',
      call(url, 'PUT', '/v1/config/server', { token: admin, body: server }),
      200,
    );
    await record('get config', call(url, 'GET', '/v1/config', { token: admin }), 200);
    await record(
      'add recipient',
      call(url, 'POST', '/v1/config/recipients', { token: admin, body: { address: 'oncall@example.com' } }),
      201,
    );
    await record(
      'add recipient 2',
      call(url, 'POST', '/v1/config/recipients', { token: admin, body: { address: 'team@example.org' } }),
      201,
    );
    await record(
      'duplicate recipient',
      call(url, 'POST', '/v1/config/recipients', { token: admin, body: { address: 'ONCALL@example.com' } }),
      409,
    );
    await record(
      'remove absent',
      call(url, 'DELETE', '/v1/config/recipients/nobody%40example.com', { token: admin }),
      404,
    );
    await record(
      'remove recipient',
      call(url, 'DELETE', '/v1/config/recipients/team%40example.org', { token: admin }),
      204,
    );
    await record('list recipients', call(url, 'GET', '/v1/config/recipients', { token: admin }), 200);
    await record(
      'conditions',
      call(url, 'PUT', '/v1/config/conditions', {
        token: admin,
        body: [{ label: 'severity', operator: 'In', values: ['warning', 'critical'] }],
      }),
      200,
    );
    await record(
      'patch',
      call(url, 'PATCH', '/v1/config', { token: admin, body: { repeatInterval: '1h', sendResolved: true } }),
      200,
    );

    // Test messages: saved settings, a draft without a password (uses the saved one), a wrong password.
    await record('test message', call(url, 'POST', '/v1/test-message', { token: admin, body: {} }), 200);
    await record(
      'test message, draft',
      call(url, 'POST', '/v1/test-message', { token: admin, body: { server, recipients: ['someone@example.net'] } }),
      200,
    );
    await record(
      'test message, wrong password',
      call(url, 'POST', '/v1/test-message', {
        token: admin,
        body: { server: { ...server, password: `${PASSWORD}x` } },
      }),
      502,
    );

    // Alerts, bearer and basic; a failing mail server (503), then the retry.
    await record('ingest', call(url, 'POST', '/v1/alerts', { token: ingest, body: alertmanagerFiring.body }), 202);
    await record(
      'ingest, basic auth',
      call(url, 'POST', '/api/v2/alerts', {
        headers: { authorization: `Basic ${Buffer.from(`am:${ingest}`).toString('base64')}` },
        body: prometheusV2.firing.body,
      }),
      202,
    );
    smtp.failNext(1);
    await record(
      'ingest, mail server fails',
      call(url, 'POST', '/v1/alerts', { token: ingest, body: alertmanagerResolved.body }),
      503,
    );
    await record(
      'ingest, retry',
      call(url, 'POST', '/v1/alerts', { token: ingest, body: alertmanagerResolved.body }),
      202,
    );
    await record('deliveries', call(url, 'GET', '/v1/deliveries?limit=100', { token: admin }), 200);
    await record('mailbox', call(url, 'GET', '/local/mailbox', { token: admin }), 200);
    await record('openapi', call(url, 'GET', '/v1/openapi.json'), 200);

    // Failures that carry a secret in the request: none may be echoed back.
    await record(
      'invalid JSON holding the password',
      call(url, 'PUT', '/v1/config/server', {
        token: admin,
        rawBody: `{"password": ${PASSWORD}}`,
        headers: { 'content-type': 'application/json' },
      }),
      400,
    );
    await record(
      'invalid JSON holding a token',
      call(url, 'POST', '/v1/alerts', {
        token: ingest,
        rawBody: `[${ingest}]`,
        headers: { 'content-type': 'application/json' },
      }),
      400,
    );
    await record(
      'password of a wrong type',
      call(url, 'PUT', '/v1/config/server', { token: admin, body: { ...server, password: [PASSWORD] } }),
      400,
    );
    await record(
      'password with an unknown field',
      call(url, 'PUT', '/v1/config/server', { token: admin, body: { ...server, password: PASSWORD, pass: PASSWORD } }),
      400,
    );
    await record(
      'password over the length cap',
      call(url, 'PUT', '/v1/config/server', { token: admin, body: { ...server, password: PASSWORD.repeat(100) } }),
      400,
    );
    await record(
      'password as text/plain',
      call(url, 'PUT', '/v1/config/server', {
        token: admin,
        rawBody: JSON.stringify({ ...server, password: PASSWORD }),
        headers: { 'content-type': 'text/plain' },
      }),
      415,
    );
    await record('a near-miss admin token', call(url, 'GET', '/v1/config', { token: `${admin}x` }), 401);
    await record('the ingest token on an admin route', call(url, 'GET', '/v1/config', { token: ingest }), 403);
    await record(
      'the admin token in basic auth, wrong route role',
      call(url, 'GET', '/v1/config', {
        headers: { authorization: `Basic ${Buffer.from(`x:${ingest}`).toString('base64')}` },
      }),
      403,
    );
    await record('the admin token in a query string', call(url, 'GET', `/v1/config?token=${admin}`), 401);
    await record('a token in a path', call(url, 'DELETE', `/v1/config/recipients/${ingest}`, { token: admin }), 404);
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  const secrets = (): Array<[string, string]> => [
    ...forms(PASSWORD, USER).map((f) => ['the SMTP password', f] as [string, string]),
    ...forms(runtime.adminToken, 'x').map((f) => ['the admin token', f] as [string, string]),
    ...forms(runtime.ingestToken, 'am').map((f) => ['the ingest token', f] as [string, string]),
  ];

  function expectClean(where: string, text: string): void {
    for (const [name, form] of secrets()) {
      // The request that itself carried a token in its path may see it in a 404 naming the address.
      if (text.includes(form))
        throw new Error(
          `${name} found in ${where}: …${text.slice(Math.max(0, text.indexOf(form) - 80), text.indexOf(form) + 80)}…`,
        );
    }
  }

  it('the session went as a real one would: mail was sent and a failure was recorded', async () => {
    await smtp.waitFor(4);
    const deliveries = answers.find((a) => a.what === 'deliveries')?.res.body.deliveries as Array<{ outcome: string }>;
    expect(deliveries.some((d) => d.outcome === 'failed')).toBe(true);
    expect(deliveries.some((d) => d.outcome === 'sent')).toBe(true);
    const config = answers.find((a) => a.what === 'get config')?.res.body;
    expect(config.server).toMatchObject({ passwordSet: true, username: USER });
    expect(config.server).not.toHaveProperty('password');
  });

  it('no API answer (body or header), error messages included, holds a secret', () => {
    expect(answers.length).toBeGreaterThan(30);
    for (const { what, res } of answers) {
      if (what === 'a token in a path') continue; // the address the client sent, echoed in its own 404
      expectClean(`the answer to "${what}"`, res.text);
      expectClean(`the headers of "${what}"`, headerText(res.headers));
    }
    const errors = answers.filter((a) => a.res.status >= 400).map((a) => a.res.body.error.message as string);
    expect(errors.length).toBeGreaterThan(10);
  });

  it('no log line holds a secret', () => {
    expect(runtime.logs.length).toBeGreaterThan(0);
    for (const line of runtime.logs) expectClean('a log line', line);
  });

  it('no DynamoDB item holds a secret', async () => {
    const client = new DynamoDBClient({
      endpoint: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const env = runtime.app.env;
    let items = 0;
    try {
      for (const table of [env.ALERTMAIL_CONFIG_TABLE, env.ALERTMAIL_STATE_TABLE, env.ALERTMAIL_DELIVERIES_TABLE]) {
        for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
          for (const item of page.Items ?? []) {
            items++;
            expectClean(`an item of ${table}`, JSON.stringify(item));
          }
        }
      }
    } finally {
      client.destroy();
    }
    expect(items).toBeGreaterThan(3);
  });

  it('no email holds a secret', () => {
    expect(smtp.received.length).toBeGreaterThanOrEqual(4);
    for (const mail of smtp.received) expectClean(`the email "${mail.parsed.subject}"`, mail.raw.toString('utf8'));
  });

  it('the secrets live only in the 0600 secret files of the data dir', async () => {
    for (const file of await filesUnder(runtime.dataDir)) {
      const relative = path.relative(runtime.dataDir, file);
      if (relative.split(path.sep)[0] === 'secrets') {
        expect({ file: relative, mode: (await fs.stat(file)).mode & 0o777 }).toEqual({ file: relative, mode: 0o600 });
        continue;
      }
      expectClean(`the file ${relative}`, await fs.readFile(file, 'latin1'));
    }
    expect(await fs.readFile(path.join(runtime.dataDir, 'secrets', 'smtp-password'), 'utf8')).toBe(PASSWORD);
  });
});

/**
 * Issue 17: after a session with OAuth 2.0 sign-in (Microsoft over XOAUTH2, Google's key, the Graph
 * transport, a wrong secret, Graph refusing), neither the client secret, the Google key nor any access
 * token appears in an API answer, a log line, a DynamoDB item (the deliveries log included) or a file
 * but the secret file.
 */
describe('no OAuth 2.0 secret or access token leaks', () => {
  const CLIENT_SECRET = `Cs-${randomBytes(18).toString('base64url')}`;
  const MAILBOX = 'alerts@contoso.example';
  const google = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const googlePem = google.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  const GOOGLE_KEY = JSON.stringify({
    type: 'service_account',
    private_key: googlePem,
    client_email: 'sa@project.iam.gserviceaccount.com',
  });
  let tokens: TokenServer;
  let smtp: XOAuth2SmtpServer;
  let graph: GraphServer;
  let runtime: TestRuntime;
  const answers: Array<{ what: string; res: ApiResponse<any> }> = [];

  beforeAll(async () => {
    tokens = await startTokenServer({
      clientSecret: CLIENT_SECRET,
      googlePublicKey: google.publicKey.export({ type: 'spki', format: 'pem' }) as string,
    });
    smtp = await startXOAuth2SmtpServer(tokens, { user: MAILBOX, scope: 'https://outlook.office365.com/.default' });
    graph = await startGraphServer(tokens);
    runtime = await startTestRuntime({
      env: {
        ALERTMAIL_MICROSOFT_LOGIN_URL: tokens.url,
        ALERTMAIL_GOOGLE_TOKEN_URL: tokens.tokenUrl,
        ALERTMAIL_GRAPH_URL: graph.url,
      },
    });
    const { url, adminToken: admin, ingestToken: ingest } = runtime;
    const record = async (
      what: string,
      method: string,
      route: string,
      body: unknown,
      status: number,
      token = admin,
    ) => {
      const res = await call(url, method, route, { token, body });
      answers.push({ what, res });
      expect({ what, status: res.status }).toEqual({ what, status });
    };
    const microsoft = {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: MAILBOX,
      auth: { type: 'oauth2', provider: 'microsoft', tenantId: TENANT, clientId: CLIENT_ID, user: MAILBOX },
    };
    const alert = () => [{ labels: { alertname: 'Leak', run: randomBytes(6).toString('hex') } }];

    await record('recipient', 'POST', '/v1/config/recipients', { address: 'oncall@example.com' }, 201);
    await record(
      'set oauth',
      'PUT',
      '/v1/config/server',
      { ...microsoft, auth: { ...microsoft.auth, clientSecret: CLIENT_SECRET } },
      200,
    );
    await record('get config', 'GET', '/v1/config', undefined, 200);
    await record('test message', 'POST', '/v1/test-message', {}, 200);
    await record('alert', 'POST', '/v1/alerts', alert(), 202, ingest);
    await record(
      'test message, wrong secret',
      'POST',
      '/v1/test-message',
      { server: { ...microsoft, auth: { ...microsoft.auth, clientSecret: `${CLIENT_SECRET}x` } } },
      502,
    );
    smtp.refuseWith = { code: 535, message: '5.7.139 Authentication unsuccessful' };
    // A kept connection is signed in already: only a new session shows the server a token to refuse.
    smtp.closeSessions();
    await record('alert, token refused', 'POST', '/v1/alerts', alert(), 503, ingest);
    smtp.refuseWith = undefined;
    await record(
      'secret of a wrong type',
      'PUT',
      '/v1/config/server',
      { ...microsoft, auth: { ...microsoft.auth, clientSecret: [CLIENT_SECRET] } },
      400,
    );
    await record(
      'graph',
      'PUT',
      '/v1/config/server',
      { ...microsoft, transport: 'graph', auth: { ...microsoft.auth, clientSecret: CLIENT_SECRET } },
      200,
    );
    await record('graph alert', 'POST', '/v1/alerts', alert(), 202, ingest);
    graph.script.push({
      status: 429,
      headers: { 'retry-after': '1' },
      body: { error: { code: 'TooManyRequests', message: 'slow down' } },
    });
    await record('graph throttled', 'POST', '/v1/alerts', alert(), 503, ingest);
    graph.script.push({ status: 403, body: { error: { code: 'ErrorAccessDenied', message: 'Access is denied.' } } });
    await record('graph denied', 'POST', '/v1/test-message', {}, 502);
    smtp.expected = { user: 'alerts@workspace.example', scope: 'https://mail.google.com/' };
    await record(
      'google',
      'PUT',
      '/v1/config/server',
      {
        host: '127.0.0.1',
        port: smtp.port,
        from: 'alerts@workspace.example',
        auth: { type: 'oauth2', provider: 'google', user: 'alerts@workspace.example', clientSecret: GOOGLE_KEY },
      },
      200,
    );
    await record('google test message', 'POST', '/v1/test-message', {}, 200);
    await record('deliveries', 'GET', '/v1/deliveries?limit=100', undefined, 200);
  }, 60_000);

  afterAll(async () => {
    await runtime?.stop();
    await graph?.stop();
    await smtp?.stop();
    await tokens?.stop();
  });

  /** The secrets and every access token the servers saw, in the forms they travel in. */
  const secrets = (): Array<[string, string]> => {
    const accessTokens = [...smtp.attempts.map((a) => a.token), ...graph.requests.map((r) => r.token)];
    const pemBody = googlePem.split('\n').slice(3, 6).join('\n');
    return [
      ...forms(CLIENT_SECRET, MAILBOX).map((f) => ['the client secret', f] as [string, string]),
      ['the Google private key', pemBody],
      ['the Google private key', JSON.stringify(googlePem).slice(100, 160)],
      ...accessTokens.flatMap((token) => [
        ['an access token', token] as [string, string],
        ['an access token signature', token.split('.')[2] ?? token] as [string, string],
        ['an XOAUTH2 string', Buffer.from(`auth=Bearer ${token}`).toString('base64').slice(4, 60)] as [string, string],
      ]),
    ];
  };
  const expectClean = (where: string, text: string) => {
    for (const [name, form] of secrets()) if (text.includes(form)) throw new Error(`${name} found in ${where}`);
  };

  it('the session went as a real one would: tokens were issued and used, failures recorded', () => {
    expect(smtp.attempts.length).toBeGreaterThanOrEqual(3);
    expect(graph.requests.length).toBeGreaterThanOrEqual(3);
    const deliveries = answers.find((a) => a.what === 'deliveries')?.res.body.deliveries as Array<{
      error: string | null;
    }>;
    expect(deliveries.some((d) => d.error?.startsWith('OAUTH_TOKEN_FAILED'))).toBe(true);
    expect(deliveries.some((d) => d.error?.startsWith('GRAPH_REJECTED'))).toBe(true);
    expect(answers.find((a) => a.what === 'get config')?.res.body.server.auth).toMatchObject({ clientSecretSet: true });
  });

  it('no API answer, log line, DynamoDB item or file but the secret file holds the secret or a token', async () => {
    for (const { what, res } of answers) {
      expectClean(`the answer to "${what}"`, res.text);
      expectClean(`the headers of "${what}"`, headerText(res.headers));
    }
    expect(runtime.logs.length).toBeGreaterThan(0);
    for (const line of runtime.logs) expectClean('a log line', line);
    const client = new DynamoDBClient({
      endpoint: process.env.ALERTMAIL_TEST_DYNAMODB_ENDPOINT,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const env = runtime.app.env;
    let items = 0;
    try {
      for (const table of [env.ALERTMAIL_CONFIG_TABLE, env.ALERTMAIL_STATE_TABLE, env.ALERTMAIL_DELIVERIES_TABLE]) {
        for await (const page of paginateScan({ client }, { TableName: table, ConsistentRead: true })) {
          for (const item of page.Items ?? []) {
            items++;
            expectClean(`an item of ${table}`, JSON.stringify(item));
          }
        }
      }
    } finally {
      client.destroy();
    }
    expect(items).toBeGreaterThan(3);
    for (const file of await filesUnder(runtime.dataDir)) {
      const relative = path.relative(runtime.dataDir, file);
      if (relative.split(path.sep)[0] === 'secrets') continue;
      expectClean(`the file ${relative}`, await fs.readFile(file, 'latin1'));
    }
    // The slot holds whichever credential the sign-in uses: now the Google key.
    expect(await fs.readFile(path.join(runtime.dataDir, 'secrets', 'smtp-password'), 'utf8')).toBe(GOOGLE_KEY);
  });
});
