/** A real SMTP server (smtp-server) on 127.0.0.1 that accepts every message and notes when. */
import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';

interface Watch {
  readonly token: Buffer;
  readonly resolve: (acceptedAt: number) => void;
}

export interface SmtpSink {
  readonly port: number;
  /** Messages accepted so far. */
  count(): number;
  /** Resolves with performance.now() at the moment the sink accepts a message containing `token`. */
  waitFor(token: string, timeoutMs: number): Promise<number>;
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let accepted = 0;
  const watches = new Set<Watch>();
  const server = new SMTPServer({
    logger: false,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (chunk: Buffer) => {
        if (watches.size > 0) chunks.push(chunk);
      });
      stream.on('end', () => {
        accepted++;
        const now = performance.now();
        if (watches.size > 0) {
          const raw = Buffer.concat(chunks);
          for (const watch of watches) {
            if (raw.includes(watch.token)) {
              watches.delete(watch);
              watch.resolve(now);
            }
          }
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const port = (server.server.address() as AddressInfo).port;
  return {
    port,
    count: () => accepted,
    waitFor(token, timeoutMs) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          watches.delete(watch);
          reject(new Error(`no mail containing ${token} within ${timeoutMs} ms`));
        }, timeoutMs);
        const watch: Watch = {
          token: Buffer.from(token),
          resolve: (at) => {
            clearTimeout(timer);
            resolve(at);
          },
        };
        watches.add(watch);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
