/**
 * `npm start` itself, as a user runs it: a real process serving HTTP, Ctrl-C
 * stopping everything it started (DynamoDB Local's JVM included), and the data
 * (config, tokens, notification state, mailbox) surviving a restart.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { alertmanagerFiring } from '../fixtures';
import { call } from './support';

interface Started {
  readonly child: ChildProcess;
  readonly url: string;
  readonly adminToken: string;
  readonly ingestToken: string;
  readonly output: () => string;
}

const ROOT = path.resolve(__dirname, '../..');

async function npmStart(dataDir: string): Promise<Started> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', ALERTMAIL_MAILBOX_PORT: '0', ALERTMAIL_DATA_DIR: dataDir },
    detached: true, // its own process group, so the test can send Ctrl-C's SIGINT to all of it
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const deadline = Date.now() + 90_000;
  while (!/ingest token\s+\S+/.test(output)) {
    if (child.exitCode !== null) throw new Error(`npm start exited early:\n${output}`);
    if (Date.now() > deadline) throw new Error(`npm start did not come up in 90 s:\n${output}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const pick = (pattern: RegExp) => {
    const value = pattern.exec(output)?.[1];
    if (!value) throw new Error(`not in the banner: ${pattern}\n${output}`);
    return value;
  };
  return {
    child,
    url: pick(/console\s+(http:\/\/127\.0\.0\.1:\d+)\//),
    adminToken: pick(/admin token\s+(\S+)/),
    ingestToken: pick(/ingest token\s+(\S+)/),
    output: () => output,
  };
}

/** Sends SIGINT to the whole process group, as Ctrl-C in a terminal does; resolves when npm has exited. */
async function ctrlC(started: Started): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    started.child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  process.kill(-(started.child.pid as number), 'SIGINT');
  const timeout = new Promise<'timeout'>((resolve) => setTimeout(() => resolve('timeout'), 20_000));
  const result = await Promise.race([exited, timeout]);
  if (result === 'timeout') {
    process.kill(-(started.child.pid as number), 'SIGKILL');
    throw new Error('npm start did not stop within 20 s of Ctrl-C');
  }
  return result;
}

async function waitUntil(condition: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

function javaProcessesFor(dataDir: string): string[] {
  const ps = execFileSync('ps', ['-eo', 'pid,args'], { encoding: 'utf8' });
  return ps.split('\n').filter((line) => line.includes('LoopbackDynamoDB') && line.includes(dataDir));
}

describe('npm start', () => {
  jest.setTimeout(240_000);
  let dataDir: string;
  let running: Started | undefined;

  beforeAll(async () => {
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'alertmail-npm-start-'));
  });

  afterAll(async () => {
    try {
      if (running?.child.exitCode === null) process.kill(-(running.child.pid as number), 'SIGKILL');
    } catch {
      // already gone
    }
  });

  it('serves the API, delivers to its development mailbox, stops on Ctrl-C, and keeps its data across a restart', async () => {
    // Arrange: first start
    running = await npmStart(dataDir);
    const first = running;
    expect(first.output()).toContain('alertmail is running');
    expect((await call(first.url, 'GET', '/healthz')).status).toBe(200);

    // Act: the README walk-through against the pre-set development mailbox
    const added = await call(first.url, 'POST', '/v1/config/recipients', {
      token: first.adminToken,
      body: { address: 'oncall@example.com' },
    });
    const posted = await call(first.url, 'POST', '/v1/alerts', {
      token: first.ingestToken,
      body: alertmanagerFiring.body,
    });
    const mailbox = await call(first.url, 'GET', '/local/mailbox', { token: first.adminToken });

    // Assert
    expect(added.status).toBe(201);
    expect(posted.status).toBe(202);
    expect(posted.body.notified).toBe(2);
    expect(mailbox.body.messages).toHaveLength(1);
    expect(mailbox.body.messages[0].subject).toBe('[FIRING:2] KubePodCrashLooping (payments, warning)');
    expect(javaProcessesFor(dataDir)).toHaveLength(1);

    // Ctrl-C stops everything, the JVM included
    // npm re-raises the SIGINT it got, so it ends by that signal (or 0 if the runtime won the race).
    const stopped = await ctrlC(first);
    expect(stopped.signal === 'SIGINT' || stopped.code === 0).toBe(true);
    expect(first.output()).toContain('SIGINT: stopping');
    await waitUntil(() => javaProcessesFor(dataDir).length === 0);
    expect(javaProcessesFor(dataDir)).toHaveLength(0);

    // Restart: same tokens, same config, same notification state, same mailbox
    running = await npmStart(dataDir);
    const second = running;
    expect(second.adminToken).toBe(first.adminToken);
    expect(second.ingestToken).toBe(first.ingestToken);
    const config = await call(second.url, 'GET', '/v1/config', { token: second.adminToken });
    expect(config.body.recipients).toEqual(['oncall@example.com']);
    const again = await call(second.url, 'POST', '/v1/alerts', {
      token: second.ingestToken,
      body: alertmanagerFiring.body,
    });
    expect(again.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 2 } });
    expect((await call(second.url, 'GET', '/local/mailbox', { token: second.adminToken })).body.messages).toHaveLength(
      1,
    );
    await ctrlC(second);
    await waitUntil(() => javaProcessesFor(dataDir).length === 0);
    expect(javaProcessesFor(dataDir)).toHaveLength(0);
  });
});
