/**
 * The real thing: Debian's prometheus-alertmanager with a webhook receiver (bearer token,
 * send_resolved) pointed at the local runtime. Alerts posted to Alertmanager's own
 * `POST /api/v2/alerts` reach an inbox as a firing email, then as the resolved notice in the same
 * thread; a 503 from alertmail makes Alertmanager retry, and the retry delivers exactly once.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort } from '../../local/dynamodb';
import {
  call,
  mailThrough,
  sleep,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const ALERTMANAGER = process.env.ALERTMANAGER_BIN ?? '/usr/bin/prometheus-alertmanager';
const present = existsSync(ALERTMANAGER);
if (!present) {
  console.warn(`alertmanager.test.ts skipped: ${ALERTMANAGER} not found (apt-get install prometheus-alertmanager)`);
}
const describeIfPresent = present ? describe : describe.skip;
const suiteName = present
  ? 'Prometheus Alertmanager 0.25 → alertmail webhook'
  : `Prometheus Alertmanager → alertmail webhook (SKIPPED: ${ALERTMANAGER} not found)`;

describeIfPresent(suiteName, () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let am: ChildProcess | undefined;
  let amUrl: string;
  let dir: string;
  let amOutput = '';

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    await mailThrough(runtime, smtp);

    dir = await mkdtemp(path.join(os.tmpdir(), 'alertmail-am-'));
    const config = [
      'route:',
      '  receiver: alertmail',
      "  group_by: ['alertname']",
      '  group_wait: 1s',
      '  group_interval: 1s',
      '  repeat_interval: 1h',
      'receivers:',
      '  - name: alertmail',
      '    webhook_configs:',
      `      - url: ${JSON.stringify(`${runtime.url}/v1/alerts`)}`,
      '        send_resolved: true',
      '        http_config:',
      '          authorization:',
      '            type: Bearer',
      `            credentials: ${JSON.stringify(runtime.ingestToken)}`,
      '',
    ].join('\n');
    await writeFile(path.join(dir, 'alertmanager.yml'), config, { mode: 0o600 });
    const port = await freePort();
    amUrl = `http://127.0.0.1:${port}`;
    am = spawn(
      ALERTMANAGER,
      [
        `--config.file=${path.join(dir, 'alertmanager.yml')}`,
        `--storage.path=${path.join(dir, 'data')}`,
        `--web.listen-address=127.0.0.1:${port}`,
        '--cluster.listen-address=',
        '--log.level=debug',
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const collect = (chunk: Buffer) => {
      amOutput = (amOutput + chunk.toString()).slice(-20_000);
    };
    am.stdout?.on('data', collect);
    am.stderr?.on('data', collect);
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (am.exitCode !== null) throw new Error(`Alertmanager exited (${am.exitCode}):\n${amOutput}`);
      const ready = await fetch(`${amUrl}/-/ready`).then(
        (r) => r.ok,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error(`Alertmanager did not become ready:\n${amOutput}`);
      await sleep(100);
    }
  });

  afterAll(async () => {
    if (am && am.exitCode === null) {
      const exited = new Promise((resolve) => am?.once('exit', resolve));
      am.kill('SIGTERM');
      await Promise.race([exited, sleep(3000)]);
      if (am.exitCode === null && am.signalCode === null) am.kill('SIGKILL');
    }
    await runtime?.stop();
    await smtp?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => {
    smtp.received.length = 0;
  });

  const postToAlertmanager = async (alerts: unknown[]) => {
    const res = await fetch(`${amUrl}/api/v2/alerts`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(alerts),
    });
    expect(res.status).toBe(200);
  };

  async function exactly(count: number, timeoutMs: number) {
    try {
      await smtp.waitFor(count, timeoutMs);
    } catch (error) {
      throw new Error(
        `${(error as Error).message}\nAlertmanager log:\n${amOutput}\nalertmail log:\n${runtime.logs.join('\n')}`,
      );
    }
    await sleep(1500);
    // Subjects and dates say what the extra mail was, should there be one.
    expect(smtp.received.map((m) => `${m.parsed.subject} @${m.parsed.date?.toISOString()}`)).toHaveLength(count);
    return [...smtp.received];
  }

  it('delivers the firing email, then the resolved notice in the same thread', async () => {
    const name = `AmCpuHigh${randomBytes(3).toString('hex')}`;
    const startsAt = new Date(Date.now() - 60_000).toISOString();
    const alerts = ['node-1', 'node-2'].map((instance) => ({
      labels: { alertname: name, severity: 'critical', instance, job: 'node' },
      annotations: { summary: `CPU on ${instance} above 90%`, description: 'For 10 minutes.' },
      startsAt,
      endsAt: new Date(Date.now() + 10 * 60_000).toISOString(),
      generatorURL: 'http://prometheus.example:9090/graph?g0.expr=cpu',
    }));

    await postToAlertmanager(alerts);
    const [firing] = await exactly(1, 20_000);

    expect(firing?.parsed.subject).toBe(`[FIRING:2] ${name} (critical)`);
    expect(firing?.parsed.text).toContain('CPU on node-1 above 90%');
    expect(firing?.parsed.text).toContain('CPU on node-2 above 90%');
    expect(firing?.envelope.to).toEqual(['oncall@example.com']);

    // Resolve both: endsAt in the past.
    smtp.received.length = 0;
    const endsAt = new Date(Date.now() - 1_000).toISOString();
    await postToAlertmanager(alerts.map((a) => ({ ...a, endsAt })));
    const [resolved] = await exactly(1, 20_000);

    expect(resolved?.parsed.subject).toBe(`[RESOLVED:2] ${name} (critical)`);
    expect(resolved?.parsed.references).toEqual(firing?.parsed.references);
    expect(resolved?.parsed.inReplyTo).toBe(firing?.parsed.inReplyTo);

    const log = await call(runtime.url, 'GET', '/v1/deliveries?limit=2', { token: runtime.adminToken });
    expect(log.body.deliveries.map((d: { kind: string }) => d.kind)).toEqual(['resolved', 'firing']);
  });

  it('retries after a 503 DELIVERY_FAILED and the retry delivers exactly one email', async () => {
    const name = `AmRetry${randomBytes(3).toString('hex')}`;
    smtp.failNext(1);

    await postToAlertmanager([
      {
        labels: { alertname: name, severity: 'warning' },
        annotations: { summary: 'Retried by Alertmanager' },
        startsAt: new Date(Date.now() - 60_000).toISOString(),
      },
    ]);
    const [mail] = await exactly(1, 30_000);

    expect(mail?.parsed.subject).toBe(`[FIRING:1] ${name} (warning)`);
    const log = await call(runtime.url, 'GET', '/v1/deliveries?limit=2', { token: runtime.adminToken });
    expect(log.body.deliveries.map((d: { outcome: string }) => d.outcome)).toEqual(['sent', 'failed']);
    expect(runtime.logs.some((line) => line.includes('"code":"DELIVERY_FAILED"'))).toBe(true);
  });
});
