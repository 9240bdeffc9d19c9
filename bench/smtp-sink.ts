/** A real SMTP server (smtp-server) on 127.0.0.1 that accepts every message and notes when. */
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { SMTPServer } from 'smtp-server';
import { SMTPConnection } from 'smtp-server/lib/smtp-connection';

interface Watch {
  readonly token: Buffer;
  readonly resolve: (times: SinkTimes) => void;
}

/** performance.now() when the client's TCP connection arrived, and when the message was accepted. */
export interface SinkTimes {
  readonly connectedAt: number;
  readonly acceptedAt: number;
}

export interface SmtpSink {
  readonly port: number;
  /** Messages accepted so far. */
  count(): number;
  /** Resolves when the sink accepts a message containing `token`: then, and when its connection arrived. */
  waitFor(token: string, timeoutMs: number): Promise<SinkTimes>;
  stop(): Promise<void>;
}

export async function startSmtpSink(): Promise<SmtpSink> {
  let accepted = 0;
  const watches = new Set<Watch>();
  /** Arrival of each open connection, by the client's port. */
  const connectedAt = new Map<number, number>();
  const server = new SMTPServer({
    logger: false,
    // No reverse DNS query per connection (this machine has no resolver): the sink's own work.
    disableReverseLookup: true,
    authOptional: true,
    disabledCommands: ['STARTTLS', 'AUTH'],
    onData(stream, session, callback) {
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
              watch.resolve({ connectedAt: connectedAt.get(session.remotePort) ?? Number.NaN, acceptedAt: now });
            }
          }
        }
        callback();
      });
    },
  });
  server.on('error', () => {});
  withoutGreetingPause(server);
  server.server.on('connection', (socket: Socket) => {
    const port = socket.remotePort ?? 0;
    connectedAt.set(port, performance.now());
    socket.once('close', () => connectedAt.delete(port));
  });
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
          resolve: (times) => {
            clearTimeout(timer);
            resolve(times);
          },
        };
        watches.add(watch);
      });
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** The parts of smtp-server's connection handling that `connect` below uses (not in its typings). */
interface ConnectionInternals {
  on(event: 'error' | 'connect', listener: (arg: unknown) => void): void;
  _setListeners(ready: () => void): void;
  connectionReady(): void;
}
interface ServerInternals {
  connections: Set<unknown>;
  connect(socket: Socket, socketOptions: ConstructorParameters<typeof SMTPConnection>[2]): void;
  _onError(error: unknown): void;
  _onClientConnect(data: unknown): void;
}

/**
 * smtp-server waits a fixed 100 ms after each connection before its greeting (to catch clients that
 * talk too soon), with no option to turn it off: that pause hid everything else in the latency
 * row. This is its own `connect` with the greeting sent as soon as the listeners are set.
 */
function withoutGreetingPause(server: SMTPServer): void {
  const internals = server as unknown as ServerInternals;
  internals.connect = (socket, socketOptions) => {
    const connection = new SMTPConnection(server, socket, socketOptions) as unknown as ConnectionInternals;
    internals.connections.add(connection);
    connection.on('error', (error) => internals._onError(error));
    connection.on('connect', (data) => internals._onClientConnect(data));
    connection._setListeners(() => connection.connectionReady());
  };
}
