/**
 * One bundled function in a long-lived Node process, as one warm Lambda instance: the bundle is
 * required once (module-scope clients, caches and the cold start happen once, as on Lambda) and
 * serves events one at a time, read as JSON lines from stdin; each answer comes back on fd 3 so
 * the function's own log lines on stdout/stderr cannot be mistaken for it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { promises as fs } from 'node:fs';
import path from 'node:path';
import readline from 'node:readline';
import type { Readable } from 'node:stream';

const HOST_SCRIPT = `
const fs = require('node:fs');
const readline = require('node:readline');
const mod = require(process.argv[2]);
const answers = fs.createWriteStream(null, { fd: 3 });
const queue = [];
let busy = false;
function next() {
  if (busy || queue.length === 0) return;
  busy = true;
  const { id, handler, event } = JSON.parse(queue.shift());
  const context = { awsRequestId: String(id), functionName: process.env.AWS_LAMBDA_FUNCTION_NAME, getRemainingTimeInMillis: () => 25000 };
  Promise.resolve()
    .then(() => mod[handler](event, context))
    .then(
      (result) => answers.write(JSON.stringify({ id, result: result === undefined ? null : result }) + '\\n'),
      (error) => answers.write(JSON.stringify({ id, error: { name: error && error.name, message: String(error && error.message || error) } }) + '\\n'),
    )
    .finally(() => { busy = false; next(); });
}
readline.createInterface({ input: process.stdin }).on('line', (line) => { queue.push(line); next(); });
`;

export interface Invocation<T> {
  readonly result?: T;
  readonly error?: { readonly name: string; readonly message: string };
}

export class FunctionHost {
  private nextId = 1;
  private readonly pending = new Map<number, (answer: Invocation<unknown>) => void>();
  private readonly output: string[] = [];

  private constructor(
    readonly name: string,
    private readonly child: ChildProcess,
  ) {
    const answers = child.stdio[3] as Readable;
    readline.createInterface({ input: answers }).on('line', (line) => {
      const { id, ...answer } = JSON.parse(line) as Invocation<unknown> & { id: number };
      this.pending.get(id)?.(answer);
      this.pending.delete(id);
    });
    const keep = (chunk: Buffer) => {
      this.output.push(chunk.toString());
      if (this.output.length > 200) this.output.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    child.on('exit', (code) => {
      for (const resolve of this.pending.values()) {
        resolve({ error: { name: 'Exit', message: `${name} exited ${code}: ${this.logs().slice(-2000)}` } });
      }
      this.pending.clear();
    });
  }

  /** Starts `bundle` (an index.js) with exactly `env` (nothing inherited from the test process). */
  static async start(
    name: string,
    bundle: string,
    env: Record<string, string>,
    workDir: string,
  ): Promise<FunctionHost> {
    // One file per host: a file rewritten while another host's Node reads it would run empty.
    const script = path.join(workDir, `function-host-${name}-${process.hrtime.bigint()}.js`);
    await fs.writeFile(script, HOST_SCRIPT);
    const child = spawn(process.execPath, [script, bundle], { env, stdio: ['pipe', 'pipe', 'pipe', 'pipe'] });
    return new FunctionHost(name, child);
  }

  invoke<T>(handler: string, event: unknown, timeoutMs = 20_000): Promise<Invocation<T>> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new Error(`${this.name}: no answer in ${timeoutMs} ms; its output: ${this.logs().slice(-2000)}`));
      }, timeoutMs);
      this.pending.set(id, (answer) => {
        clearTimeout(timer);
        resolve(answer as Invocation<T>);
      });
      this.child.stdin?.write(`${JSON.stringify({ id, handler, event })}\n`);
    });
  }

  /** What the function logged (the last lines). */
  logs(): string {
    return this.output.join('');
  }

  stop(): Promise<void> {
    return new Promise((resolve) => {
      if (this.child.exitCode !== null) return resolve();
      this.child.once('exit', () => resolve());
      this.child.stdin?.end();
      this.child.kill('SIGTERM');
    });
  }
}
