/**
 * Issue 16's costs, counted at the wire (the counting DynamoDB proxy in front of DynamoDB Local):
 * the steady state with 100 silences and 10 mute windows is still one BatchGetItem per request and
 * no write (a held alert's re-send included); the sweeper's run costs two reads when nothing ended,
 * and a storm of 10,000 held alerts drains over several bounded runs, oldest first, each mailed once.
 * Figures go to BENCHMARKS.md ("Issue 16"); ALERTMAIL_BENCH_LOG=1 prints them.
 */
import { BatchWriteItemCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { mutedItem } from '../../lib/adapters/dynamodb/dynamo-items';
import { fingerprint as fingerprintOf } from '../../lib/domain/alerts/fingerprint';
import { type MutedRecord, mutedStateExpiresAt } from '../../lib/domain/muted';
import { MAX_EXAMINED_PER_RUN } from '../../lib/usecases/sweeper';
import {
  type CountingDynamoProxy,
  call,
  mailThrough,
  startCountingDynamoProxy,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const report = (line: string) => {
  if (process.env.ALERTMAIL_BENCH_LOG) console.log(line);
};

describe('the cost of silences, mute windows and the sweeper', () => {
  let proxy: CountingDynamoProxy;
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;

  beforeAll(async () => {
    proxy = await startCountingDynamoProxy();
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ dynamodbEndpoint: proxy.endpoint, sweepSeconds: 0 });
    await mailThrough(runtime, smtp);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
    await proxy?.stop();
  });

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const post = (alerts: unknown[]) =>
    call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });
  const counted = async <T>(act: () => Promise<T>) => {
    const from = proxy.operations.length;
    const started = performance.now();
    const result = await act();
    return { result, operations: proxy.operations.slice(from), ms: performance.now() - started };
  };

  it('keeps the steady state at one BatchGetItem and no write with 100 silences and 10 windows', async () => {
    const endsAt = new Date(Date.now() + 86_400_000).toISOString();
    for (let i = 0; i < 100; i++) {
      const res = await admin('POST', '/v1/silences', {
        matchers: [{ label: 'alertname', operator: 'In', values: [i === 0 ? 'Held' : `Other${i}`] }],
        endsAt,
      });
      expect(res.status).toBe(201);
    }
    const names = Array.from({ length: 10 }, (_, i) => `w${i}`);
    for (const name of names) {
      // Saturday 1 January 2000 only: never in force now, evaluated on every request all the same.
      const window = {
        timezone: 'Europe/Berlin',
        intervals: [{ daysOfMonth: ['1'], months: ['1'], weekdays: ['saturday'] }],
      };
      expect((await admin('PUT', `/v1/mute-windows/${name}`, window)).status).toBe(201);
    }
    const route = {
      name: 'windowed',
      recipients: ['w@example.com'],
      conditions: [{ label: 'team', operator: 'In', values: ['w'] }],
      muteWindows: names,
    };
    expect((await admin('POST', '/v1/routes', route)).status).toBe(201);

    const held = { labels: { alertname: 'Held', team: 'w' }, status: 'firing' };
    const sent = { labels: { alertname: 'Sent', team: 'w' }, status: 'firing' };
    const first = await counted(() => post([held, sent]));
    expect(first.result.body).toMatchObject({ notified: 1, suppressed: { silenced: 1 } });
    // Once per episode: the held alert's record (PutItem), beside the sent one's claim and completion.
    expect(first.operations.filter((op) => op === 'PutItem').length).toBeGreaterThanOrEqual(2);

    const again = await counted(() => post([held, sent]));
    expect(again.result.body).toMatchObject({ notified: 0, suppressed: { silenced: 1, repeatInterval: 1 } });
    expect(again.operations).toEqual(['BatchGetItem']);
    const batch = proxy.requests.at(-1)?.body as { RequestItems: Record<string, { Keys: unknown[] }> };
    const keys = Object.values(batch.RequestItems).reduce((sum, table) => sum + table.Keys.length, 0);
    report(
      `steady state, 100 silences + 10 windows: ${again.operations.join(', ')} (${keys} keys), ${again.ms.toFixed(1)} ms`,
    );
  });

  it('costs two reads per run when nothing ended, and drains 10,000 held alerts over bounded runs, each once', async () => {
    const storm = 10_000;
    const silence = await admin('POST', '/v1/silences', {
      matchers: [{ label: 'alertname', operator: 'In', values: ['Storm'] }],
      endsAt: new Date(Date.now() + 3_600_000).toISOString(),
    });
    expect(silence.status).toBe(201);
    // The held alerts as the ingest writes them (one item each), seeded directly: 10,000 posts would take minutes here.
    const dynamo = new DynamoDBClient({
      endpoint: runtime.dynamodbEndpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    });
    const mutedAt = Date.now() - 60_000;
    const records: MutedRecord[] = Array.from({ length: storm }, (_, i) => {
      const labels = { alertname: 'Storm', instance: `i${i}` };
      const fingerprint = fingerprintOf(labels);
      return {
        key: fingerprint,
        route: 'default',
        alert: {
          fingerprint,
          labels,
          annotations: { summary: `storm ${i}` },
          startsAt: new Date(mutedAt).toISOString(),
          source: 'generic',
        },
        mutedAt: mutedAt + i,
        silencedBy: [silence.body.id],
        mutedBy: [],
      };
    });
    for (let i = 0; i < storm; i += 25) {
      const items = records
        .slice(i, i + 25)
        .map((r) => ({ PutRequest: { Item: mutedItem(r, mutedStateExpiresAt(r.mutedAt)) } }));
      await dynamo.send(
        new BatchWriteItemCommand({ RequestItems: { [runtime.app.env.ALERTMAIL_STATE_TABLE]: items } }),
      );
    }
    dynamo.destroy();

    // The first runs walk the held alerts once (no bookmark yet: a pass, 2,000 a run); then an idle run is two reads.
    let passRuns = 0;
    while (passRuns < 10 && !(await runtime.sweep()).passComplete) passRuns++;
    // 10,001 held (the first test's too); a last page that ends exactly at the bound costs one more, empty, run.
    expect(passRuns + 1).toBeLessThanOrEqual(Math.ceil((storm + 1) / MAX_EXAMINED_PER_RUN) + 1);
    const idle0 = await counted(() => runtime.sweep());
    expect(idle0.result.swept).toBe(false);
    expect(idle0.operations.sort()).toEqual(['BatchGetItem', 'GetItem']);
    report(`sweeper, ${storm} held, nothing ended: ${idle0.operations.join(', ')}, ${idle0.ms.toFixed(1)} ms`);

    expect((await admin('DELETE', `/v1/silences/${silence.body.id}`)).status).toBe(204);
    const before = smtp.received.length;
    let sent = 0;
    let runs = 0;
    while (sent < storm && runs < 10) {
      const run = await counted(() => runtime.sweep());
      runs++;
      expect(run.result.examined).toBeLessThanOrEqual(MAX_EXAMINED_PER_RUN);
      sent += run.result.sent;
      const tally = new Map<string, number>();
      for (const op of run.operations) tally.set(op, (tally.get(op) ?? 0) + 1);
      report(
        `sweeper run ${runs}: examined ${run.result.examined}, sent ${run.result.sent}, ${run.operations.length} calls (${[...tally].map(([op, n]) => `${op} ${n}`).join(', ')}), ${run.ms.toFixed(0)} ms`,
      );
    }
    expect(sent).toBe(storm);
    expect(runs).toBeLessThanOrEqual(Math.ceil((storm + 1) / MAX_EXAMINED_PER_RUN));
    // Every held alert exactly once: the mails' alerts add up to the storm, and another run sends nothing.
    expect((await runtime.sweep()).sent).toBe(0);
    const mails = smtp.received.slice(before);
    const mailed = mails.reduce(
      (sum, mail) => sum + Number(/\[FIRING:(\d+)\]/.exec(mail.parsed.subject ?? '')?.[1] ?? 0),
      0,
    );
    expect(mailed).toBe(storm);
    const idle = await counted(() => runtime.sweep());
    report(`sweeper, 0 held, nothing ended: ${idle.operations.join(', ')}, ${idle.ms.toFixed(1)} ms`);
  }, 300_000);
});
