/**
 * Exactly one email under concurrency, against the real DynamoDB Local and a real SMTP server:
 * the conditional claim is the only thing standing between N identical requests and N emails.
 */
import { randomBytes } from 'node:crypto';
import { createApp } from '../../functions/app';
import { parseAlertPayload } from '../../lib/domain/alerts/parse';
import {
  call,
  mailThrough,
  sleep,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const CONCURRENCY = 30;
const silentLog = { info: () => {}, warn: () => {}, error: () => {} };

describe('concurrent identical posts', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;

  const post = (body: unknown) => call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body });

  const exactly = (count: number) => smtp.expectExactly(count, 500);

  beforeAll(async () => {
    smtp = await startSmtpServer();
    runtime = await startTestRuntime();
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  beforeEach(() => {
    smtp.received.length = 0;
  });

  it(`gives exactly one email for the same new alert posted in ${CONCURRENCY} concurrent requests`, async () => {
    const body = {
      alerts: [{ labels: { alertname: `Race${randomBytes(4).toString('hex')}`, severity: 'critical' } }],
    };

    const responses = await Promise.all(Array.from({ length: CONCURRENCY }, () => post(body)));

    expect(responses.map((r) => r.status)).toEqual(Array(CONCURRENCY).fill(202));
    const notified = responses.map((r) => r.body.notified as number);
    expect(notified.reduce((a, b) => a + b, 0)).toBe(1);
    // Every other request counts the alert as suppressed by the repeat interval.
    expect(responses.filter((r) => r.body.suppressed.repeatInterval === 1)).toHaveLength(CONCURRENCY - 1);
    expect(responses.filter((r) => r.body.deliveryId !== null)).toHaveLength(1);
    await exactly(1);
  });

  it('gives one email per alert when concurrent requests overlap partly, each alert in exactly one email', async () => {
    const name = `Overlap${randomBytes(4).toString('hex')}`;
    const pods = Array.from({ length: 10 }, (_, i) => `pod-${i}`);
    // Request i carries pods i..i+4 (wrapping): every pod is in five concurrent requests.
    const bodies = pods.map((_, i) => ({
      alerts: Array.from({ length: 5 }, (_, k) => ({ labels: { alertname: name, pod: pods[(i + k) % pods.length] } })),
    }));

    const responses = await Promise.all([...bodies, ...bodies, ...bodies].map(post));

    expect(responses.every((r) => r.status === 202)).toBe(true);
    expect(responses.reduce((sum, r) => sum + (r.body.notified as number), 0)).toBe(pods.length);
    const received = await smtp.waitFor(1);
    await sleep(500);
    const mentioned = received.flatMap((m) => pods.filter((pod) => m.parsed.text?.includes(`pod = ${pod}\n`)));
    expect(mentioned.sort()).toEqual([...pods].sort());
  });

  it('gives exactly one resolved notice for a resolved alert posted concurrently', async () => {
    const labels = { alertname: `Resolve${randomBytes(4).toString('hex')}` };
    await post({ alerts: [{ labels }] });
    await exactly(1);
    smtp.received.length = 0;

    const responses = await Promise.all(
      Array.from({ length: CONCURRENCY }, () => post({ alerts: [{ labels, status: 'resolved' }] })),
    );

    expect(responses.every((r) => r.status === 202)).toBe(true);
    expect(responses.reduce((sum, r) => sum + (r.body.notified as number), 0)).toBe(1);
    const [notice] = await exactly(1);
    expect(notice?.parsed.subject).toBe(`[RESOLVED:1] ${labels.alertname}`);
  });

  it('gives exactly one email across two app instances (two Lambdas) on the same tables', async () => {
    const other = createApp(runtime.app.env, { log: silentLog });
    const labels = { alertname: `TwoInstances${randomBytes(4).toString('hex')}` };
    const viaOther = () => other.ingest.ingest(parseAlertPayload({ alerts: [{ labels }] }, new Date()).alerts);

    const results = await Promise.all(
      Array.from({ length: CONCURRENCY }, (_, i) =>
        i % 2 === 0 ? viaOther() : post({ alerts: [{ labels }] }).then((r) => r.body),
      ),
    );

    expect(results.reduce((sum, r) => sum + (r.notified as number), 0)).toBe(1);
    await exactly(1);
  });

  it('still sends exactly one email when the first attempt fails under concurrency and the senders retry', async () => {
    const body = { alerts: [{ labels: { alertname: `FailRace${randomBytes(4).toString('hex')}` } }] };
    smtp.failNext(1);

    const first = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    // The winner's send failed: it answers 503 and gives its claim back; the others saw the claim in
    // flight and answered 202 (one arriving after the release may already have sent).
    expect(first.filter((r) => r.status === 503)).toHaveLength(1);
    expect(first.filter((r) => r.status === 202)).toHaveLength(9);

    const retries = await Promise.all(Array.from({ length: 10 }, () => post(body)));
    expect(retries.every((r) => r.status === 202)).toBe(true);
    const notified = [...first, ...retries].reduce((sum, r) => sum + ((r.body.notified as number | undefined) ?? 0), 0);
    expect(notified).toBe(1);
    await exactly(1);
  });
});
