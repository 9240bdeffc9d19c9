/**
 * Delivery under faults: a real SMTP server scripted to misbehave (a failing chunk, too many
 * connections, permanent and temporary refusals, a slow and a trickling server), alertmail's local
 * runtime on DynamoDB Local. Each case asserts the HTTP answer, the mails each recipient received
 * and the deliveries log: every mail once, every failure classified, every send bounded.
 */
import net, { type AddressInfo } from 'node:net';
import { REQUEST_DEADLINE_MS } from '../../lib/deadlines';
import {
  call,
  type SmtpReply,
  startCountingDynamoProxy,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpOptions,
  type TestSmtpServer,
} from './support';

const recipientsNumbered = (count: number): string[] =>
  Array.from({ length: count }, (_, i) => `oncall${String(i).padStart(2, '0')}@example.com`);

interface Setup {
  readonly runtime: TestRuntime;
  readonly smtp: TestSmtpServer;
}

const running: Array<{ stop(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((part) => part.stop()));
});

/** A runtime whose mail server is a scripted smtp-server, with these recipients. */
async function setUp(recipients: readonly string[], smtpOptions: TestSmtpOptions = {}): Promise<Setup> {
  const smtp = await startSmtpServer(smtpOptions);
  const runtime = await startTestRuntime();
  running.push(runtime, smtp);
  await serveWith(runtime, smtp.port);
  const put = await call(runtime.url, 'PUT', '/v1/config/server', {
    token: runtime.adminToken,
    body: { host: '127.0.0.1', port: smtp.port, security: 'none', from: 'alerts@example.com' },
  });
  expect(put.status).toBe(200);
  for (const address of recipients) {
    const added = await call(runtime.url, 'POST', '/v1/config/recipients', {
      token: runtime.adminToken,
      body: { address },
    });
    expect(added.status).toBe(201);
  }
  return { runtime, smtp };
}

async function serveWith(runtime: TestRuntime, port: number): Promise<void> {
  const put = await call(runtime.url, 'PUT', '/v1/config/server', {
    token: runtime.adminToken,
    body: { host: '127.0.0.1', port, security: 'none', from: 'alerts@example.com' },
  });
  expect(put.status).toBe(200);
}

function post(runtime: TestRuntime, alertname: string) {
  return call(runtime.url, 'POST', '/v1/alerts', {
    token: runtime.ingestToken,
    body: { alerts: [{ labels: { alertname, severity: 'critical' }, annotations: { summary: alertname } }] },
  });
}

/** How many mails each address received (envelope recipients). */
function mailsPerRecipient(smtp: TestSmtpServer): Map<string, number> {
  const counts = new Map<string, number>();
  for (const mail of smtp.received) for (const to of mail.envelope.to) counts.set(to, (counts.get(to) ?? 0) + 1);
  return counts;
}

async function latestDeliveries(runtime: TestRuntime, limit = 5) {
  const log = await call(runtime.url, 'GET', `/v1/deliveries?limit=${limit}`, { token: runtime.adminToken });
  expect(log.status).toBe(200);
  return log.body.deliveries as Array<Record<string, any>>;
}

/** Refuses messages carrying `who` the first `times` times, then accepts them. */
function failingTimes(times: number, who: (recipients: readonly string[]) => boolean, reply: SmtpReply) {
  let left = times;
  return (recipients: readonly string[]): SmtpReply | undefined => {
    if (!who(recipients) || left <= 0) return undefined;
    left--;
    return reply;
  };
}

describe('more than 50 recipients with a failing chunk', () => {
  const sixty = recipientsNumbered(60);

  it('gives each recipient exactly one mail however many retries a failing chunk takes', async () => {
    // Arrange: the chunk holding recipients 51-60 is refused (451) on its first two tries.
    const rejectMessage = failingTimes(2, (to) => to.includes('oncall55@example.com'), {
      code: 451,
      message: '4.3.0 Temporary failure, try again later',
    });
    const { runtime, smtp } = await setUp(sixty, { rejectMessage });

    // Act: Alertmanager posts and retries until it is answered 202, then once more.
    const answers = [];
    for (let i = 0; i < 4; i++) answers.push(await post(runtime, 'ChunkFails'));

    // Assert
    expect(answers.map((a) => a.status)).toEqual([503, 503, 202, 202]);
    expect(answers[0]?.body.error.code).toBe('DELIVERY_FAILED');
    expect(answers[0]?.headers.get('retry-after')).toBeTruthy();
    expect(answers[2]?.body).toMatchObject({ notified: 1 });
    expect(answers[3]?.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    await smtp.expectExactly(2);
    const counts = mailsPerRecipient(smtp);
    expect([...counts.keys()].sort()).toEqual(sixty);
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const [last, , first] = await latestDeliveries(runtime, 3);
    expect(first).toMatchObject({ outcome: 'failed', permanent: false });
    expect(first?.accepted).toHaveLength(50);
    expect(last).toMatchObject({ outcome: 'sent', error: null });
    expect(last?.recipients).toEqual(sixty.slice(50));
  });

  it('sends only the chunk that met "421 Too many concurrent connections" on the retry', async () => {
    // Arrange: one connection at a time; alertmail sends its two chunks in parallel.
    const { runtime, smtp } = await setUp(sixty, { maxConnections: 1 });

    // Act
    const first = await post(runtime, 'TooManyConnections');
    const retry = await post(runtime, 'TooManyConnections');

    // Assert
    expect(first.status).toBe(503);
    expect(first.body.error.message).toMatch(/421|concurrent/i);
    expect(retry.status).toBe(202);
    await smtp.expectExactly(2);
    expect([...mailsPerRecipient(smtp).values()].every((n) => n === 1)).toBe(true);
    expect(mailsPerRecipient(smtp).size).toBe(60);
  });
});

describe('failures classified by what a retry can change', () => {
  it('answers 202 for a 550 to every recipient, logs it as permanent, and does not retry before the interval', async () => {
    // Arrange
    const tries: string[] = [];
    const { runtime, smtp } = await setUp(['gone@example.com', 'left@example.com'], {
      rejectRecipient: (address) => {
        tries.push(address);
        return { code: 550, message: '5.1.1 User unknown' };
      },
    });

    // Act
    const first = await post(runtime, 'EveryoneGone');
    const again = await post(runtime, 'EveryoneGone');

    // Assert
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ notified: 0, suppressed: { undeliverable: 1 }, deliveryId: null });
    expect(again.status).toBe(202);
    expect(again.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    expect(tries).toHaveLength(2); // one attempt, both recipients; the re-post tried nobody
    await smtp.expectExactly(0);
    const [failed] = await latestDeliveries(runtime, 1);
    expect(failed).toMatchObject({ outcome: 'failed', permanent: true, accepted: [] });
    expect(failed?.error).toContain('5.1.1 User unknown');
    expect(failed?.rejected).toEqual([
      { address: 'gone@example.com', reply: expect.stringContaining('550 5.1.1 User unknown'), permanent: true },
      { address: 'left@example.com', reply: expect.stringContaining('550 5.1.1 User unknown'), permanent: true },
    ]);
  });

  it('answers 202 for "552 message too large" and logs the server words as permanent', async () => {
    const { runtime } = await setUp(['oncall@example.com'], {
      rejectMessage: () => ({ code: 552, message: '5.3.4 Message size exceeds fixed limit' }),
    });

    const first = await post(runtime, 'TooLarge');

    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ notified: 0, suppressed: { undeliverable: 1 } });
    const [failed] = await latestDeliveries(runtime, 1);
    expect(failed).toMatchObject({ outcome: 'failed', permanent: true });
    expect(failed?.error).toMatch(/^SMTP_REJECTED: .*552 5\.3\.4 Message size exceeds fixed limit/);
  });

  it('answers 503 for a 451 to the message (temporary), and the error says it is not permanent', async () => {
    const { runtime, smtp } = await setUp(['oncall@example.com']);
    smtp.failNext(1);

    const first = await post(runtime, 'Deferred');
    const retry = await post(runtime, 'Deferred');

    expect(first.status).toBe(503);
    expect(first.body.error).toMatchObject({ code: 'DELIVERY_FAILED' });
    expect(retry.body).toMatchObject({ notified: 1 });
    const [, failed] = await latestDeliveries(runtime, 2);
    expect(failed).toMatchObject({ outcome: 'failed', permanent: false });
  });
});

describe('per-recipient outcomes', () => {
  it('records a recipient refused with 550 among three, answers 202, and never retries them', async () => {
    // Arrange
    const { runtime, smtp } = await setUp(['a@example.com', 'bounced@example.com', 'c@example.com'], {
      rejectRecipient: (address) =>
        address === 'bounced@example.com' ? { code: 550, message: '5.1.1 Mailbox does not exist' } : undefined,
    });

    // Act
    const first = await post(runtime, 'OneBounces');
    const again = await post(runtime, 'OneBounces');

    // Assert
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ notified: 1 });
    expect(again.body).toMatchObject({ notified: 0 });
    await smtp.expectExactly(1);
    expect(smtp.received[0]?.envelope.to).toEqual(['a@example.com', 'c@example.com']);
    const [sent] = await latestDeliveries(runtime, 1);
    expect(sent).toMatchObject({ outcome: 'sent', accepted: ['a@example.com', 'c@example.com'] });
    expect(sent?.rejected).toEqual([
      {
        address: 'bounced@example.com',
        reply: expect.stringContaining('5.1.1 Mailbox does not exist'),
        permanent: true,
      },
    ]);
  });

  it('retries a recipient deferred with 450, sending to them alone', async () => {
    let deferrals = 1;
    const { runtime, smtp } = await setUp(['a@example.com', 'busy@example.com'], {
      rejectRecipient: (address) =>
        address === 'busy@example.com' && deferrals-- > 0
          ? { code: 450, message: '4.2.1 Mailbox busy, try later' }
          : undefined,
    });

    const first = await post(runtime, 'OneDeferred');
    const retry = await post(runtime, 'OneDeferred');

    expect(first.status).toBe(503);
    expect(retry.status).toBe(202);
    await smtp.expectExactly(2);
    expect(smtp.received.map((m) => m.envelope.to)).toEqual([['a@example.com'], ['busy@example.com']]);
  });
});

/** A server that greets, then answers EHLO with `250-` continuation lines forever. */
async function startTricklingServer(): Promise<{ port: number; stop(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((socket) => {
    sockets.add(socket);
    let timer: NodeJS.Timeout | undefined;
    socket.on('close', () => {
      clearInterval(timer);
      sockets.delete(socket);
    });
    socket.on('error', () => {});
    socket.write('220 trickle.example ESMTP\r\n');
    socket.once('data', () => {
      timer = setInterval(() => socket.write('250-still thinking\r\n'), 300);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    port: (server.address() as AddressInfo).port,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

describe('every send has a deadline', () => {
  const bound = REQUEST_DEADLINE_MS + 3_000;

  it('answers within the request deadline against a server that takes 2 s per recipient (50 recipients)', async () => {
    const { runtime } = await setUp(recipientsNumbered(50), { recipientDelayMs: 2_000 });

    const started = Date.now();
    const answer = await post(runtime, 'SlowServer');
    const elapsed = Date.now() - started;

    expect(answer.status).toBe(503);
    expect(answer.body.error.message).toMatch(/deadline|did not answer in time/i);
    expect(elapsed).toBeLessThan(bound);
  }, 60_000);

  it('cuts off a server that keeps sending 250- continuation lines', async () => {
    const { runtime } = await setUp(['oncall@example.com']);
    const trickle = await startTricklingServer();
    running.push(trickle);
    await serveWith(runtime, trickle.port);

    const started = Date.now();
    const answer = await post(runtime, 'Trickle');
    const elapsed = Date.now() - started;

    expect(answer.status).toBe(503);
    expect(elapsed).toBeLessThan(bound);
  }, 60_000);
});

describe('a store failure after a successful send', () => {
  /** Resets the connection (as a killed store does) for the sent marks and the log record, `times` times. */
  function failingRecords(times: number) {
    let left = times;
    return (operation: string, body: Record<string, unknown>): boolean => {
      const recording =
        operation === 'BatchWriteItem' || (operation === 'PutItem' && String(body.TableName).endsWith('deliveries'));
      if (!recording || left <= 0) return false;
      left--;
      return true;
    };
  }

  async function setUpThrough(failWhen: (operation: string, body: Record<string, unknown>) => boolean) {
    const proxy = await startCountingDynamoProxy({ failWhen });
    const smtp = await startSmtpServer();
    const runtime = await startTestRuntime({ dynamodbEndpoint: proxy.endpoint });
    running.push(runtime, smtp, proxy);
    await serveWith(runtime, smtp.port);
    await call(runtime.url, 'POST', '/v1/config/recipients', {
      token: runtime.adminToken,
      body: { address: 'oncall@example.com' },
    });
    return { runtime, smtp };
  }

  it('retries the sent mark and the log entry, so the re-post sends nothing and the log has the mail', async () => {
    // Arrange: more failures than the SDK's own five attempts, fewer than alertmail's retries on top.
    const { runtime, smtp } = await setUpThrough(failingRecords(7));

    // Act
    const first = await post(runtime, 'StoreHiccup');
    const again = await post(runtime, 'StoreHiccup');

    // Assert
    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ notified: 1 });
    expect(again.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    await smtp.expectExactly(1);
    const [sent] = await latestDeliveries(runtime, 1);
    expect(sent).toMatchObject({ outcome: 'sent', kind: 'firing' });
  });

  it('answers 202 when the records still fail, with a warning naming the alerts', async () => {
    const { runtime, smtp } = await setUpThrough(failingRecords(Number.POSITIVE_INFINITY));

    const first = await post(runtime, 'StoreGone');

    expect(first.status).toBe(202);
    expect(first.body).toMatchObject({ notified: 1 });
    await smtp.expectExactly(1);
    const warnings = runtime.logs.map((line) => JSON.parse(line)).filter((line) => line.level === 'warn');
    const sentMark = warnings.find((line) => /recording it failed/.test(line.msg));
    expect(sentMark?.alerts).toHaveLength(1);
    expect(warnings.some((line) => /recording the delivery failed/.test(line.msg))).toBe(true);
  }, 60_000);
});
