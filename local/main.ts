/**
 * `npm start`: alertmail on this machine. Ctrl-C (SIGINT) or SIGTERM stops it gracefully: no new
 * connections, the requests in flight answered (up to SHUTDOWN_GRACE_MS), then everything it
 * started, DynamoDB Local's Java process included; it exits 0.
 */
import { messageOf } from '../lib/errors';
import { SHUTDOWN_GRACE_MS } from './http-exchange';
import { DEFAULT_HTTP_PORT, DEFAULT_MAILBOX_PORT, startLocalRuntime } from './runtime';

// Lambda runs Node 22; locally Node 20 is supported by this code, so the SDK's upgrade notice is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

async function main(): Promise<void> {
  const port = Number(process.env.PORT ?? DEFAULT_HTTP_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new Error(`PORT must be a port number, got ${process.env.PORT}`);
  const runtime = await startLocalRuntime({
    port,
    dataDir: process.env.ALERTMAIL_DATA_DIR ?? '.data',
    mailboxPort: Number(process.env.ALERTMAIL_MAILBOX_PORT ?? DEFAULT_MAILBOX_PORT),
    adminToken: process.env.ALERTMAIL_ADMIN_TOKEN || undefined,
    ingestToken: process.env.ALERTMAIL_INGEST_TOKEN || undefined,
  });
  const lines = [
    '',
    'alertmail is running',
    `  console       ${runtime.url}/`,
    `  API           ${runtime.url}/v1   (OpenAPI: ${runtime.url}/v1/openapi.json)`,
    `  admin token   ${runtime.adminToken}`,
    `  ingest token  ${runtime.ingestToken}`,
    `  dev mailbox   SMTP 127.0.0.1:${runtime.mailbox.smtpPort} (messages in the console)`,
    `  data          ${process.env.ALERTMAIL_DATA_DIR ?? '.data'}`,
    '',
    'Press Ctrl-C to stop.',
    '',
  ];
  process.stderr.write(lines.join('\n'));
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(
      `\n${signal}: stopping (answering requests in flight, up to ${SHUTDOWN_GRACE_MS / 1000} s)...\n`,
    );
    runtime.stop().then(
      () => process.exit(0),
      (error: unknown) => {
        process.stderr.write(`error while stopping: ${String(error)}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  process.stderr.write(`alertmail failed to start: ${messageOf(error)}\n`);
  process.exit(1);
});
