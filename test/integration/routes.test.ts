/**
 * Routes through HTTP, against DynamoDB Local and a real SMTP server: who gets which alert
 * (first match, `continue`, the default route catching the rest, disabled routes skipped, RE2
 * conditions), a recipient on several routes getting each alert once, the repeat interval per
 * (route, alert), exactly-once per route under concurrency, a failure on one route retried
 * without re-sending the other's, and the dry run's answers checked against what a post then does.
 */
import { randomBytes } from 'node:crypto';
import { createApp } from '../../functions/app';
import { parseAlertPayload } from '../../lib/domain/alerts/parse';
import {
  type CountingDynamoProxy,
  call,
  mailThrough,
  type ReceivedMail,
  startCountingDynamoProxy,
  startSmtpServer,
  startTestRuntime,
  type TestRuntime,
  type TestSmtpServer,
} from './support';

const silentLog = { info: () => {}, warn: () => {}, error: () => {} };
const unique = (name: string) => `${name}${randomBytes(4).toString('hex')}`;

interface RouteBody {
  name: string;
  recipients: string[];
  conditions?: Array<{ label: string; operator: string; values?: string[] }>;
  continue?: boolean;
  enabled?: boolean;
  repeatInterval?: string;
}

describe('routes', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  /** Recipients whose message the mail server answers 451 while set. */
  let failFor: ReadonlySet<string> = new Set();

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const post = (labels: Record<string, string>, status = 'firing') =>
    call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts: [{ labels, status }] } });
  const dryRun = (labels: Record<string, string>, status = 'firing') =>
    call(runtime.url, 'POST', '/v1/alerts/dry-run', {
      token: runtime.adminToken,
      body: { alerts: [{ labels, status }] },
    });
  /** Who got a mail about `alertname`, sorted, one entry per copy received. */
  const copiesOf = (alertname: string, mails: readonly ReceivedMail[] = smtp.received) =>
    mails
      .filter((mail) => mail.parsed.subject?.includes(alertname))
      .flatMap((mail) => mail.envelope.to)
      .sort();
  const setRoutes = async (routes: RouteBody[]) => {
    for (const route of (await admin('GET', '/v1/routes')).body.routes as RouteBody[]) {
      expect((await admin('DELETE', `/v1/routes/${route.name}`)).status).toBe(204);
    }
    for (const route of routes) expect((await admin('POST', '/v1/routes', route)).status).toBe(201);
  };

  const teams: RouteBody[] = [
    {
      name: 'payments',
      recipients: ['pay@example.com', 'shared@example.com'],
      conditions: [{ label: 'team', operator: 'In', values: ['payments'] }],
      continue: true,
    },
    {
      name: 'database',
      recipients: ['db@example.com', 'shared@example.com'],
      conditions: [{ label: 'service', operator: 'Matches', values: ['db-.*'] }],
    },
    {
      name: 'paused',
      recipients: ['paused@example.com'],
      conditions: [{ label: 'team', operator: 'Exists' }],
      enabled: false,
    },
    {
      name: 'quiet',
      recipients: ['quiet@example.com'],
      conditions: [{ label: 'tier', operator: 'NotMatches', values: ['gold|silver'] }],
    },
  ];

  beforeAll(async () => {
    smtp = await startSmtpServer({
      rejectMessage: (recipients) =>
        recipients.some((r) => failFor.has(r)) ? { code: 451, message: '4.3.0 try again later' } : undefined,
    });
    runtime = await startTestRuntime();
    const server = await admin('PUT', '/v1/config/server', {
      host: '127.0.0.1',
      port: smtp.port,
      security: 'none',
      from: 'alerts@example.com',
    });
    expect(server.status).toBe(200);
    expect((await admin('POST', '/v1/config/recipients', { address: 'default@example.com' })).status).toBe(201);
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
  });

  beforeEach(async () => {
    smtp.received.length = 0;
    failFor = new Set();
    await setRoutes(teams);
  });

  it('sends each team its alerts, once to a recipient on two routes, and the rest to the default route', async () => {
    const pay = unique('PayLatency');
    const db = unique('DbDown');
    const both = unique('PayDb');
    const other = unique('Other');

    const answers = await Promise.all([
      post({ alertname: pay, team: 'payments', tier: 'gold' }),
      post({ alertname: db, service: 'db-main', tier: 'gold' }),
      post({ alertname: both, team: 'payments', service: 'db-replica', tier: 'gold' }),
      post({ alertname: other, service: 'xdb-main', tier: 'silver' }),
    ]);
    expect(answers.map((a) => a.body.notified)).toEqual([1, 1, 1, 1]);
    await smtp.expectExactly(5);

    expect(copiesOf(pay)).toEqual(['pay@example.com', 'shared@example.com']);
    expect(copiesOf(db)).toEqual(['db@example.com', 'shared@example.com']);
    // payments continues to database: shared@ is on both and gets the alert once.
    expect(copiesOf(both)).toEqual(['db@example.com', 'pay@example.com', 'shared@example.com']);
    // `db-.*` is anchored: xdb-main is not a database alert; no named route takes it; disabled `paused` is skipped.
    expect(copiesOf(other)).toEqual(['default@example.com']);
    // The mail names its route.
    const routeOf = (alertname: string) =>
      smtp.received
        .filter((mail) => mail.parsed.subject?.includes(alertname))
        .map((mail) => mail.parsed.headers.get('x-alertmail-route'))
        .sort();
    expect(routeOf(both)).toEqual(['database', 'payments']);
    expect(routeOf(other)).toEqual(['default']);
  });

  it('offers an alert past a disabled route, and NotMatches holds when the label is absent', async () => {
    const name = unique('NoTier');

    expect((await post({ alertname: name })).body).toMatchObject({ notified: 1 });
    await smtp.expectExactly(1);

    expect(copiesOf(name)).toEqual(['quiet@example.com']);
  });

  it('records the route of each delivery and filters the log by it', async () => {
    const name = unique('Logged');
    await post({ alertname: name, team: 'payments', service: 'db-x', tier: 'gold' });
    await smtp.expectExactly(2);

    const database = await admin('GET', '/v1/deliveries?route=database&limit=5');
    const payments = await admin('GET', '/v1/deliveries?route=payments&limit=5');

    expect(database.status).toBe(200);
    expect(database.body.deliveries[0]).toMatchObject({ route: 'database', recipients: ['db@example.com'] });
    expect(payments.body.deliveries[0]).toMatchObject({ route: 'payments' });
    expect(payments.body.deliveries.every((d: { route: string }) => d.route === 'payments')).toBe(true);
  });

  it(`gives exactly one mail per route for 30 concurrent identical posts matching two routes`, async () => {
    const name = unique('Race');
    const labels = { alertname: name, team: 'payments', service: 'db-race', tier: 'gold' };

    const answers = await Promise.all(Array.from({ length: 30 }, () => post(labels)));

    expect(answers.map((a) => a.status)).toEqual(Array(30).fill(202));
    expect(answers.reduce((sum, a) => sum + (a.body.notified as number), 0)).toBe(1);
    const mails = await smtp.expectExactly(2, 500);
    expect(copiesOf(name, mails)).toEqual(['db@example.com', 'pay@example.com', 'shared@example.com']);
  });

  it("retries a mail-server failure on one route without re-sending the other route's mail", async () => {
    const name = unique('HalfDown');
    const labels = { alertname: name, team: 'payments', service: 'db-half', tier: 'gold' };
    failFor = new Set(['db@example.com']);

    const failed = await post(labels);
    expect(failed.status).toBe(503);
    expect(copiesOf(name)).toEqual(['pay@example.com', 'shared@example.com']);

    failFor = new Set();
    smtp.received.length = 0;
    const retried = await post(labels);
    expect(retried.status).toBe(202);
    await smtp.expectExactly(1);
    expect(copiesOf(name)).toEqual(['db@example.com']);
  });

  it('keeps the repeat interval per route: a re-post inside one route’s interval sends on the other only', async () => {
    await setRoutes([
      { ...(teams[0] as RouteBody), repeatInterval: '1m' },
      { ...(teams[1] as RouteBody), repeatInterval: '12h' },
    ]);
    let now = Date.now();
    const app = createApp(runtime.app.env, { clock: () => new Date(now), log: silentLog });
    const ingest = (labels: Record<string, string>) =>
      app.ingest.ingest(parseAlertPayload({ alerts: [{ labels }] }, app.ingest.now()).alerts);
    const name = unique('TwoIntervals');
    const labels = { alertname: name, team: 'payments', service: 'db-two', tier: 'gold' };

    expect(await ingest(labels)).toMatchObject({ notified: 1 });
    await smtp.expectExactly(2);
    smtp.received.length = 0;

    now += 30_000;
    expect(await ingest(labels)).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    now += 31_000;
    expect(await ingest(labels)).toMatchObject({ notified: 1 });
    await smtp.expectExactly(1);
    // payments (1m) is due again; database (12h) is not. shared@ is on both and gets it from payments.
    expect(copiesOf(name)).toEqual(['pay@example.com', 'shared@example.com']);
  });

  describe('the dry run says what a post then does', () => {
    const decisions = (answer: { body: { alerts: Array<{ routes: Array<Record<string, unknown>> }> } }) =>
      Object.fromEntries((answer.body.alerts[0]?.routes ?? []).map((r) => [r.route, r]));

    it('send, then repeatInterval with nextAt, per route, writing and sending nothing itself', async () => {
      const name = unique('Dry');
      const labels = { alertname: name, team: 'payments', service: 'db-dry', tier: 'gold' };

      const before = decisions(await dryRun(labels));
      expect(smtp.received).toHaveLength(0);
      expect(before.payments).toMatchObject({
        reached: true,
        matched: true,
        decision: 'send',
        recipients: ['pay@example.com', 'shared@example.com'],
      });
      expect(before.database).toMatchObject({
        reached: true,
        matched: true,
        decision: 'send',
        recipients: ['db@example.com'],
      });
      // database took it without `continue`: the routes after it are not reached.
      expect(before.paused).toMatchObject({ reached: false, matched: true, recipients: [] });
      expect(before.paused?.decision).toBeUndefined();
      expect(before.quiet).toMatchObject({
        reached: false,
        matched: false,
        failedCondition: { label: 'tier', operator: 'NotMatches', values: ['gold|silver'] },
      });
      expect(before.default).toMatchObject({ reached: false, matched: true, recipients: [] });
      expect(before.default?.decision).toBeUndefined();
      // A second dry run answers the same: the first wrote nothing.
      expect(decisions(await dryRun(labels))).toEqual(before);

      const posted = await post(labels);
      expect(posted.body).toMatchObject({ notified: 1 });
      const mails = await smtp.expectExactly(2);
      expect(copiesOf(name, mails)).toEqual(['db@example.com', 'pay@example.com', 'shared@example.com']);

      const after = decisions(await dryRun(labels));
      expect(after.payments).toMatchObject({ decision: 'repeatInterval' });
      expect(Date.parse(String(after.payments?.nextAt))).toBeGreaterThan(Date.now() + 11 * 3_600_000);
      expect((await post(labels)).body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 1 } });
    });

    it('the first failed condition of a route not taken, and the default route taking the rest', async () => {
      const name = unique('DryOther');
      const labels = { alertname: name, service: 'cache', tier: 'gold' };

      const answer = decisions(await dryRun(labels));
      expect(answer.payments).toMatchObject({
        matched: false,
        failedCondition: { label: 'team', operator: 'In', values: ['payments'] },
      });
      expect(answer.database).toMatchObject({
        matched: false,
        failedCondition: { label: 'service', operator: 'Matches', values: ['db-.*'] },
      });
      expect(answer.default).toMatchObject({ reached: true, decision: 'send', recipients: ['default@example.com'] });
      const web = decisions(await dryRun({ ...labels, team: 'web' }));
      expect(web.paused).toMatchObject({ reached: true, matched: true, decision: 'disabled', recipients: [] });

      await post(labels);
      expect(copiesOf(name, await smtp.expectExactly(1))).toEqual(['default@example.com']);
    });

    it('disabled and notConfigured, as the post then counts them', async () => {
      const name = unique('DryGate');
      const labels = { alertname: name, tier: 'gold' };
      expect((await admin('PATCH', '/v1/config', { enabled: false })).status).toBe(200);
      try {
        expect(decisions(await dryRun(labels)).default).toMatchObject({ decision: 'disabled' });
        expect((await post(labels)).body).toMatchObject({ notified: 0, suppressed: { disabled: 1 } });
      } finally {
        await admin('PATCH', '/v1/config', { enabled: true });
      }
      expect((await admin('DELETE', '/v1/config/recipients/default%40example.com')).status).toBe(204);
      try {
        expect(decisions(await dryRun(labels)).default).toMatchObject({ decision: 'notConfigured', recipients: [] });
        expect((await post(labels)).body).toMatchObject({ notified: 0, suppressed: { notConfigured: 1 } });
      } finally {
        await admin('POST', '/v1/config/recipients', { address: 'default@example.com' });
      }
      await smtp.expectExactly(0);
    });

    it('nothingToTell for a resolved alert never notified, and send for one that was', async () => {
      const name = unique('DryResolved');
      const labels = { alertname: name, team: 'payments', tier: 'gold' };
      expect(decisions(await dryRun(labels, 'resolved')).payments).toMatchObject({ decision: 'nothingToTell' });

      await post(labels);
      await smtp.expectExactly(1);
      expect(decisions(await dryRun(labels, 'resolved')).payments).toMatchObject({ decision: 'send' });
      expect((await post(labels, 'resolved')).body).toMatchObject({ notified: 1 });
    });
  });

  describe('the API', () => {
    it('lists routes in order, reorders them with a permutation only, and leaves GET /v1/config as it was', async () => {
      const reordered = await admin('PUT', '/v1/routes/order', { names: ['quiet', 'paused', 'database', 'payments'] });
      expect(reordered.status).toBe(200);
      expect(reordered.body.routes.map((r: RouteBody) => r.name)).toEqual(['quiet', 'paused', 'database', 'payments']);

      for (const names of [
        ['quiet', 'paused', 'database'],
        ['quiet', 'paused', 'database', 'payments', 'quiet'],
        ['quiet', 'paused', 'database', 'nope'],
      ]) {
        const refused = await admin('PUT', '/v1/routes/order', { names });
        expect(refused.status).toBe(400);
        expect(refused.body.error.details[0].field).toBe('names');
      }
      expect((await admin('GET', '/v1/routes')).body.routes.map((r: RouteBody) => r.name)).toEqual([
        'quiet',
        'paused',
        'database',
        'payments',
      ]);
      const config = await admin('GET', '/v1/config');
      expect(Object.keys(config.body).sort()).toEqual(
        ['conditions', 'enabled', 'recipients', 'repeatInterval', 'sendResolved', 'server', 'updatedAt'].sort(),
      );
    });

    it('refuses bad routes with a 400 naming the field, and changes nothing', async () => {
      const before = (await admin('GET', '/v1/routes')).body;
      const cases: Array<[unknown, string]> = [
        [{ name: 'Bad Name', recipients: ['a@example.com'] }, 'name'],
        [{ name: 'default', recipients: ['a@example.com'] }, 'name'],
        [{ name: 'order', recipients: ['a@example.com'] }, 'name'],
        [{ name: 'empty', recipients: [] }, 'recipients'],
        [{ name: 'twice', recipients: ['a@example.com', 'A@example.com'] }, 'recipients'],
        [{ name: 'interval', recipients: ['a@example.com'], repeatInterval: '1s' }, 'repeatInterval'],
        [
          {
            name: 'regex',
            recipients: ['a@example.com'],
            conditions: [{ label: 'x', operator: 'Matches', values: ['(a'] }],
          },
          'conditions[0].values[0]',
        ],
        [
          {
            name: 'regex2',
            recipients: ['a@example.com'],
            conditions: [{ label: 'x', operator: 'Matches', values: ['a', 'b'] }],
          },
          'conditions[0].values',
        ],
        [
          // Backreferences are not RE2: no pattern may need backtracking.
          {
            name: 'regex3',
            recipients: ['a@example.com'],
            conditions: [{ label: 'x', operator: 'Matches', values: ['(a)\\1'] }],
          },
          'conditions[0].values[0]',
        ],
      ];
      for (const [body, field] of cases) {
        const refused = await admin('POST', '/v1/routes', body);
        expect({ field, status: refused.status }).toEqual({ field, status: 400 });
        expect(refused.body.error.details.map((d: { field: string }) => d.field)).toContain(field);
      }
      const regex = await admin('POST', '/v1/routes', cases[6]?.[0]);
      expect(regex.body.error.message).toMatch(/not a valid RE2 pattern/);
      expect((await admin('POST', '/v1/routes', teams[0])).status).toBe(409);
      expect((await admin('PUT', '/v1/routes/nope', { recipients: ['a@example.com'] })).status).toBe(404);
      expect((await admin('DELETE', '/v1/routes/nope')).status).toBe(404);
      expect((await admin('PUT', '/v1/routes/quiet', { name: 'other', recipients: ['a@example.com'] })).status).toBe(
        400,
      );
      const conditions = await admin('PUT', '/v1/config/conditions', [
        { label: 'x', operator: 'NotMatches', values: ['['] },
      ]);
      expect(conditions.status).toBe(400);
      expect(conditions.body.error.details[0].field).toBe('conditions[0].values[0]');
      expect((await admin('GET', '/v1/routes')).body).toEqual(before);
    });

    it('replaces a route in its place, and holds at most 100 routes', async () => {
      const replaced = await admin('PUT', '/v1/routes/database', {
        recipients: ['dba@example.com'],
        repeatInterval: '4h',
      });
      expect(replaced.status).toBe(200);
      const names = (await admin('GET', '/v1/routes')).body.routes.map((r: RouteBody) => r.name);
      expect(names).toEqual(['payments', 'database', 'paused', 'quiet']);
      expect((await admin('GET', '/v1/routes')).body.routes[1]).toEqual({
        name: 'database',
        recipients: ['dba@example.com'],
        conditions: [],
        continue: false,
        enabled: true,
        repeatInterval: '4h',
      });

      for (let i = names.length; i < 100; i++) {
        expect((await admin('POST', '/v1/routes', { name: `r${i}`, recipients: ['a@example.com'] })).status).toBe(201);
      }
      const refused = await admin('POST', '/v1/routes', { name: 'r100', recipients: ['a@example.com'] });
      expect(refused.status).toBe(400);
      expect(refused.body.error.message).toMatch(/At most 100 routes/);
    });

    it('loses no route to concurrent additions', async () => {
      await setRoutes([]);
      const added = await Promise.all(
        Array.from({ length: 12 }, (_, i) =>
          admin('POST', '/v1/routes', { name: `c${i}`, recipients: ['a@example.com'] }),
        ),
      );
      expect(added.map((a) => a.status)).toEqual(Array(12).fill(201));
      expect((await admin('GET', '/v1/routes')).body.routes).toHaveLength(12);
    });
  });
});

describe('the steady state with 10 routes', () => {
  let runtime: TestRuntime;
  let smtp: TestSmtpServer;
  let proxy: CountingDynamoProxy;

  const admin = (method: string, route: string, body?: unknown) =>
    call(runtime.url, method, route, { token: runtime.adminToken, body });
  const ingest = (alerts: unknown[]) =>
    call(runtime.url, 'POST', '/v1/alerts', { token: runtime.ingestToken, body: { alerts } });

  beforeAll(async () => {
    proxy = await startCountingDynamoProxy();
    smtp = await startSmtpServer();
    runtime = await startTestRuntime({ dynamodbEndpoint: proxy.endpoint });
    await mailThrough(runtime, smtp);
    // Ten teams, each catching its own namespace; `team-0` continues to `team-1`, so some alerts are on two routes.
    for (let i = 0; i < 10; i++) {
      const added = await admin('POST', '/v1/routes', {
        name: `team-${i}`,
        recipients: [`team${i}@example.com`],
        conditions: [
          { label: 'namespace', operator: i === 1 ? 'Matches' : 'In', values: [i === 1 ? 'ns-[01]' : `ns-${i}`] },
        ],
        continue: i === 0,
      });
      expect(added.status).toBe(201);
    }
  });

  afterAll(async () => {
    await runtime?.stop();
    await smtp?.stop();
    await proxy?.stop();
  });

  it('costs one batched read per re-post (config, routes and every (route, alert) state) and no write', async () => {
    // 40 alerts over 11 namespaces (ns-10 goes to the default route): 44 (route, alert) pairs.
    const alerts = Array.from({ length: 40 }, (_, i) => ({
      labels: { alertname: 'SteadyRoutes', namespace: `ns-${i % 11}`, pod: `p${i}` },
    }));
    expect((await ingest(alerts)).body).toMatchObject({ received: 40, notified: 40 });
    await smtp.waitFor(11);

    proxy.operations.length = 0;
    proxy.requests.length = 0;
    const repost = await ingest(alerts);

    expect(repost.body).toMatchObject({ notified: 0, suppressed: { repeatInterval: 40 } });
    expect(proxy.operations).toEqual(['BatchGetItem']);
    const keys = proxy.requests[0]?.body.RequestItems as Record<string, { Keys: unknown[] }>;
    // The config, silences and mute-windows items (issue 16), the templates' index, and the 44 states.
    expect(Object.values(keys).reduce((n, table) => n + table.Keys.length, 0)).toBe(4 + 44);
  });

  it('reads the states of a changed route in a second read, once, and then is back to one', async () => {
    const alerts = [{ labels: { alertname: 'Moved', namespace: 'ns-3', pod: 'moved' } }];
    expect((await ingest(alerts)).body).toMatchObject({ notified: 1 });
    // Now ns-3 is team-2's as well: the process does not know until it reads the config.
    expect(
      (
        await admin('PUT', '/v1/routes/team-2', {
          recipients: ['team2@example.com'],
          conditions: [{ label: 'namespace', operator: 'In', values: ['ns-2', 'ns-3'] }],
          continue: true,
        })
      ).status,
    ).toBe(200);
    await admin('PUT', '/v1/routes/order', {
      names: ['team-0', 'team-1', 'team-2', 'team-3', 'team-4', 'team-5', 'team-6', 'team-7', 'team-8', 'team-9'],
    });

    proxy.operations.length = 0;
    expect((await ingest(alerts)).body).toMatchObject({ notified: 1 }); // new on team-2
    const changed = proxy.operations.filter((op) => op === 'BatchGetItem').length;
    proxy.operations.length = 0;
    expect((await ingest(alerts)).body).toMatchObject({ notified: 0 });

    expect(changed).toBe(2);
    expect(proxy.operations).toEqual(['BatchGetItem']);
  });
});
