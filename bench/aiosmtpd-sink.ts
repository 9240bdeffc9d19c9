/**
 * Debian's aiosmtpd (python3-aiosmtpd) as the mail server both alertmail and Alertmanager send to
 * in the latency row: a plain SMTP server with no greeting pause, in its own process. Its handler
 * (bench/aiosmtpd_arrivals.py) prints when each step of every message arrived; `waitFor` finds a
 * message by the bench's token. Times are epoch milliseconds (`epochNow()` on this side).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { freePort } from '../local/dynamodb';
import { stopChild } from './procs';

export const AIOSMTPD_PYTHON = '/usr/bin/python3';

/** Epoch milliseconds with sub-millisecond resolution, as the handler's and the runtime's phase marks. */
export const epochNow = (): number => performance.timeOrigin + performance.now();

/** One accepted message, as the handler saw it (epoch ms). `rset` only on a reused connection. */
export interface Arrival {
  readonly connected: number;
  readonly ehlo?: number;
  readonly rset?: number;
  readonly mail?: number;
  readonly rcpt?: number;
  readonly accepted: number;
  readonly token: string | null;
  /** 1 for the first message of its connection, 2 for the next, ... */
  readonly message: number;
  readonly bytes: number;
}

export interface AiosmtpdSink {
  readonly port: number;
  readonly process: ChildProcess;
  count(): number;
  waitFor(token: string, timeoutMs: number): Promise<Arrival>;
  stop(): Promise<void>;
}

/** Is Debian's python3-aiosmtpd installed (.ci/run installs it)? */
export function hasAiosmtpd(): boolean {
  return existsSync('/usr/lib/python3/dist-packages/aiosmtpd/__init__.py') && existsSync(AIOSMTPD_PYTHON);
}

export async function startAiosmtpdSink(): Promise<AiosmtpdSink> {
  const port = await freePort();
  const child = spawn(
    AIOSMTPD_PYTHON,
    ['-m', 'aiosmtpd', '-n', '-l', `127.0.0.1:${port}`, '-c', 'aiosmtpd_arrivals.Arrivals'],
    { cwd: __dirname, env: { ...process.env, PYTHONPATH: __dirname }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let errors = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    errors = (errors + chunk.toString()).slice(-4000);
  });
  let accepted = 0;
  const arrivals = new Map<string, Arrival>();
  const watches = new Map<string, (arrival: Arrival) => void>();
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let arrival: Arrival;
    try {
      arrival = JSON.parse(line) as Arrival;
    } catch {
      return;
    }
    accepted++;
    if (!arrival.token) return;
    const watch = watches.get(arrival.token);
    if (watch) {
      watches.delete(arrival.token);
      watch(arrival);
    } else if (arrivals.size < 10_000) arrivals.set(arrival.token, arrival);
  });
  // Ready when it answers a connection with its greeting.
  const deadline = Date.now() + 15_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aiosmtpd exited (${child.exitCode}): ${errors}`);
    if (await greets(port)) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`aiosmtpd not ready within 15 s: ${errors}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return {
    port,
    process: child,
    count: () => accepted,
    waitFor(token, timeoutMs) {
      const early = arrivals.get(token);
      if (early) {
        arrivals.delete(token);
        return Promise.resolve(early);
      }
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watches.delete(token);
          reject(new Error(`aiosmtpd: no mail containing ${token} within ${timeoutMs} ms`));
        }, timeoutMs);
        watches.set(token, (arrival) => {
          clearTimeout(timer);
          resolve(arrival);
        });
      });
    },
    stop: () => stopChild(child),
  };
}

async function greets(port: number): Promise<boolean> {
  const net = await import('node:net');
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(1000, () => done(false));
    socket.once('data', (data) => done(data.toString().startsWith('220')));
    socket.once('error', () => done(false));
  });
}
