/** "Who gets this?" in words (web/dry-run-words.ts): each decision of the dry run, each operator's failure. */
import { type DryRunAlert, type DryRunRoute, describeFailure, explainAlert } from '../../web/dry-run-words';

const LABELS = { alertname: 'PaymentsDown', severity: 'warning', team: 'web', namespace: 'payments' };
const NEXT_AT = '2026-12-02T18:00:00.000Z';
const at = (iso: string) => `at:${iso}`;

function route(over: Partial<DryRunRoute> & { route: string }): DryRunRoute {
  return { matched: true, recipients: [`${over.route}@example.com`], decision: 'send', ...over };
}

function alert(routes: DryRunRoute[], labels: Record<string, string> = LABELS): DryRunAlert {
  return { fingerprint: '3f1c0e8a9b2d4c6e', labels, routes };
}

describe('dry run in words: failed conditions', () => {
  it('says why each operator does not hold, with the value the alert has', () => {
    expect(describeFailure({ label: 'severity', operator: 'In', values: ['critical'] }, LABELS)).toBe(
      'severity is not critical (it is warning)',
    );
    expect(describeFailure({ label: 'severity', operator: 'In', values: ['critical', 'page', 'major'] }, LABELS)).toBe(
      'severity is not critical, page or major (it is warning)',
    );
    expect(describeFailure({ label: 'severity', operator: 'NotIn', values: ['info', 'warning'] }, LABELS)).toBe(
      'severity is warning, which this route leaves out',
    );
    expect(describeFailure({ label: 'namespace', operator: 'Exists', values: [] }, { severity: 'critical' })).toBe(
      'namespace is missing',
    );
    expect(describeFailure({ label: 'namespace', operator: 'DoesNotExist' }, LABELS)).toBe(
      'namespace is present (it is payments)',
    );
    expect(describeFailure({ label: 'team', operator: 'Matches', values: ['^db-.*$'] }, LABELS)).toBe(
      'team does not match ^db-.*$ (it is web)',
    );
    expect(describeFailure({ label: 'team', operator: 'NotMatches', values: ['w.b'] }, LABELS)).toBe(
      'team matches w.b (it is web), which this route leaves out',
    );
  });

  it('says a label is missing when In or Matches needs it, and cuts a long value short', () => {
    expect(describeFailure({ label: 'team', operator: 'In', values: ['db'] }, {})).toBe('team is missing');
    expect(describeFailure({ label: 'team', operator: 'Matches', values: ['db-.*'] }, {})).toBe('team is missing');
    const long = describeFailure({ label: 'team', operator: 'In', values: ['db'] }, { team: 'x'.repeat(200) });
    expect(long).toBe(`team is not db (it is ${'x'.repeat(60)}…)`);
  });
});

describe('dry run in words: decisions', () => {
  it('reads the whole answer in one sentence: sent, skipped on a condition, default not reached', () => {
    const words = explainAlert(
      alert([
        route({ route: 'payments-oncall', recipients: ['pay@example.com', 'lead@example.com'] }),
        route({
          route: 'database',
          matched: false,
          recipients: ['db@example.com'],
          failedCondition: { label: 'severity', operator: 'In', values: ['critical'] },
        }),
        route({ route: 'default', matched: true, reached: false, recipients: [] }),
      ]),
    );
    expect(words.sentence).toBe(
      'payments-oncall gets it; database skipped: severity is not critical (it is warning); ' +
        'default route not reached (payments-oncall took it)',
    );
    expect(words.recipients).toEqual(['pay@example.com', 'lead@example.com']);
    expect(words.headline).toBe('pay@example.com, lead@example.com get this alert now.');
    expect(words.routes.map((r) => r.verdict)).toEqual(['gets', 'skipped', 'notReached']);
    expect(words.routes[2]?.recipients).toEqual([]);
  });

  it('takes reached: false as not reached (matching or not), naming the route that did not continue', () => {
    const words = explainAlert(
      alert([
        route({ route: 'first', recipients: ['a@example.com'] }),
        route({ route: 'second', recipients: ['A@example.com', 'b@example.com'] }),
        route({ route: 'third', matched: true, reached: false, recipients: [] }),
        route({ route: 'fourth', matched: false, reached: false, recipients: [] }),
        route({ route: 'default', matched: true, reached: false, recipients: [] }),
      ]),
    );
    expect(words.routes.slice(2).map((r) => r.text)).toEqual([
      'third not reached (second did not continue)',
      'fourth not reached (second did not continue)',
      'default route not reached (first and second took it)',
    ]);
    // one mail per recipient, however many routes list them
    expect(words.recipients).toEqual(['a@example.com', 'b@example.com']);
  });

  it('reads an answer without `reached`: matched false and no failed condition after a match is not reached', () => {
    const words = explainAlert(
      alert([
        route({ route: 'payments' }),
        route({ route: 'default', matched: false, recipients: ['oncall@example.com'] }),
      ]),
    );
    expect(words.sentence).toBe('payments gets it; default route not reached (payments took it)');
  });

  it('says so when a route takes an alert whose recipients get it from an earlier route already', () => {
    const words = explainAlert(
      alert([route({ route: 'first', recipients: ['a@example.com'] }), route({ route: 'second', recipients: [] })]),
    );
    expect(words.routes[1]).toMatchObject({ verdict: 'gets', text: 'second takes it; its recipients get it already' });
  });

  it('gives the next time for a repeat interval, and says "later" without one', () => {
    const words = explainAlert(alert([route({ route: 'payments', decision: 'repeatInterval', nextAt: NEXT_AT })]), {
      formatTime: at,
    });
    expect(words.sentence).toBe(
      `payments matches but sent it recently: the repeat interval sends it again at at:${NEXT_AT}`,
    );
    expect(words.routes[0]?.verdict).toBe('held');
    expect(words.headline).toBe('Nobody is emailed about this alert now.');
    expect(explainAlert(alert([route({ route: 'p', decision: 'repeatInterval' })])).sentence).toMatch(/again later$/);
  });

  it('names the silences and mute windows that hold an alert', () => {
    const words = explainAlert(
      alert([
        route({ route: 'payments', decision: 'silenced', silencedBy: ['s-1', 's-2'] }),
        route({ route: 'database', decision: 'muted', mutedBy: ['weekends'] }),
        route({ route: 'default', decision: 'silenced', silencedBy: ['s-1'] }),
      ]),
    );
    expect(words.routes.map((r) => r.text)).toEqual([
      'payments matches but it is silenced (silences s-1, s-2)',
      'database matches but it is muted now (mute window weekends)',
      'default route matches but it is silenced (silence s-1)',
    ]);
    expect(words.recipients).toEqual([]);
  });

  it('tells a disabled route (the alert goes on) from notifications switched off', () => {
    const routeOff = explainAlert(
      alert([
        route({ route: 'payments', decision: 'disabled' }),
        route({ route: 'database', recipients: ['db@example.com'] }),
        route({ route: 'default', matched: true, reached: false, recipients: [] }),
      ]),
      { disabledRoutes: new Set(['payments']) },
    );
    expect(routeOff.sentence).toBe(
      'payments skipped: the route is disabled; database gets it; default route not reached (database took it)',
    );
    expect(routeOff.routes[0]).toMatchObject({ verdict: 'skipped', recipients: [] });
    // a named route's `disabled` is the route's own unless notifications are off altogether
    expect(explainAlert(alert([route({ route: 'payments', decision: 'disabled' })])).sentence).toBe(
      'payments skipped: the route is disabled',
    );
    const off = explainAlert(
      alert([route({ route: 'payments', decision: 'disabled' }), route({ route: 'default', decision: 'disabled' })]),
      { notificationsEnabled: false, disabledRoutes: new Set() },
    );
    expect(off.routes.map((r) => r.text)).toEqual([
      'payments matches but notifications are switched off: nothing is sent',
      'default route matches but notifications are switched off: nothing is sent',
    ]);
    expect(off.routes.map((r) => r.verdict)).toEqual(['held', 'held']);
    // an older answer: a disabled route as not matched is skipped, not "not reached", even after a match
    const listed = explainAlert(
      alert([route({ route: 'first' }), route({ route: 'second', matched: false, decision: 'disabled' })]),
    );
    expect(listed.routes[1]?.text).toBe('second skipped: the route is disabled');
  });

  it('says what is missing when nothing can be sent', () => {
    const words = explainAlert(
      alert([
        route({ route: 'payments', decision: 'notConfigured' }),
        route({ route: 'default', decision: 'notConfigured', recipients: [] }),
      ]),
    );
    expect(words.routes.map((r) => r.text)).toEqual([
      'payments matches but nothing can be sent: no mail server is set up',
      'default route matches but nothing can be sent: it has no recipients',
    ]);
  });

  it('says a resolved alert nobody was told about has nothing to tell', () => {
    expect(explainAlert(alert([route({ route: 'default', decision: 'nothingToTell' })])).sentence).toBe(
      'default route matches but has nothing to tell: the alert is resolved and no one was told it fired',
    );
  });

  it('says "skipped" for a reached route that does not match, with no condition named', () => {
    expect(explainAlert(alert([route({ route: 'lonely', matched: false, reached: true })])).sentence).toBe(
      'lonely skipped',
    );
  });
});
