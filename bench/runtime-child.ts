/**
 * The local runtime in its own process, so its memory and CPU are not mixed with the load
 * generator's. Started by bench/run.ts with `fork`; configuration comes from the environment:
 *   BENCH_DYNAMODB_ENDPOINT, BENCH_TABLE_PREFIX, BENCH_DATA_DIR, BENCH_SMTP_PORT, BENCH_RECIPIENT
 * It points the mail server at the bench's SMTP sink, adds one recipient, then answers the
 * parent's messages (memory samples, CPU profile on/off, stop). It exits when the parent goes.
 */
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { ConflictError } from '../lib/errors';
import { type PhaseMark, recordPhases } from '../lib/phases';
import { startLocalRuntime } from '../local/runtime';
import { type ChildMessage, isParentMessage } from './protocol';

process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

function env(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`runtime-child: ${name} is not set`);
  return value;
}

function reply(message: ChildMessage): void {
  process.send?.(message);
}

async function main(): Promise<void> {
  if (!process.send) throw new Error('runtime-child must be started with fork()');
  process.on('disconnect', () => process.exit(1));
  const runtime = await startLocalRuntime({
    port: 0,
    mailboxPort: 0,
    dataDir: env('BENCH_DATA_DIR'),
    dynamodbEndpoint: env('BENCH_DYNAMODB_ENDPOINT'),
    tablePrefix: env('BENCH_TABLE_PREFIX'),
    log: () => {},
  });
  await runtime.app.config.setServer({
    host: '127.0.0.1',
    port: Number(env('BENCH_SMTP_PORT')),
    security: 'none',
    from: 'alertmail@bench.invalid',
  });
  try {
    await runtime.app.config.addRecipient(env('BENCH_RECIPIENT'));
  } catch (error) {
    if (!(error instanceof ConflictError)) throw error;
  }

  let peakRss = 0;
  let peakHeapUsed = 0;
  // The sampler runs inside the measured process: keep it cheap. process.memoryUsage() also
  // computes V8 heap statistics (~0.5 ms here); even rss() alone, one read of /proc, took 2 % of
  // the runtime's CPU in the profile at 50 Hz, so it samples at 10 Hz (getrusage's max RSS, also
  // reported, catches any peak between samples). The heap, a secondary figure, every 5th tick.
  let ticks = 0;
  const sample = () => {
    const rss = process.memoryUsage.rss();
    if (rss > peakRss) peakRss = rss;
    if (ticks++ % 5 === 0) {
      const { heapUsed } = process.memoryUsage();
      if (heapUsed > peakHeapUsed) peakHeapUsed = heapUsed;
    }
  };
  setInterval(sample, 100).unref();

  let session: Session | undefined;
  /** At most this many marks are kept (a latency run makes ~20 per post). */
  const MAX_MARKS = 100_000;
  let marks: PhaseMark[] = [];
  process.on('message', (raw: unknown) => {
    if (!isParentMessage(raw)) return;
    const handle = async () => {
      switch (raw.type) {
        case 'mem-reset':
          peakRss = 0;
          peakHeapUsed = 0;
          sample();
          return;
        case 'mem-read':
          sample();
          return reply({
            type: 'mem',
            peakRss,
            peakHeapUsed,
            rss: process.memoryUsage().rss,
            lifetimeMaxRss: process.resourceUsage().maxRSS * 1024,
          });
        case 'profile-start':
          session = new Session();
          session.connect();
          await session.post('Profiler.enable');
          // 1 ms, as `node --cpu-prof` samples by default.
          await session.post('Profiler.setSamplingInterval', { interval: 1000 });
          await session.post('Profiler.start');
          return reply({ type: 'profile-started' });
        case 'profile-stop': {
          if (!session) throw new Error('profile-stop without profile-start');
          const { profile } = await session.post('Profiler.stop');
          session.disconnect();
          session = undefined;
          writeFileSync(raw.file, JSON.stringify(profile));
          return reply({ type: 'profile-done', file: raw.file });
        }
        case 'phases-start':
          marks = [];
          recordPhases((mark) => {
            if (marks.length < MAX_MARKS) marks.push(mark);
          });
          return reply({ type: 'phases-started' });
        case 'phases-stop':
          recordPhases(undefined);
          return reply({ type: 'phases', marks });
        case 'stop':
          await runtime.stop();
          process.exit(0);
      }
    };
    handle().catch((error: unknown) => reply({ type: 'error', message: String(error) }));
  });

  reply({
    type: 'ready',
    url: runtime.url,
    adminToken: runtime.adminToken,
    ingestToken: runtime.ingestToken,
    dataDir: env('BENCH_DATA_DIR'),
    startupRss: process.memoryUsage().rss,
  });
}

main().catch((error: unknown) => {
  reply({ type: 'error', message: error instanceof Error ? (error.stack ?? error.message) : String(error) });
  setTimeout(() => process.exit(1), 100);
});
