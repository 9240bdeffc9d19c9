import {
  isInWindow,
  loadWindowEngine,
  type MuteWindow,
  nextChange,
  windowProblems,
} from '../../lib/domain/mute-windows';
import { closedBetween } from '../../lib/usecases/sweeper';

const at = (iso: string) => new Date(iso);
const window = (timezone: string, intervals: MuteWindow['intervals']): MuteWindow => ({
  name: 'w',
  timezone,
  intervals,
});

describe('mute windows (Alertmanager time_intervals)', () => {
  beforeAll(() => loadWindowEngine([{}]));

  const evenings = window('Europe/Berlin', [
    { weekdays: ['monday:friday'], times: [{ start: '18:00', end: '24:00' }] },
  ]);

  it('reads weekdays and times in the window timezone, end exclusive, 24:00 the end of the day', () => {
    // Wednesday 2026-06-10: Berlin is UTC+2.
    expect(isInWindow(evenings, at('2026-06-10T15:59:59Z'))).toBe(false);
    expect(isInWindow(evenings, at('2026-06-10T16:00:00Z'))).toBe(true);
    expect(isInWindow(evenings, at('2026-06-10T21:59:59Z'))).toBe(true);
    expect(isInWindow(evenings, at('2026-06-10T22:00:00Z'))).toBe(false);
    // Saturday evening: not a weekday of the window.
    expect(isInWindow(evenings, at('2026-06-13T17:00:00Z'))).toBe(false);
  });

  it('opens and closes at the same local times across the spring DST change (Europe/Berlin, 2026-03-29)', () => {
    const nights = window('Europe/Berlin', [{ times: [{ start: '01:00', end: '04:00' }] }]);
    // 01:00 CET = 00:00Z; the clocks jump 02:00 CET -> 03:00 CEST; 04:00 CEST = 02:00Z.
    expect(nextChange(nights, at('2026-03-28T23:30:00Z'))).toEqual(at('2026-03-29T00:00:00Z'));
    expect(nextChange(nights, at('2026-03-29T00:00:00Z'))).toEqual(at('2026-03-29T02:00:00Z'));
    expect(isInWindow(nights, at('2026-03-29T01:30:00Z'))).toBe(true); // 03:30 CEST
    // The next night: both ends in CEST.
    expect(nextChange(nights, at('2026-03-29T02:00:00Z'))).toEqual(at('2026-03-29T23:00:00Z'));
  });

  it('opens at the jump when its start is a local time the spring change skips', () => {
    const skipped = window('Europe/Berlin', [{ times: [{ start: '02:30', end: '05:00' }] }]);
    // 02:30 does not exist on 2026-03-29: local time goes 01:59 CET -> 03:00 CEST (01:00Z), already inside.
    expect(nextChange(skipped, at('2026-03-29T00:30:00Z'))).toEqual(at('2026-03-29T01:00:00Z'));
    expect(isInWindow(skipped, at('2026-03-29T00:59:00Z'))).toBe(false);
  });

  it('opens and closes at the same local times across the autumn DST change (Europe/Berlin, 2026-10-25)', () => {
    const evening = window('Europe/Berlin', [{ times: [{ start: '18:00', end: '24:00' }] }]);
    // Saturday 24th in CEST (UTC+2), Sunday 25th in CET (UTC+1).
    expect(nextChange(evening, at('2026-10-24T12:00:00Z'))).toEqual(at('2026-10-24T16:00:00Z'));
    expect(nextChange(evening, at('2026-10-24T16:00:00Z'))).toEqual(at('2026-10-24T22:00:00Z'));
    expect(nextChange(evening, at('2026-10-25T12:00:00Z'))).toEqual(at('2026-10-25T17:00:00Z'));
    expect(nextChange(evening, at('2026-10-25T17:00:00Z'))).toEqual(at('2026-10-25T23:00:00Z'));
  });

  it('is in force through both copies of the repeated hour in autumn', () => {
    const repeated = window('Europe/Berlin', [{ times: [{ start: '02:00', end: '03:00' }] }]);
    // 02:00 CEST = 00:00Z, 02:00 CET = 01:00Z; 03:00 CET = 02:00Z.
    expect(isInWindow(repeated, at('2026-10-25T00:30:00Z'))).toBe(true);
    expect(isInWindow(repeated, at('2026-10-25T01:30:00Z'))).toBe(true);
    expect(nextChange(repeated, at('2026-10-25T00:30:00Z'))).toEqual(at('2026-10-25T02:00:00Z'));
  });

  it('follows America/New_York through its DST changes (2026-03-08 and 2026-11-01)', () => {
    const mornings = window('America/New_York', [{ weekdays: ['sunday'], times: [{ start: '09:00', end: '10:00' }] }]);
    expect(nextChange(mornings, at('2026-03-08T00:00:00Z'))).toEqual(at('2026-03-08T13:00:00Z')); // EDT, UTC-4
    expect(nextChange(mornings, at('2026-11-01T00:00:00Z'))).toEqual(at('2026-11-01T14:00:00Z')); // EST, UTC-5
    expect(nextChange(mornings, at('2026-11-01T14:00:00Z'))).toEqual(at('2026-11-01T15:00:00Z'));
  });

  it('reads days of month (negative from the end) and months by name or number', () => {
    const lastDay = window('UTC', [{ daysOfMonth: ['-1'], months: ['february', '12'] }]);
    expect(isInWindow(lastDay, at('2028-02-29T10:00:00Z'))).toBe(true); // leap year
    expect(isInWindow(lastDay, at('2028-02-28T10:00:00Z'))).toBe(false);
    expect(isInWindow(lastDay, at('2026-12-31T23:59:00Z'))).toBe(true);
    expect(isInWindow(lastDay, at('2026-01-31T10:00:00Z'))).toBe(false);
    const firstWeek = window('UTC', [{ daysOfMonth: ['1:7'], months: ['january:march'] }]);
    expect(isInWindow(firstWeek, at('2026-03-07T10:00:00Z'))).toBe(true);
    expect(isInWindow(firstWeek, at('2026-04-01T10:00:00Z'))).toBe(false);
  });

  it('an omitted field means any; no interval means never; a window that never changes has no next change', () => {
    const always = window('UTC', [{}]);
    expect(isInWindow(always, at('2026-05-05T05:05:00Z'))).toBe(true);
    expect(nextChange(always, at('2026-05-05T05:05:00Z'))).toBeNull();
    expect(isInWindow(window('UTC', []), at('2026-05-05T05:05:00Z'))).toBe(false);
  });

  it('names each bad field', () => {
    const problems = windowProblems({
      timezone: 'Mars/Olympus',
      intervals: [
        {
          weekdays: ['friday:monday', 'funday'],
          times: [
            { start: '25:00', end: '24:01' },
            { start: '10:00', end: '09:00' },
          ],
          daysOfMonth: ['0', '5:2'],
          months: ['13'],
        },
      ],
    });
    expect(problems.map((p) => p.field)).toEqual([
      'timezone',
      'intervals[0].weekdays[0]',
      'intervals[0].weekdays[1]',
      'intervals[0].months[0]',
      'intervals[0].daysOfMonth[0]',
      'intervals[0].daysOfMonth[1]',
      'intervals[0].times[0].start',
      'intervals[0].times[0].end',
      'intervals[0].times[1].end',
    ]);
    expect(windowProblems(evenings)).toEqual([]);
  });

  it('tells the sweeper whether a window closed in a span', () => {
    expect(closedBetween(evenings, at('2026-06-10T21:00:00Z'), at('2026-06-10T22:00:30Z'))).toBe(true);
    expect(closedBetween(evenings, at('2026-06-10T12:00:00Z'), at('2026-06-10T17:00:00Z'))).toBe(false);
    expect(closedBetween(evenings, at('2026-06-10T12:00:00Z'), at('2026-06-11T12:00:00Z'))).toBe(true);
  });
});
