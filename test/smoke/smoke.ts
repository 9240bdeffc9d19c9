/**
 * `npm run smoke -- --url <ApiUrl> --admin-token <T> --ingest-token <T> --to <address>`: the
 * check a user runs after deploying (or against `npm start`). It walks the path an alert takes,
 * one line per step, and stops at the first failure with the likely cause:
 *
 *   health → console page → config read → Send Test Message to --to → one new alert posted →
 *   its delivery in GET /v1/deliveries → the same alert re-posted and held back by the repeat interval
 *
 * The alert is new on every run (a `smoke_run` label unique to the run), so the repeat interval
 * never hides it. It reaches --to through the default route: when --to is not a recipient, the
 * smoke test adds it for the run and removes it afterwards, on failure and Ctrl-C too, so the
 * configuration is left as it was found. Plain Node fetch, no dependency.
 */
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { MailErrorCode } from '../../lib/errors';

const USAGE = `Usage: npm run smoke -- --url <ApiUrl> --admin-token <token> --ingest-token <token> --to <address>

Checks a deployed alertmail (or \`npm start\`) end to end, one line per step, and exits
non-zero at the first failure naming the likely cause.

  --url           the API's base URL: the stack's ApiUrl output, or http://127.0.0.1:8080
  --admin-token   an admin token (default: $ALERTMAIL_ADMIN_TOKEN)
  --ingest-token  an ingest token (default: $ALERTMAIL_INGEST_TOKEN)
  --to            the address that receives the test message and the smoke alert; added as a
                  recipient for the run if it is not one, and removed again afterwards
  --help          this text

Sends two emails to --to: a test message and one "AlertmailSmokeTest" alert.`;

/** How long the delivery may take to appear in GET /v1/deliveries. */
const DELIVERY_POLL_MS = 10_000;
/** Send Test Message answers within 15 s; leave room for the network. */
const REQUEST_TIMEOUT_MS = 20_000;

interface Options {
  readonly url: string;
  readonly adminToken: string;
  readonly ingestToken: string;
  readonly to: string;
}

/** A step failed: what was checked, and what to look at. */
class StepFailed extends Error {
  constructor(
    message: string,
    readonly cause_: string,
  ) {
    super(message);
  }
}

interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly text: string;
  readonly json: unknown;
  readonly ms: number;
}

interface ErrorBody {
  readonly error?: { readonly code?: string; readonly message?: string };
}

interface ConfigView {
  readonly server: { host: string; port: number; security: string; from: string } | null;
  readonly recipients: string[];
  readonly conditions: Array<{ label: string; operator: string; values?: string[] }>;
  readonly enabled: boolean;
  readonly repeatInterval: string;
}

interface IngestAnswer {
  readonly received: number;
  readonly matched: number;
  readonly notified: number;
  readonly suppressed: { conditions: number; repeatInterval: number; disabled: number; notConfigured?: number };
  readonly deliveryId: string | null;
}

interface DeliveryView {
  readonly id: string;
  readonly kind: string;
  readonly recipients: string[];
  readonly outcome: 'sent' | 'failed';
  readonly error: string | null;
}

const MAIL_HINTS: Readonly<Record<MailErrorCode, string>> = {
  SMTP_AUTH_FAILED: 'the mail server refused the sign-in: check username and password (PUT /v1/config/server)',
  SMTP_TLS_FAILED:
    'TLS failed: check security against the port (465 is "tls", 587 "starttls", 25 often "none"/"starttls") and the server certificate',
  SMTP_CONNECTION_FAILED:
    'no connection to the mail server: check host and port, and that the network lets the function out (security groups, firewalls; AWS blocks outbound port 25 from Lambda, use 587 or 465)',
  SMTP_TIMEOUT: 'the mail server did not answer in time: check host and port, and whether a firewall drops the traffic',
  SMTP_REJECTED:
    'the mail server refused the message: check that it accepts the configured "from" address and relays to the recipient',
  SES_REJECTED:
    'SES refused the message: check that the "from" identity is verified and, in the SES sandbox, that the recipient is verified too',
  OAUTH_TOKEN_FAILED:
    'the identity provider gave no access token: check the tenant, client ID and secret (or the Google key) and the admin consent (README "Mail server sign-in")',
  GRAPH_REJECTED:
    'Microsoft Graph refused the message: check the Mail.Send application permission (admin consent) and the mailbox (user)',
};

function parseOptions(argv: readonly string[], env: NodeJS.ProcessEnv): Options | 'help' {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      url: { type: 'string' },
      'admin-token': { type: 'string' },
      'ingest-token': { type: 'string' },
      to: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
    strict: true,
  });
  if (values.help) return 'help';
  const url = values.url;
  const adminToken = values['admin-token'] ?? env.ALERTMAIL_ADMIN_TOKEN;
  const ingestToken = values['ingest-token'] ?? env.ALERTMAIL_INGEST_TOKEN;
  const to = values.to;
  const missing = [
    url ? undefined : '--url',
    adminToken ? undefined : '--admin-token',
    ingestToken ? undefined : '--ingest-token',
    to ? undefined : '--to',
  ].filter((name) => name !== undefined);
  if (missing.length > 0 || !url || !adminToken || !ingestToken || !to) {
    throw new UsageError(`missing ${missing.join(', ')}`);
  }
  let base: URL;
  try {
    base = new URL(url);
  } catch {
    throw new UsageError(`--url ${url} is not a URL (e.g. https://abc123.execute-api.eu-west-1.amazonaws.com/)`);
  }
  if (base.protocol !== 'https:' && base.protocol !== 'http:') throw new UsageError('--url must be http(s)');
  if (!/^[^@\s]+@[^@\s]+$/.test(to)) throw new UsageError(`--to ${to} is not an email address`);
  return { url: base.href.replace(/\/+$/, ''), adminToken, ingestToken, to };
}

class UsageError extends Error {}

/** One HTTP exchange; a network failure becomes a StepFailed naming what it likely means. */
async function request(
  options: Options,
  method: string,
  path: string,
  init: { token?: string; body?: unknown } = {},
): Promise<Answer> {
  const headers: Record<string, string> = {};
  if (init.token) headers.authorization = `Bearer ${init.token}`;
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const started = performance.now();
  let res: Response;
  try {
    res = await fetch(`${options.url}${path}`, {
      method,
      headers,
      body: init.body === undefined ? undefined : JSON.stringify(init.body),
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
  } catch (error) {
    throw networkFailure(options, method, path, error);
  }
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : undefined;
  } catch {
    json = undefined;
  }
  return {
    status: res.status,
    contentType: res.headers.get('content-type') ?? '',
    text,
    json,
    ms: Math.round(performance.now() - started),
  };
}

function networkFailure(options: Options, method: string, path: string, error: unknown): StepFailed {
  const cause = (error as { cause?: { code?: string } }).cause;
  const code = cause?.code ?? (error instanceof Error ? error.name : 'unknown');
  const what = `${method} ${options.url}${path}`;
  switch (code) {
    case 'ECONNREFUSED':
      return new StepFailed(
        `${what}: connection refused`,
        'wrong --url, or the service is not running there (use the stack output ApiUrl, or the URL `npm start` printed)',
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new StepFailed(`${what}: host not found (${code})`, 'wrong --url: the host name does not resolve');
    case 'TimeoutError':
    case 'UND_ERR_CONNECT_TIMEOUT':
      return new StepFailed(
        `${what}: no answer within ${REQUEST_TIMEOUT_MS / 1000} s`,
        'wrong --url, or a firewall drops the traffic',
      );
    default:
      return new StepFailed(
        `${what}: ${code}`,
        /CERT|SSL|TLS/.test(code) ? 'the HTTPS certificate is not trusted' : 'the network between here and --url',
      );
  }
}

function errorOf(answer: Answer): { code: string; message: string } {
  const error = (answer.json as ErrorBody | undefined)?.error;
  return { code: error?.code ?? `HTTP ${answer.status}`, message: error?.message ?? answer.text.slice(0, 200) };
}

/** The likely cause of an unexpected answer that is not specific to the step. */
function unexpected(answer: Answer, what: string, tokenFlag: '--admin-token' | '--ingest-token'): StepFailed {
  const { code, message } = errorOf(answer);
  const said = `${what}: ${answer.status} ${code}: ${message}`;
  if (answer.status === 401) {
    const env = tokenFlag === '--admin-token' ? '$ALERTMAIL_ADMIN_TOKEN' : '$ALERTMAIL_INGEST_TOKEN';
    return new StepFailed(said, `wrong ${tokenFlag} (or ${env}): the service does not know this token`);
  }
  if (answer.status === 403) {
    return new StepFailed(
      said,
      tokenFlag === '--admin-token'
        ? '--admin-token is not an admin token (an ingest token?)'
        : '--ingest-token may not post alerts',
    );
  }
  if (answer.status === 404) return new StepFailed(said, 'wrong --url: no alertmail route there (is it the ApiUrl?)');
  if (answer.status >= 500) return new StepFailed(said, 'the service failed: see the function logs (CloudWatch Logs)');
  return new StepFailed(said, 'an answer this smoke test does not expect from alertmail');
}

function describeConditions(config: ConfigView): string {
  return config.conditions
    .map((c) => `${c.label} ${c.operator}${c.values && c.values.length > 0 ? ` [${c.values.join(', ')}]` : ''}`)
    .join(' AND ');
}

/** Why an alert that should have been emailed was not, from the counts and the config read before. */
function notDeliveredCause(result: IngestAnswer, config: ConfigView): string {
  if (result.suppressed.disabled > 0) return 'notifications are disabled: PATCH /v1/config {"enabled": true}';
  if (result.suppressed.conditions > 0) {
    return `the conditions do not match the smoke alert's labels: ${describeConditions(config)} (PUT /v1/config/conditions)`;
  }
  if ((result.suppressed.notConfigured ?? 0) > 0) {
    return config.server ? 'there is no recipient' : 'there is no mail server: PUT /v1/config/server';
  }
  if (result.suppressed.repeatInterval > 0) return 'an alert with the same labels was already sent (repeat interval)';
  return 'alertmail accepted the alert but sent nothing';
}

interface SmokeOutput {
  line(text: string): void;
}

/** Runs every step; returns the exit code. Each step writes one line. */
async function runSmoke(options: Options, out: SmokeOutput): Promise<number> {
  const started = performance.now();
  const cleanups: Array<() => Promise<void>> = [];
  let checks = 0;
  const pass = (step: string, text: string, ms?: number) => {
    checks++;
    out.line(`✓ ${step}: ${text}${ms === undefined ? '' : ` (${ms} ms)`}`);
  };
  let current = 'health';
  const interrupted = () => {
    out.line(`✗ ${current}: interrupted`);
    void runCleanups(cleanups, out).finally(() => process.exit(130));
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  try {
    // 1. Health
    const health = await request(options, 'GET', '/healthz');
    if (health.status !== 200 || (health.json as { status?: string } | undefined)?.status !== 'ok') {
      throw unexpected(health, 'GET /healthz', '--admin-token');
    }
    pass('health', `GET /healthz answered 200 {"status":"ok"}`, health.ms);

    // 2. The console page
    current = 'console';
    const page = await request(options, 'GET', '/');
    if (page.status !== 200 || !page.contentType.startsWith('text/html') || !/<html/i.test(page.text)) {
      throw new StepFailed(
        `GET / answered ${page.status} ${page.contentType || 'without a content type'}, not the console's HTML`,
        'the console function or its bundled web/dist (run `npm run build:web` before `cdk deploy`)',
      );
    }
    pass('console', `GET / served the console page (${page.contentType}, ${page.text.length} bytes)`, page.ms);

    // 3. The configuration
    current = 'config';
    const read = await request(options, 'GET', '/v1/config', { token: options.adminToken });
    if (read.status !== 200) throw unexpected(read, 'GET /v1/config', '--admin-token');
    const config = read.json as ConfigView;
    if (!config.server) {
      throw new StepFailed('GET /v1/config: no mail server is configured', 'set one: PUT /v1/config/server');
    }
    const server = config.server;
    pass(
      'config',
      `GET /v1/config: server ${server.host}:${server.port} (${server.security}) from ${server.from}, ` +
        `${config.recipients.length} recipient(s), ${config.enabled ? 'enabled' : 'DISABLED'}, ` +
        `${config.conditions.length} condition(s), repeat interval ${config.repeatInterval}`,
      read.ms,
    );

    // 4. Send Test Message, to --to only
    current = 'test message';
    const test = await request(options, 'POST', '/v1/test-message', {
      token: options.adminToken,
      body: { recipients: [options.to] },
    });
    if (test.status === 502 || (test.status === 400 && errorOf(test).code === 'NOT_CONFIGURED')) {
      const { code, message } = errorOf(test);
      throw new StepFailed(
        `POST /v1/test-message: ${test.status} ${code}: the mail server ${server.host}:${server.port} said: ${message}`,
        MAIL_HINTS[code as MailErrorCode] ?? 'the mail server settings (PUT /v1/config/server)',
      );
    }
    if (test.status !== 200) throw unexpected(test, 'POST /v1/test-message', '--admin-token');
    const sent = test.json as { accepted: string[]; rejected: string[]; messageId: string };
    if (sent.rejected.length > 0) {
      throw new StepFailed(
        `POST /v1/test-message: the mail server rejected ${sent.rejected.join(', ')}`,
        'the mail server does not relay to --to: try an address it accepts',
      );
    }
    pass(
      'test message',
      `sent to ${options.to}, accepted by ${server.host}:${server.port} (${sent.messageId})`,
      test.ms,
    );

    // 5. --to as a recipient of the default route, for this run only
    current = 'recipient';
    const present = config.recipients.some((r) => r.toLowerCase() === options.to.toLowerCase());
    if (present) {
      pass('recipient', `${options.to} is already a recipient (left as it is)`);
    } else {
      const added = await request(options, 'POST', '/v1/config/recipients', {
        token: options.adminToken,
        body: { address: options.to },
      });
      if (added.status !== 201) throw unexpected(added, 'POST /v1/config/recipients', '--admin-token');
      cleanups.push(async () => {
        const removed = await request(options, 'DELETE', `/v1/config/recipients/${encodeURIComponent(options.to)}`, {
          token: options.adminToken,
        });
        if (removed.status !== 204 && removed.status !== 404) {
          throw new StepFailed(
            `DELETE /v1/config/recipients/${options.to}: ${removed.status} ${errorOf(removed).code}`,
            `remove ${options.to} from the recipients by hand`,
          );
        }
        out.line(`✓ cleanup: removed ${options.to} from the recipients again (${removed.ms} ms)`);
      });
      pass('recipient', `added ${options.to} for this run (removed at the end)`, added.ms);
    }

    // 6. One new alert
    current = 'alert';
    const run = `${new Date().toISOString().replace(/[-:.]/g, '').slice(0, 15)}-${randomBytes(3).toString('hex')}`;
    const alert = {
      status: 'firing',
      labels: { alertname: 'AlertmailSmokeTest', severity: 'info', smoke_run: run },
      annotations: {
        summary: 'alertmail smoke test',
        description: `Sent by npm run smoke (run ${run}). Nothing is wrong; no action needed.`,
      },
      startsAt: new Date().toISOString(),
    };
    const labels = `{alertname="AlertmailSmokeTest", smoke_run="${run}"}`;
    const posted = await request(options, 'POST', '/v1/alerts', {
      token: options.ingestToken,
      body: { alerts: [alert] },
    });
    if (posted.status === 503) {
      const { code, message } = errorOf(posted);
      throw new StepFailed(
        `POST /v1/alerts: 503 ${code}: ${message}`,
        `the mail server ${server.host}:${server.port} failed on the alert although the test message went through; retry, and check its limits`,
      );
    }
    if (posted.status !== 202) throw unexpected(posted, 'POST /v1/alerts', '--ingest-token');
    const result = posted.json as IngestAnswer;
    if (result.notified !== 1 || !result.deliveryId) {
      throw new StepFailed(
        `POST /v1/alerts ${labels}: received ${result.received}, notified ${result.notified}, suppressed ${JSON.stringify(result.suppressed)}`,
        notDeliveredCause(result, config),
      );
    }
    pass('alert', `POST /v1/alerts ${labels}: received 1, notified 1 (delivery ${result.deliveryId})`, posted.ms);

    // 7. Its delivery in the log
    current = 'delivery';
    const pollStarted = performance.now();
    let delivery: DeliveryView | undefined;
    let polls = 0;
    while (!delivery) {
      polls++;
      const listed = await request(options, 'GET', '/v1/deliveries?limit=20', { token: options.adminToken });
      if (listed.status !== 200) throw unexpected(listed, 'GET /v1/deliveries', '--admin-token');
      delivery = (listed.json as { deliveries: DeliveryView[] }).deliveries.find((d) => d.id === result.deliveryId);
      if (delivery) break;
      if (performance.now() - pollStarted > DELIVERY_POLL_MS) {
        throw new StepFailed(
          `delivery ${result.deliveryId} is not in GET /v1/deliveries after ${DELIVERY_POLL_MS / 1000} s`,
          'the deliveries table is not written (function logs, the table grant)',
        );
      }
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    if (delivery.outcome !== 'sent' || !delivery.recipients.some((r) => r.toLowerCase() === options.to.toLowerCase())) {
      throw new StepFailed(
        `delivery ${delivery.id}: ${delivery.outcome} to ${delivery.recipients.join(', ')}${delivery.error ? `: ${delivery.error}` : ''}`,
        delivery.outcome === 'sent' ? `${options.to} was not among the recipients` : 'the mail server settings',
      );
    }
    const waited = Math.round(performance.now() - pollStarted);
    pass(
      'delivery',
      `${delivery.id} in GET /v1/deliveries: ${delivery.kind}, sent to ${delivery.recipients.join(', ')} after ${polls} poll(s)`,
      waited,
    );

    // 8. The same alert again: held back by the repeat interval
    current = 'repeat';
    const again = await request(options, 'POST', '/v1/alerts', {
      token: options.ingestToken,
      body: { alerts: [alert] },
    });
    if (again.status !== 202) throw unexpected(again, 'POST /v1/alerts (again)', '--ingest-token');
    const repeated = again.json as IngestAnswer;
    if (repeated.notified !== 0 || repeated.suppressed.repeatInterval !== 1) {
      throw new StepFailed(
        `the same alert re-posted: notified ${repeated.notified}, suppressed.repeatInterval ${repeated.suppressed.repeatInterval}`,
        'the notification-state table (repeat interval) is not kept: function logs, the state table grant',
      );
    }
    pass(
      'repeat',
      `the same alert re-posted: notified 0, suppressed.repeatInterval 1 (repeat interval ${config.repeatInterval})`,
      again.ms,
    );

    current = 'cleanup';
    if (!(await runCleanups(cleanups, out))) return 1;
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    out.line(
      `smoke test passed: ${checks} checks against ${options.url} in ${seconds} s; check ${options.to} for 2 emails`,
    );
    return 0;
  } catch (error) {
    if (error instanceof StepFailed) {
      out.line(`✗ ${current}: ${error.message}`);
      out.line(`  likely cause: ${error.cause_}`);
    } else {
      out.line(`✗ ${current}: ${error instanceof Error ? error.message : String(error)}`);
    }
    await runCleanups(cleanups, out);
    return 1;
  } finally {
    process.off('SIGINT', interrupted);
    process.off('SIGTERM', interrupted);
  }
}

/** Undoes what the run changed, newest first; a failed undo is reported, never hidden. False when one failed. */
async function runCleanups(cleanups: Array<() => Promise<void>>, out: SmokeOutput): Promise<boolean> {
  let ok = true;
  while (cleanups.length > 0) {
    const cleanup = cleanups.pop();
    try {
      await cleanup?.();
    } catch (error) {
      const message = error instanceof StepFailed ? `${error.message}; ${error.cause_}` : String(error);
      out.line(`✗ cleanup: ${message}`);
      ok = false;
    }
  }
  return ok;
}

async function main(): Promise<number> {
  let options: Options | 'help';
  try {
    options = parseOptions(process.argv.slice(2), process.env);
  } catch (error) {
    process.stderr.write(`smoke: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}\n`);
    return 2;
  }
  if (options === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return 0;
  }
  return runSmoke(options, { line: (text) => process.stdout.write(`${text}\n`) });
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
