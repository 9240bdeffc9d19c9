/** The routes console's pure logic (web/routes-model.ts): route drafts and bodies, checks, errors, order, pasted labels. */
import { silenceUrl } from '../../lib/domain/mail/silence-link';
import { conditionBody } from '../../web/model';
import {
  type ApiRoute,
  checkRoute,
  conditionsSummary,
  draftFromRoute,
  moved,
  NEW_ROUTE,
  parseAlertInput,
  routeBody,
  routeErrors,
  routeSlotFor,
} from '../../web/routes-model';

const PAYMENTS: ApiRoute = {
  name: 'payments',
  recipients: ['pay@example.com', 'lead@example.com'],
  conditions: [
    { label: 'namespace', operator: 'In', values: ['payments', 'billing'] },
    { label: 'team', operator: 'Matches', values: ['db-.{1,3}'] },
    { label: 'env', operator: 'Exists' },
  ],
  continue: true,
  enabled: false,
  repeatInterval: '4h',
  sendResolved: false,
  muteWindows: ['weekends'],
  template: 'short',
};

const firing = (labels: Record<string, string>) => ({ ok: true, body: { alerts: [{ labels, status: 'firing' }] } });

describe('routes model: drafts and bodies', () => {
  it('saves an unchanged route as it was stored, keeping what this editor does not show', () => {
    expect(routeBody(draftFromRoute(PAYMENTS), PAYMENTS)).toEqual(PAYMENTS);
  });

  it('omits the repeat interval and resolved setting left to inherit, and reads recipients one per line', () => {
    const body = routeBody({
      ...NEW_ROUTE,
      name: ' db ',
      recipients: 'a@example.com\n\n b@example.com, c@example.com;d@example.com\n',
    });
    expect(body).toEqual({
      name: 'db',
      recipients: ['a@example.com', 'b@example.com', 'c@example.com', 'd@example.com'],
      conditions: [],
      continue: false,
      enabled: true,
    });
  });

  it('sends a pattern as one value, commas and all, and values split on commas', () => {
    expect(conditionBody({ label: 'team', operator: 'NotMatches', values: ' db-.{1,3} ' })).toEqual({
      label: 'team',
      operator: 'NotMatches',
      values: ['db-.{1,3}'],
    });
    expect(conditionBody({ label: 'severity', operator: 'In', values: 'critical, page,critical' })).toEqual({
      label: 'severity',
      operator: 'In',
      values: ['critical', 'page'],
    });
    expect(conditionBody({ label: 'env', operator: 'DoesNotExist', values: 'ignored' })).toEqual({
      label: 'env',
      operator: 'DoesNotExist',
    });
  });

  it('summarises conditions in one line', () => {
    expect(conditionsSummary(PAYMENTS.conditions)).toBe(
      'namespace = payments | billing · team =~ db-.{1,3} · env is set',
    );
    expect(conditionsSummary([])).toBe('every alert');
  });
});

describe('routes model: checks and errors', () => {
  it('checks name, recipients, conditions and repeat interval with the API field names', () => {
    const problems = checkRoute({
      ...NEW_ROUTE,
      name: 'Payments!',
      recipients: 'ok@example.com\nnot-an-address\nOK@example.com',
      conditions: [
        { label: '', operator: 'In', values: 'x', custom: true },
        { label: 'team', operator: 'Matches', values: '  ', custom: false },
      ],
      repeatInterval: '90d',
    }).map((p) => p.field);
    expect(problems).toEqual([
      'name',
      'recipients[1]',
      'recipients[2]',
      'conditions[0].label',
      'conditions[1].values',
      'repeatInterval',
    ]);
  });

  it('refuses no recipient, more than 100, a taken name and the default route’s name', () => {
    const many = Array.from({ length: 101 }, (_, i) => `r${i}@example.com`).join('\n');
    expect(checkRoute({ ...NEW_ROUTE, name: 'a', recipients: '' })).toEqual([
      { field: 'recipients', message: 'Enter at least one email address.' },
    ]);
    expect(checkRoute({ ...NEW_ROUTE, name: 'a', recipients: many }).map((p) => p.field)).toEqual(['recipients']);
    expect(checkRoute({ ...NEW_ROUTE, name: 'db', recipients: 'a@example.com' }, ['db'])[0]?.field).toBe('name');
    expect(checkRoute({ ...NEW_ROUTE, name: 'default', recipients: 'a@example.com' })[0]?.field).toBe('name');
    expect(checkRoute({ ...NEW_ROUTE, name: 'x'.repeat(64), recipients: 'a@example.com' })[0]?.field).toBe('name');
    expect(checkRoute({ ...NEW_ROUTE, name: 'db-2', recipients: 'a@example.com', repeatInterval: '4h' })).toEqual([]);
  });

  it('puts each API error detail beside its field', () => {
    expect(routeSlotFor('name')).toBe('name');
    expect(routeSlotFor('recipients[3]')).toBe('recipients');
    expect(routeSlotFor('conditions[1].values[0]')).toBe('conditions[1].values');
    expect(routeSlotFor('conditions[2]')).toBe('conditions[2]');
    expect(routeSlotFor('conditions')).toBe('conditions');
    expect(routeSlotFor('route.repeatInterval')).toBe('repeatInterval');
    expect(routeSlotFor('sendResolved')).toBe('sendResolved');
    expect(routeSlotFor('(body)')).toBe('general');
    expect(
      routeErrors([
        { field: 'recipients[0]', message: 'a' },
        { field: 'recipients[2]', message: 'b' },
      ]),
    ).toEqual({
      recipients: ['a', 'b'],
    });
  });
});

describe('routes model: order', () => {
  it('moves a route up or down by one, and not past either end', () => {
    expect(moved(['a', 'b', 'c'], 1, -1)).toEqual(['b', 'a', 'c']);
    expect(moved(['a', 'b', 'c'], 1, 1)).toEqual(['a', 'c', 'b']);
    expect(moved(['a', 'b', 'c'], 0, -1)).toBeNull();
    expect(moved(['a', 'b', 'c'], 2, 1)).toBeNull();
    expect(moved([], 0, 1)).toBeNull();
  });
});

describe('routes model: pasted alert labels', () => {
  it('reads name=value lines, as typed or as an alert mail lists them', () => {
    expect(parseAlertInput('severity=critical\n  team = db \n# a comment\n\nsummary="a = b"')).toEqual(
      firing({ severity: 'critical', team: 'db', summary: 'a = b' }),
    );
  });

  it('reads Prometheus’ {a="b", c="d"}', () => {
    expect(parseAlertInput('{alertname="Down", severity="critical"}')).toEqual(
      firing({ alertname: 'Down', severity: 'critical' }),
    );
  });

  it('reads a JSON object of labels, an alert with labels, and passes a whole payload as it is', () => {
    expect(parseAlertInput('{"severity": "critical"}')).toEqual(firing({ severity: 'critical' }));
    expect(parseAlertInput('{"labels": {"team": "db"}, "annotations": {}}')).toEqual(firing({ team: 'db' }));
    const webhook = { version: '4', alerts: [{ status: 'firing', labels: { a: 'b' } }] };
    expect(parseAlertInput(JSON.stringify(webhook))).toEqual({ ok: true, body: webhook });
    const v2 = [{ labels: { a: 'b' } }];
    expect(parseAlertInput(JSON.stringify(v2))).toEqual({ ok: true, body: v2 });
  });

  it('reads the labels of a mail’s "Silence this" link', () => {
    const link = silenceUrl('https://alerts.example.com/', { severity: 'critical', team: 'db & ops' });
    expect(parseAlertInput(link)).toEqual(firing({ severity: 'critical', team: 'db & ops' }));
  });

  it('says what is wrong with what was pasted', () => {
    expect(parseAlertInput('  ')).toEqual({ ok: false, error: 'Paste the alert’s labels first.' });
    expect(parseAlertInput('severity=critical\njust words')).toEqual({
      ok: false,
      error: 'Line 2 is not name=value: just words',
    });
    expect(parseAlertInput('1x=y')).toMatchObject({ ok: false, error: expect.stringContaining('not a label name') });
    expect(parseAlertInput('{"severity": ')).toMatchObject({
      ok: false,
      error: expect.stringMatching(/^This is not valid JSON/),
    });
    expect(parseAlertInput('{"severity": 3}')).toEqual({ ok: false, error: 'The value of severity is not a string.' });
    expect(parseAlertInput('https://alerts.example.com/#routes')).toMatchObject({ ok: false });
  });
});
