/**
 * Closed-loop load: `concurrency` workers each run one operation after another for a warm-up
 * and then a fixed measured window. Bounded in time (warm-up + window + one operation's
 * timeout) and in count (`maxOps`). Only operations that finish inside the window count.
 */
import http from 'node:http';
import { performance } from 'node:perf_hooks';

export interface LoopOptions {
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly durationMs: number;
  readonly maxOps: number;
  /** One operation; resolves to the units it did (alerts, keys, items). */
  readonly op: (worker: number) => Promise<number>;
}

export interface LoopResult {
  /** Units per second over the measured window. */
  readonly rate: number;
  readonly units: number;
  readonly ops: number;
  readonly errors: number;
  readonly firstError?: string;
  readonly seconds: number;
  /** Per-operation latency in the window, ms. */
  readonly p50Ms: number;
  readonly p99Ms: number;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export function median(values: readonly number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

export async function closedLoop(options: LoopOptions): Promise<LoopResult> {
  const start = performance.now();
  const measureFrom = start + options.warmupMs;
  const end = measureFrom + options.durationMs;
  let started = 0;
  let units = 0;
  let ops = 0;
  let errors = 0;
  let firstError: string | undefined;
  let lastInWindow = measureFrom;
  const latencies: number[] = [];
  const worker = async (id: number) => {
    while (performance.now() < end && started < options.maxOps) {
      started++;
      const t0 = performance.now();
      try {
        const done = await options.op(id);
        const t1 = performance.now();
        if (t1 >= measureFrom && t1 <= end) {
          units += done;
          ops++;
          latencies.push(t1 - t0);
          lastInWindow = t1;
        }
      } catch (error) {
        errors++;
        firstError ??= error instanceof Error ? error.message : String(error);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, (_, id) => worker(id)));
  // Stopped by maxOps before the window closed: rate over the part of the window actually used.
  const seconds = (started >= options.maxOps ? lastInWindow - measureFrom : options.durationMs) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    rate: seconds > 0 ? units / seconds : 0,
    units,
    ops,
    errors,
    firstError,
    seconds,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
  };
}

export interface HttpReply {
  readonly status: number;
  readonly body: string;
}

/** A keep-alive HTTP/1.1 client for 127.0.0.1 with at most `connections` sockets. */
export class HttpClient {
  private readonly agent: http.Agent;

  constructor(
    private readonly base: string,
    connections: number,
    private readonly timeoutMs = 30_000,
  ) {
    const url = new URL(base);
    if (url.hostname !== '127.0.0.1') throw new Error(`the bench only targets 127.0.0.1, not ${url.hostname}`);
    this.agent = new http.Agent({ keepAlive: true, maxSockets: connections, maxFreeSockets: connections });
  }

  request(method: string, path: string, headers: Record<string, string>, body?: Buffer | string): Promise<HttpReply> {
    const url = new URL(path, this.base);
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          agent: this.agent,
          host: '127.0.0.1',
          port: url.port,
          method,
          path: `${url.pathname}${url.search}`,
          headers: body === undefined ? headers : { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          timeout: this.timeoutMs,
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer within ${this.timeoutMs} ms`)));
      req.on('error', reject);
      req.end(body);
    });
  }

  close(): void {
    this.agent.destroy();
  }
}
