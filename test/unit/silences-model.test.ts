import {
  endOf,
  type HeldAlert,
  matchersFromLabels,
  previewMatches,
  silenceBody,
  valuesOf,
  weekGrid,
} from '../../web/silences-model';

describe('the silences console logic', () => {
  it('pre-fills one In matcher per label of a link, sorted', () => {
    expect(matchersFromLabels({ severity: 'page', alertname: 'Disk' })).toEqual([
      { label: 'alertname', operator: 'In', values: ['Disk'] },
      { label: 'severity', operator: 'In', values: ['page'] },
    ]);
  });

  it('ends a silence after the chosen duration, or at a custom time', () => {
    const now = new Date('2026-12-02T10:00:00Z');
    expect(endOf('4h', '', now)?.toISOString()).toBe('2026-12-02T14:00:00.000Z');
    expect(endOf('1d', '', now)?.toISOString()).toBe('2026-12-03T10:00:00.000Z');
    expect(endOf('custom', '2026-12-05T08:30:00Z', now)?.toISOString()).toBe('2026-12-05T08:30:00.000Z');
    expect(endOf('custom', 'soon', now)).toBeUndefined();
  });

  it('builds the request body: no values for Exists, comment trimmed or absent', () => {
    const body = silenceBody(
      [
        { label: 'team', operator: 'Exists', values: ['x'] },
        { label: ' pod ', operator: 'NotIn', values: valuesOf('a, ,b') },
      ],
      new Date('2026-12-02T11:00:00Z'),
      '  ',
    );
    expect(body).toEqual({
      matchers: [
        { label: 'team', operator: 'Exists' },
        { label: 'pod', operator: 'NotIn', values: ['a', 'b'] },
      ],
      endsAt: '2026-12-02T11:00:00.000Z',
    });
  });

  it('previews which held alerts the matchers catch; patterns are left to the server', () => {
    const held: HeldAlert[] = [
      {
        fingerprint: 'a',
        route: 'default',
        labels: { alertname: 'Disk', env: 'prod' },
        mutedAt: '',
        silencedBy: [],
        mutedBy: [],
      },
      { fingerprint: 'b', route: 'default', labels: { alertname: 'Cpu' }, mutedAt: '', silencedBy: [], mutedBy: [] },
    ];
    expect(
      previewMatches([{ label: 'env', operator: 'In', values: ['prod'] }], held).caught.map((a) => a.fingerprint),
    ).toEqual(['a']);
    expect(
      previewMatches([{ label: 'env', operator: 'DoesNotExist', values: [] }], held).caught.map((a) => a.fingerprint),
    ).toEqual(['b']);
    expect(previewMatches([{ label: 'alertname', operator: 'Matches', values: ['D.*'] }], held).unjudged).toBe(true);
    expect(previewMatches([], held).caught).toEqual([]);
  });

  it('draws a window as a week of wall-clock hours in its timezone', () => {
    const grid = weekGrid({
      name: 'w',
      timezone: 'Europe/Berlin',
      intervals: [{ weekdays: ['monday:friday'], times: [{ start: '18:30', end: '24:00' }] }, { weekdays: ['sunday'] }],
    });
    expect(grid.hours[0]?.slice(17, 20)).toEqual(['off', 'partly', 'on']);
    expect(grid.hours[5]?.every((h) => h === 'off')).toBe(true); // Saturday
    expect(grid.hours[6]?.every((h) => h === 'on')).toBe(true); // Sunday
    expect(grid.dated).toBe(false);
    expect(weekGrid({ name: 'm', timezone: 'UTC', intervals: [{ daysOfMonth: ['-1'] }] }).dated).toBe(true);
  });
});
