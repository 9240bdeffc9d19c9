/**
 * The path from a due alert to the mail server (issue 19), against DynamoDB Local behind a proxy
 * that holds the claim's write on purpose and a real SMTP server: the mail is rendered and
 * composed, and the kept connection to the mail server probed, while the claim is being written,
 * and the mail sent only once the claim is durable; a process
 * keeps the templates it read while the templates' index (read with the config, in the request's
 * one batched read) says none changed, so a mail needs no read of its own; and an edited template
 * is in the very next mail.
 */
import { type PhaseMark, recordPhases } from '../../lib/phases';
import {
  type CountingDynamoProxy,
  call,
  mailThrough,
  type SmtpCommand,
  startCountingDynamoProxy,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

/** How long the proxy holds each claim (the state table's conditional write) before DynamoDB Local sees it. */
const CLAIM_HOLD_MS = 300;

let counter = 0;
function newAlert(labels: Record<string, string> = {}) {
  counter += 1;
  return { labels: { alertname: 'QueueStuck', queue: `q-${counter}-${Date.now()}`, ...labels } };
}

/** A new alert's claim: a conditional write of a `pending` state with its claim id (lib/adapters/dynamodb/dynamo-state-store.ts). */
function isClaim(operation: string, body: Record<string, unknown>): boolean {
  const text = JSON.stringify(body);
  return (
    (operation === 'TransactWriteItems' || operation === 'PutItem') &&
    text.includes('"status":{"S":"pending"}') &&
    text.includes('"claimId"')
  );
}

describe('the mail path', () => {
  let proxy: CountingDynamoProxy;
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let holdClaims = false;
  const post = (alerts: unknown[]) =>
    call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });

  beforeAll(async () => {
    proxy = await startCountingDynamoProxy({
      delayMs: (operation, body) => (holdClaims && isClaim(operation, body) ? CLAIM_HOLD_MS : 0),
    });
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ dynamodbEndpoint: proxy.endpoint });
    await mailThrough(runtime, smtp);
    // One post first, so the runtime knows the routes (and so the templates) to read with the config.
    expect((await post([newAlert()])).status).toBe(202);
    await smtp.waitFor(1);
  });

  afterAll(async () => {
    recordPhases(undefined);
    await runtime?.stop();
    await smtp?.stop();
    await proxy?.stop();
  });

  /** One new alert posted with its claim held, until its mail arrived: the phase marks it left, and the server's commands. */
  async function postHoldingTheClaim(): Promise<{ marks: PhaseMark[]; commands: SmtpCommand[] }> {
    const marks: PhaseMark[] = [];
    const from = smtp.commands.length;
    smtp.received.length = 0;
    holdClaims = true;
    recordPhases((mark) => marks.push(mark));
    try {
      expect((await post([newAlert()])).status).toBe(202);
    } finally {
      recordPhases(undefined);
      holdClaims = false;
    }
    await smtp.waitFor(1);
    return { marks, commands: smtp.commands.slice(from) };
  }

  it('composes the mail while the claim is written, and sends it only once the claim is done', async () => {
    const { marks } = await postHoldingTheClaim();
    const at = (name: string) => {
      const mark = marks.find((m) => m.name === name);
      if (!mark) throw new Error(`no "${name}" mark among ${marks.map((m) => m.name).join(', ')}`);
      return mark.at;
    };
    // The claim was held 300 ms: the mail was ready long before it came back.
    expect(at('claim done') - at('claim')).toBeGreaterThanOrEqual(CLAIM_HOLD_MS - 5);
    expect(at('compose')).toBeGreaterThan(at('claim'));
    expect(at('compose done')).toBeLessThan(at('claim done'));
    // Durable before the send: nothing reaches the mail server before the claim is written.
    expect(at('smtp')).toBeGreaterThan(at('claim done'));
    expect(at('claim done') - at('compose done')).toBeGreaterThan(CLAIM_HOLD_MS / 2);
  });

  it('probes the kept connection while the claim is written; the mail itself goes out after it', async () => {
    const { marks, commands } = await postHoldingTheClaim();
    const claimDone = marks.find((m) => m.name === 'claim done')?.at ?? Number.NaN;
    // The connection kept from the posts before: one RSET, answered during the held claim.
    expect(commands.map((c) => c.command)).toEqual(['RSET', 'MAIL', 'RCPT', 'DATA']);
    const [rset, mailFrom] = commands;
    expect(rset?.at).toBeLessThan(claimDone);
    expect(claimDone - (rset?.at ?? Number.NaN)).toBeGreaterThan(CLAIM_HOLD_MS / 2);
    expect(mailFrom?.at).toBeGreaterThan(claimDone);
  });

  it('keeps the templates it read: a due mail costs no read of its own, the first read has the index', async () => {
    proxy.operations.length = 0;
    proxy.requests.length = 0;
    expect((await post([newAlert()])).status).toBe(202);
    await smtp.waitFor(1);
    expect(proxy.operations.filter((op) => op === 'GetItem')).toEqual([]);
    const firstRead = proxy.requests.find((r) => r.operation === 'BatchGetItem');
    expect(JSON.stringify(firstRead?.body)).toContain('"templates#index"');
    expect(JSON.stringify(firstRead?.body)).not.toContain('"template#');
  });

  it('mails with a template edited just before (the index says so), reading it once, and keeps it', async () => {
    const template = { subject: 'Edited {{ alerts.size }}', text: 'edited text', html: '<p>edited</p>' };
    const put = await call(runtime.url, 'PUT', '/v1/templates/default', { token: runtime.adminToken, body: template });
    expect(put.status).toBe(200);
    smtp.received.length = 0;
    proxy.operations.length = 0;
    expect((await post([newAlert()])).status).toBe(202);
    const [mail] = await smtp.waitFor(1);
    expect(mail?.parsed.subject).toBe('Edited 1');
    expect(proxy.operations.filter((op) => op === 'GetItem')).toEqual(['GetItem']);

    smtp.received.length = 0;
    proxy.operations.length = 0;
    expect((await post([newAlert()])).status).toBe(202);
    const [again] = await smtp.waitFor(1);
    expect(again?.parsed.subject).toBe('Edited 1');
    expect(proxy.operations.filter((op) => op === 'GetItem')).toEqual([]);

    // Deleted: the shipped mail again, with the very next alert.
    expect((await call(runtime.url, 'DELETE', '/v1/templates/default', { token: runtime.adminToken })).status).toBe(
      204,
    );
    smtp.received.length = 0;
    expect((await post([newAlert()])).status).toBe(202);
    const [shipped] = await smtp.waitFor(1);
    expect(shipped?.parsed.subject).toMatch(/^\[FIRING:1\] QueueStuck/);
  });

  it('reads a template a route has just been given when its mail is due, once', async () => {
    const ops = { subject: 'Ops {{ alerts.size }}', text: 'ops', html: '<p>ops</p>' };
    expect((await call(runtime.url, 'PUT', '/v1/templates/ops', { token: runtime.adminToken, body: ops })).status).toBe(
      200,
    );
    const route = await call(runtime.url, 'POST', '/v1/routes', {
      token: runtime.adminToken,
      body: {
        name: 'ops',
        recipients: ['ops@example.com'],
        conditions: [{ label: 'team', operator: 'In', values: ['ops'] }],
        template: 'ops',
      },
    });
    expect(route.status).toBe(201);
    smtp.received.length = 0;
    proxy.operations.length = 0;
    expect((await post([newAlert({ team: 'ops' })])).status).toBe(202);
    const [first] = await smtp.waitFor(1);
    expect(first?.parsed.subject).toBe('Ops 1');
    // This process had not read `ops` yet: read when its mail was due, then kept.
    expect(proxy.operations.filter((op) => op === 'GetItem')).toEqual(['GetItem']);

    smtp.received.length = 0;
    proxy.operations.length = 0;
    expect((await post([newAlert({ team: 'ops' })])).status).toBe(202);
    const [second] = await smtp.waitFor(1);
    expect(second?.parsed.subject).toBe('Ops 1');
    expect(proxy.operations.filter((op) => op === 'GetItem')).toEqual([]);
    expect((await call(runtime.url, 'DELETE', '/v1/routes/ops', { token: runtime.adminToken })).status).toBe(204);
  });
});
