/**
 * `npm run smoke` (test/smoke/smoke.ts), run as the child process a user runs, against local
 * runtimes: one with a working SMTP server (every step passes, the config is left as found),
 * one whose mail server is down, and with wrong tokens, a wrong URL and notifications disabled
 * (non-zero exit, a message naming the cause).
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import {
  call,
  closedPort,
  mailThrough,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const REPO_ROOT = path.resolve(__dirname, '../..');
const TSX = path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx');
const SMOKE = path.join(REPO_ROOT, 'test', 'smoke', 'smoke.ts');
const TO = 'smoke@example.com';

interface SmokeRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function smoke(args: readonly string[]): Promise<SmokeRun> {
  return new Promise((resolve) => {
    execFile(
      TSX,
      [SMOKE, ...args],
      { cwd: REPO_ROOT, timeout: 60_000, env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME } },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

function argsFor(runtime: TestRuntime, overrides: Partial<Record<string, string>> = {}): string[] {
  const flags = {
    '--url': runtime.url,
    '--admin-token': runtime.adminToken,
    '--ingest-token': runtime.ingestToken,
    '--to': TO,
    ...overrides,
  };
  return Object.entries(flags).flatMap(([flag, value]) => [flag, value ?? '']);
}

async function recipients(runtime: TestRuntime): Promise<string[]> {
  return (await call(runtime.url, 'GET', '/v1/config/recipients', { token: runtime.adminToken })).body.recipients;
}

describe('against a runtime with a working mail server', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    [runtime, smtp] = await Promise.all([startTestRuntime(), startSmtpServer()]);
    await mailThrough(runtime, smtp, ['oncall@example.com']);
  });
  afterAll(() => Promise.all([runtime?.stop(), smtp?.stop()]));

  it('passes every step, one line each, mails --to twice and leaves the recipients as it found them', async () => {
    // Act
    const run = await smoke(argsFor(runtime));

    // Assert
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines.map((line) => line.split(':')[0])).toEqual([
      '✓ health',
      '✓ console',
      '✓ config',
      '✓ test message',
      '✓ recipient',
      '✓ alert',
      '✓ delivery',
      '✓ repeat',
      '✓ cleanup',
      'smoke test passed',
    ]);
    expect(run.stdout).toMatch(/✓ health: GET \/healthz answered 200 .*\(\d+ ms\)/);
    expect(run.stdout).toContain(`✓ recipient: added ${TO} for this run`);
    expect(run.stdout).toMatch(/✓ alert: .*notified 1/);
    expect(run.stdout).toContain('suppressed.repeatInterval 1');
    const toSmoke = smtp.received.filter((mail) => mail.envelope.to.includes(TO));
    expect(toSmoke.map((mail) => mail.parsed.subject)).toEqual([
      expect.stringMatching(/test/i),
      expect.stringContaining('AlertmailSmokeTest'),
    ]);
    expect(await recipients(runtime)).toEqual(['oncall@example.com']);
  });

  it('runs again: every alert is new (a label unique to the run)', async () => {
    const run = await smoke(argsFor(runtime));

    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/✓ alert: .*notified 1/);
  });

  it('leaves --to in place when it already is a recipient', async () => {
    await call(runtime.url, 'POST', '/v1/config/recipients', { token: runtime.adminToken, body: { address: TO } });

    const run = await smoke(argsFor(runtime));

    expect(run.code).toBe(0);
    expect(run.stdout).toContain(`✓ recipient: ${TO} is already a recipient`);
    expect(run.stdout).not.toContain('cleanup');
    expect(await recipients(runtime)).toEqual(['oncall@example.com', TO]);
    await call(runtime.url, 'DELETE', `/v1/config/recipients/${encodeURIComponent(TO)}`, { token: runtime.adminToken });
  });

  it('says a wrong admin token is wrong, and stops there', async () => {
    const run = await smoke(argsFor(runtime, { '--admin-token': 'am_admin_not_the_right_one_0000' }));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ config: GET /v1/config: 401');
    expect(run.stdout).toContain('likely cause: wrong --admin-token');
    expect(run.stdout).not.toContain('✓ test message');
  });

  it('says a wrong ingest token is wrong, and removes the recipient it added', async () => {
    const run = await smoke(argsFor(runtime, { '--ingest-token': 'am_ingest_not_the_right_one_000' }));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ alert: POST /v1/alerts: 401');
    expect(run.stdout).toContain('likely cause: wrong --ingest-token');
    expect(run.stdout).toContain(`✓ cleanup: removed ${TO}`);
    expect(await recipients(runtime)).toEqual(['oncall@example.com']);
  });

  it('names disabled notifications as why the alert was not delivered', async () => {
    await call(runtime.url, 'PATCH', '/v1/config', { token: runtime.adminToken, body: { enabled: false } });
    try {
      const run = await smoke(argsFor(runtime));

      expect(run.code).toBe(1);
      expect(run.stdout).toContain('✓ config: GET /v1/config: server 127.0.0.1');
      expect(run.stdout).toContain('DISABLED');
      expect(run.stdout).toMatch(/✗ alert: .*notified 0/);
      expect(run.stdout).toContain('likely cause: notifications are disabled');
      expect(await recipients(runtime)).toEqual(['oncall@example.com']);
    } finally {
      await call(runtime.url, 'PATCH', '/v1/config', { token: runtime.adminToken, body: { enabled: true } });
    }
  });

  it('names the conditions when they do not match the smoke alert', async () => {
    const critical = [{ label: 'severity', operator: 'In', values: ['critical'] }];
    await call(runtime.url, 'PUT', '/v1/config/conditions', { token: runtime.adminToken, body: critical });
    try {
      const run = await smoke(argsFor(runtime));

      expect(run.code).toBe(1);
      expect(run.stdout).toContain('likely cause: the conditions do not match');
      expect(run.stdout).toContain('severity In [critical]');
    } finally {
      await call(runtime.url, 'PUT', '/v1/config/conditions', { token: runtime.adminToken, body: [] });
    }
  });

  it('says the URL is wrong when nothing listens there', async () => {
    const run = await smoke(argsFor(runtime, { '--url': `http://127.0.0.1:${await closedPort()}` }));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✗ health:');
    expect(run.stdout).toContain('connection refused');
    expect(run.stdout).toContain('likely cause: wrong --url');
  });
});

describe('against a runtime whose mail server is down', () => {
  let runtime: TestRuntime;

  beforeAll(async () => {
    runtime = await startTestRuntime();
    await mailThrough(runtime, { port: await closedPort() }, ['oncall@example.com']);
  });
  afterAll(() => runtime?.stop());

  it('stops at Send Test Message with the mail server problem, changing nothing', async () => {
    const run = await smoke(argsFor(runtime));

    expect(run.code).toBe(1);
    expect(run.stdout).toContain('✓ config');
    expect(run.stdout).toContain('✗ test message: POST /v1/test-message: 502 SMTP_CONNECTION_FAILED');
    expect(run.stdout).toMatch(/the mail server 127\.0\.0\.1:\d+ said: /);
    expect(run.stdout).toContain('likely cause: no connection to the mail server: check host and port');
    expect(run.stdout).not.toContain('✓ alert');
    expect(await recipients(runtime)).toEqual(['oncall@example.com']);
  });
});

describe('usage', () => {
  it('prints the usage for --help', async () => {
    const run = await smoke(['--help']);

    expect(run.code).toBe(0);
    expect(run.stdout).toContain('Usage: npm run smoke -- --url <ApiUrl>');
  });

  it('refuses a missing flag with exit 2, naming it', async () => {
    const run = await smoke(['--url', 'http://127.0.0.1:1']);

    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing --admin-token, --ingest-token, --to');
  });
});
