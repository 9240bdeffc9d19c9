/** Child processes the bench starts, their CPU use (from /proc) and their certain end. */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs, readFileSync } from 'node:fs';
import path from 'node:path';
import { freePort } from '../local/dynamodb';

const TICKS_PER_SECOND = 100;

/** CPU seconds (user + system) a process has used so far; 0 when it is gone. */
export function cpuSeconds(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may contain spaces) start at ") ".
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11] ?? 0);
    const stime = Number(fields[12] ?? 0);
    return (utime + stime) / TICKS_PER_SECOND;
  } catch {
    return 0;
  }
}

/** Peak RSS (VmHWM) of a process in bytes; 0 when it is gone. */
export function peakRssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const match = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return match?.[1] ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** Stops a child: SIGTERM, then SIGKILL after `graceMs`. Resolves when it has exited. */
export async function stopChild(child: ChildProcess, graceMs = 5_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export interface Alertmanager {
  readonly url: string;
  readonly process: ChildProcess;
  readonly version: string;
  stop(): Promise<void>;
}

/** An email receiver: every new alert name is a group of its own, mailed at once (`group_wait: 0s`). */
export interface AlertmanagerEmail {
  readonly smtpPort: number;
  readonly to: string;
}

function emailConfig(email: AlertmanagerEmail): string {
  return [
    'global:',
    `  smtp_smarthost: '127.0.0.1:${email.smtpPort}'`,
    "  smtp_from: 'alertmanager@bench.invalid'",
    '  smtp_require_tls: false',
    "  smtp_hello: 'localhost'",
    'route:',
    '  receiver: email',
    "  group_by: ['alertname']",
    '  group_wait: 0s',
    '  group_interval: 1m',
    '  repeat_interval: 4h',
    'receivers:',
    '  - name: email',
    '    email_configs:',
    `      - to: '${email.to}'`,
    '',
  ].join('\n');
}

/**
 * Debian's prometheus-alertmanager on 127.0.0.1, clustering off, storage in `dir`: one receiver with
 * no integrations, or with `email` one email receiver (the latency row).
 */
export async function startAlertmanager(dir: string, email?: AlertmanagerEmail): Promise<Alertmanager> {
  await fs.mkdir(path.join(dir, 'data'), { recursive: true });
  const config = path.join(dir, 'alertmanager.yml');
  await fs.writeFile(config, email ? emailConfig(email) : "route:\n  receiver: 'null'\nreceivers:\n  - name: 'null'\n");
  const port = await freePort();
  const binary = '/usr/bin/prometheus-alertmanager';
  const child = spawn(
    binary,
    [
      `--config.file=${config}`,
      `--storage.path=${path.join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--cluster.listen-address=',
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let output = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4000);
  });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 20_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`alertmanager exited (${child.exitCode}): ${output}`);
    try {
      const res = await fetch(`${url}/-/ready`);
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`alertmanager not ready within 20 s: ${output}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  let version = 'unknown';
  try {
    const res = await fetch(`${url}/api/v2/status`);
    const status = (await res.json()) as { versionInfo?: { version?: string } };
    version = status.versionInfo?.version ?? version;
  } catch {
    // keep unknown
  }
  return { url, process: child, version, stop: () => stopChild(child) };
}
